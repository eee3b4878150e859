package analysis

// nextTokenStart returns where the token after the one ending at end
// starts: a single blank between tokens, the common case, is stepped over
// with one look-up instead of skipBlanks' loop.
func nextTokenStart(msg []byte, end int) int {
	if end+1 < len(msg) && byteClasses[msg[end+1]] != clsBlank {
		return end + 1
	}
	return skipBlanks(msg, end)
}
