package analysis

import (
	"bytes"
	"unicode/utf8"
)

// A minimal JSON object scanner: it walks the top-level keys of one line
// without decoding values it does not need, so JSON logs cost no
// allocation per line.

// scanJSON offers every top-level key and value of the object in b to rv.
// It returns false when b is not a JSON object.
func scanJSON(b []byte, rv *roleValues) bool {
	i := skipJSONSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	for i = skipJSONSpace(b, i+1); i < len(b) && b[i] != '}'; {
		next, ok := scanJSONMember(b, i, rv)
		if !ok {
			return false
		}
		i = skipJSONSpace(b, next)
		if i < len(b) && b[i] == ',' {
			i = skipJSONSpace(b, i+1)
		}
	}
	return i < len(b)
}

// scanJSONMember reads `"key": value` at i and returns where it ends.
func scanJSONMember(b []byte, i int, rv *roleValues) (int, bool) {
	if b[i] != '"' {
		return i, false
	}
	kEnd := jsonStringEnd(b, i)
	if kEnd < 0 {
		return i, false
	}
	j := skipJSONSpace(b, kEnd)
	if j >= len(b) || b[j] != ':' {
		return i, false
	}
	vStart := skipJSONSpace(b, j+1)
	vEnd := jsonValueEnd(b, vStart)
	if vEnd <= vStart {
		return i, false
	}
	val, quoted := b[vStart:vEnd], b[vStart] == '"'
	if quoted {
		val = val[1 : len(val)-1]
	}
	rv.offer(b[i+1:kEnd-1], val, quoted)
	return vEnd, true
}

// jsonStringEnd returns the index after the string starting at i, or -1.
// It jumps from quote to quote; a quote preceded by an odd number of
// backslashes is escaped.
func jsonStringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		q := j + k
		slashes := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			slashes++
		}
		if slashes%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
	return -1
}

// jsonValueEnd returns the index after the value starting at i, or i when
// there is none.
func jsonValueEnd(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		if end := jsonStringEnd(b, i); end > 0 {
			return end
		}
		return i
	case '{', '[':
		return jsonNestedEnd(b, i)
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && !isJSONSpace(b[j]) {
		j++
	}
	return j
}

// jsonNestedEnd skips an object or array, strings included.
func jsonNestedEnd(b []byte, i int) int {
	depth := 0
	for j := i; j < len(b); j++ {
		switch b[j] {
		case '"':
			end := jsonStringEnd(b, j)
			if end < 0 {
				return i
			}
			j = end - 1
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return i
}

func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && isJSONSpace(b[i]) {
		i++
	}
	return i
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// scanLogfmt offers every key=value pair of a logfmt line to rv. It
// returns false when the line has fewer than two pairs.
func scanLogfmt(b []byte, rv *roleValues) bool {
	pairs := 0
	for i := skipBlanks(b, 0); i < len(b); i = skipBlanks(b, i) {
		keyStart := i
		for i < len(b) && b[i] > ' ' && b[i] != '=' && b[i] != '"' {
			i++
		}
		if i >= len(b) || b[i] != '=' || i == keyStart {
			i = wordEnd(b, i+1)
			continue
		}
		key := b[keyStart:i]
		val, quoted, end := logfmtValue(b, i+1)
		rv.offer(key, val, quoted)
		pairs++
		i = end
	}
	return pairs >= 2
}

// logfmtValue reads a bare or quoted value at i.
func logfmtValue(b []byte, i int) (val []byte, quoted bool, end int) {
	if i < len(b) && b[i] == '"' {
		if end := jsonStringEnd(b, i); end > 0 {
			return b[i+1 : end-1], true, end
		}
	}
	end = i
	for end < len(b) && b[end] != ' ' && b[end] != '\t' {
		end++
	}
	return b[i:end], false, end
}

// hasEscape says whether a string body needs unescaping.
func hasEscape(v []byte) bool { return bytes.IndexByte(v, '\\') >= 0 }

// unescape appends the JSON or logfmt string body v to dst with its
// escapes resolved.
func unescape(dst, v []byte) []byte {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '\\' || i+1 == len(v) {
			dst = append(dst, c)
			continue
		}
		i++
		switch v[i] {
		case 'n':
			dst = append(dst, '\n')
		case 't':
			dst = append(dst, '\t')
		case 'r':
			dst = append(dst, '\r')
		case 'u':
			dst, i = appendUnicodeEscape(dst, v, i)
		default: // \" \\ \/ and anything unknown: keep the character
			dst = append(dst, v[i])
		}
	}
	return dst
}

// appendUnicodeEscape resolves \uXXXX whose 'u' is at v[i].
func appendUnicodeEscape(dst, v []byte, i int) ([]byte, int) {
	if i+5 > len(v) {
		return append(dst, 'u'), i
	}
	r := rune(0)
	for _, c := range v[i+1 : i+5] {
		d := hexValue(c)
		if d < 0 {
			return append(dst, 'u'), i
		}
		r = r<<4 | rune(d)
	}
	return utf8.AppendRune(dst, r), i + 4
}
