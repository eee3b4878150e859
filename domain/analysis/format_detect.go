package analysis

import "bytes"

// formatShare is the share of sample lines that must be JSON objects (or
// logfmt pairs) for the file to be read as such.
const formatShare = 0.8

// detectFormat studies a sample of a file's first lines and returns how to
// read every line of it.
func detectFormat(sample [][]byte) lineFormat {
	lines := nonEmpty(sample)
	switch {
	case shareOf(lines, isJSONLine) >= formatShare:
		return newStructFormat("json", scanJSON, lines)
	case shareOf(lines, isLogfmtLine) >= formatShare:
		return newStructFormat("logfmt", scanLogfmt, lines)
	}
	return detectTextLayout(lines)
}

func nonEmpty(sample [][]byte) [][]byte {
	out := make([][]byte, 0, len(sample))
	for _, l := range sample {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l)
		}
	}
	return out
}

func shareOf(lines [][]byte, pred func([]byte) bool) float64 {
	if len(lines) == 0 {
		return 0
	}
	n := 0
	for _, l := range lines {
		if pred(l) {
			n++
		}
	}
	return float64(n) / float64(len(lines))
}

func isJSONLine(l []byte) bool {
	var rv roleValues
	return scanJSON(l, &rv)
}

// isLogfmtLine wants key=value pairs from the first token on and a level
// or message key among them.
func isLogfmtLine(l []byte) bool {
	var rv roleValues
	first := l[skipBlanks(l, 0):wordEnd(l, skipBlanks(l, 0))]
	return bytes.IndexByte(first, '=') > 0 && scanLogfmt(l, &rv) && (rv.set[roleLevel] || rv.set[roleMsg])
}
