package analysis

// Byte helpers shared by the readers and the masker; they work on ASCII and
// leave other bytes alone.

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// hasPrefixFold is an ASCII case-insensitive bytes.HasPrefix.
func hasPrefixFold(b []byte, p string) bool {
	if len(b) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b[i]|0x20 != p[i]|0x20 {
			return false
		}
	}
	return true
}

func hasPrefix(b []byte, p string) bool { return len(b) >= len(p) && string(b[:len(p)]) == p }

func lastIndexByte(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func countByte(b []byte, c byte) int {
	n := 0
	for _, x := range b {
		if x == c {
			n++
		}
	}
	return n
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func isAllDigits(f []byte) bool {
	if len(f) == 0 {
		return false
	}
	for _, c := range f {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// trimRight drops trailing blanks.
func trimRight(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func hexValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func parseInt(v []byte) (int64, bool) {
	if !isAllDigits(v) || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// isNumber matches digits with at most one decimal point.
func isNumber(v []byte) bool {
	dots := 0
	for _, c := range v {
		if c == '.' {
			dots++
		} else if !isDigit(c) {
			return false
		}
	}
	return len(v) > 0 && dots <= 1
}
