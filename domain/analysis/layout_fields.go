package analysis

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Header fields: a line's header is read as a sequence of fields separated
// by spaces, tabs, '|' or ','. A field is a bracket group such as
// "[Sun Dec 04 04:47:44 2005]" or "[req-1 - - -]" (with what is glued after
// it), or a run of bytes up to a separator.

// sepKind is what separates a field from the next.
type sepKind uint8

const (
	sepEnd   sepKind = iota // end of line
	sepSpace                // one space
	sepWide                 // several spaces or a tab: a padded column
	sepPipe                 // '|'
)

// maxBracket bounds how far a bracket group is looked for.
const maxBracket = 512

// skipBlanks skips spaces and tabs.
func skipBlanks(b []byte, pos int) int {
	for pos < len(b) && (b[pos] == ' ' || b[pos] == '\t') {
		pos++
	}
	return pos
}

// fieldEnd returns the end of the field starting at pos.
func fieldEnd(b []byte, pos int) int {
	if pos < len(b) {
		if close := closer(b[pos]); close != 0 {
			if end := groupEnd(b, pos, b[pos], close); end > 0 {
				return wordEnd(b, end)
			}
		}
	}
	return wordEnd(b, pos)
}

// wordEnd returns the end of a run of bytes up to a blank or '|'. It
// looks at eight bytes at a time: header fields are read on every line. A
// pos past the end is returned as it is, as a byte loop would: a caller
// that steps over the byte it stopped at may ask from len(b)+1.
func wordEnd(b []byte, pos int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	if pos >= len(b) {
		return pos
	}
	r := b[pos:]
	for ; len(r) >= 8; r = r[8:] {
		// (x - ones*n) &^ x marks with its high bit each byte of x below n
		// (n at most 0x80): the bytes of w below '!', blanks among them, and
		// those equal to '|'; bytes above the lowest one marked may be
		// marked wrongly, so only the lowest counts. A byte below '!' that
		// is no blank (a control byte) ends the steps: the loop below goes
		// on from it.
		w := binary.LittleEndian.Uint64(r)
		bar := w ^ (ones * '|')
		if m := ((w - ones*'!') &^ w) | ((bar - ones) &^ bar); m&highs != 0 {
			i := bits.TrailingZeros64(m&highs) / 8
			if c := r[i]; c == ' ' || c == '\t' || c == '|' {
				return len(b) - len(r) + i
			}
			break
		}
	}
	pos = len(b) - len(r)
	for pos < len(b) && b[pos] != ' ' && b[pos] != '\t' && b[pos] != '|' {
		pos++
	}
	return pos
}

// closer returns the bracket closing c, 0 when c opens none. A table: it
// is asked of the first byte of every header field.
func closer(c byte) byte { return closers[c] }

var closers = func() (t [256]byte) {
	for c := range t {
		t[c] = closerOf(byte(c))
	}
	return t
}()

// closerOf is closer by comparisons, which fill the table.
func closerOf(c byte) byte {
	switch c {
	case '[':
		return ']'
	case '(':
		return ')'
	case '{':
		return '}'
	case '<':
		return '>'
	}
	return 0
}

// groupEnd returns the index after the bracket closing the one at pos, or
// 0 when it is not closed within maxBracket bytes.
func groupEnd(b []byte, pos int, open, close byte) int {
	limit := min(len(b), pos+maxBracket)
	if pos >= limit {
		return 0
	}
	// Most groups nest nothing: the first closing bracket ends them.
	c := bytes.IndexByte(b[pos+1:limit], close)
	if c < 0 {
		return 0
	}
	if bytes.IndexByte(b[pos+1:pos+1+c], open) < 0 {
		return pos + c + 2
	}
	depth := 0
	for i := pos; i < limit; i++ {
		switch b[i] {
		case open:
			depth++
		case close:
			if depth--; depth <= 0 {
				return i + 1
			}
		}
	}
	return 0
}

// nextField is skipSep without telling the separator: where the field
// after the one ending at pos starts.
func nextField(b []byte, pos int) int {
	if pos+1 < len(b) && b[pos] == ' ' && !isFieldSep(b[pos+1]) {
		return pos + 1 // one space, the common case, without the loop
	}
	start := pos
	pos = skipBlanks(b, pos)
	if pos < len(b) && (b[pos] == '|' || b[pos] == ',' && pos == start) {
		pos = skipBlanks(b, pos+1)
	}
	return pos
}

// isFieldSep says whether c separates header fields where a field may
// start: a blank or '|'.
func isFieldSep(c byte) bool { return c == ' ' || c == '\t' || c == '|' }

// skipSep skips the separator after a field and says what it was.
func skipSep(b []byte, pos int) (int, sepKind) {
	start := pos
	pos = skipBlanks(b, pos)
	kind := sepSpace
	if pos-start > 1 || (pos > start && b[start] == '\t') {
		kind = sepWide
	}
	if pos < len(b) && (b[pos] == '|' || (b[pos] == ',' && pos == start)) {
		if b[pos] == '|' {
			kind = sepPipe
		}
		pos = skipBlanks(b, pos+1)
	}
	if pos >= len(b) {
		return pos, sepEnd
	}
	return pos, kind
}

// gluedLevelEnd returns where a level word glued by ':' to the rest of its
// field ends, after the colon: "WARNING:root:disk full" gives the end of
// "WARNING:". It returns -1 when the field at pos..end does not start so.
// One- and two-letter levels do not count: "F:\data" is a drive.
func gluedLevelEnd(b []byte, pos, end int) int {
	limit := min(end-1, pos+maxLevelWord+1)
	for k := pos; k < limit; k++ {
		if b[k] == ':' {
			if _, _, ok := lookupLevelWord(b[pos:k]); ok && k-pos >= 3 {
				return k + 1
			}
			return -1
		}
		if !isLetter(b[k]) && !isDigit(b[k]) {
			return -1
		}
	}
	return -1
}

// nameColonEnd returns where a name glued by ':' to the rest of its field
// ends, after the colon: "app.db:pool" gives the end of "app.db:". It
// returns -1 when the field at pos..end does not start with a name and a
// colon followed by more.
func nameColonEnd(b []byte, pos, end int) int {
	for k := pos; k < end-1; k++ {
		c := b[k]
		switch {
		case c == ':':
			if k > pos {
				return k + 1
			}
			return -1
		case !isLetter(c) && !isDigit(c) && c != '.' && c != '_' && c != '-' && c != '$':
			return -1
		}
	}
	return -1
}
