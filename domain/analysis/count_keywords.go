package analysis

import (
	"math/bits"
	"strings"
)

// keywordSet finds words in text, ignoring ASCII case, as whole words: a
// match must not sit inside a longer word ("error" is not found in
// "liberror-perl", "errors" or "error_count"). Letters, digits, '_' and '-'
// make up words, so a hyphenated or snake_case token is one word
// ("non-fatal" does not hold "fatal"), but camelCase parts are words of
// their own ("NullPointerException" holds "exception"). A dot that goes on
// into a word, as in a file name, continues the match's word ("error.log",
// "ABORT.7.gz"), while a dot before it does not ("java.lang.Exception").
//
// It is searched for on every line, so it uses the Wu-Manber scheme: a
// table keyed by pairs of bytes says how far the window may jump, and only
// windows ending in a pair some word has near its start are checked. On log
// text it looks at about one position in four. Pairs are of byte codes
// (pairCode), so that the table stays small enough for the first-level
// cache; bytes that share a code only make a jump shorter or a check
// needless, never a word missed.
type keywordSet struct {
	words [][]byte          // lower-cased
	m     int               // the shortest word's length: the window
	shift []uint8           // by pair of byte codes
	skip  [256]uint8        // by byte: the whole window when no word holds its code, else 0
	ends  map[uint16]uint64 // pair ending a window -> words that may start it
	blank bool              // a word holds a blank: it cannot be found token by token
}

// byteCodes gives every byte a 6-bit code: one per letter, whatever its
// case, per digit and per common punctuation, and shared ones for the rest.
var byteCodes = func() (t [256]uint8) {
	for i := range t {
		c := foldTable[i]
		switch {
		case 'a' <= c && c <= 'z':
			t[i] = 1 + c - 'a'
		case isDigit(c):
			t[i] = 27 + c - '0'
		case c == '-', c == '_', c == '.', c == ' ', c == '\t':
			t[i] = 37 + uint8(strings.IndexByte("-_. \t", c))
		default:
			t[i] = 42 + c%22
		}
	}
	return t
}()

// pairCode keys the tables by the codes of two bytes.
func pairCode(a, b byte) uint16 { return uint16(byteCodes[a])<<6 | uint16(byteCodes[b]) }

// maxKeywords is how many words a set may hold (one bit each).
const maxKeywords = 64

func newKeywordSet(words []string) *keywordSet {
	k := &keywordSet{ends: make(map[uint16]uint64)}
	for _, w := range words {
		w = strings.ToLower(strings.TrimSpace(w))
		if w != "" && len(k.words) < maxKeywords {
			k.words = append(k.words, []byte(w))
			k.blank = k.blank || strings.ContainsAny(w, " \t")
		}
	}
	k.m = 1 << 30
	for _, w := range k.words {
		k.m = min(k.m, len(w))
	}
	k.buildShift()
	return k
}

// buildShift fills the jump table for windows of the shortest length.
func (k *keywordSet) buildShift() {
	if len(k.words) == 0 || k.m < 2 {
		k.m = 0
		return
	}
	k.shift = make([]uint8, 1<<12)
	var inWords [64]bool // byte codes some word holds
	for _, w := range k.words {
		for _, c := range w {
			inWords[byteCodes[c]] = true
		}
	}
	for i := range k.shift {
		// A window ending in a byte no word holds lies before every match:
		// the next may end a whole window further.
		k.shift[i] = uint8(min(k.m-1, 255))
		if !inWords[i&63] {
			k.shift[i] = uint8(min(k.m, 255))
		}
	}
	for c := range k.skip {
		// what shift holds for every pair that ends in c, read with one
		// look-up (digits, mostly): the pairs shortened below end in bytes
		// some word holds
		if !inWords[byteCodes[c]] {
			k.skip[c] = uint8(min(k.m, 255))
		}
	}
	for wi, w := range k.words {
		for j := 0; j+1 < k.m; j++ {
			pair := pairCode(w[j], w[j+1])
			k.shift[pair] = min(k.shift[pair], uint8(min(k.m-2-j, 255)))
		}
		k.ends[pairCode(w[k.m-2], w[k.m-1])] |= 1 << wi
	}
}

// foldTable lower-cases ASCII letters.
var foldTable = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] = byte(i) + 'a' - 'A'
		}
	}
	return t
}()

// find returns a bit per word present in b.
func (k *keywordSet) find(b []byte) uint64 {
	if k.m == 0 {
		return k.findNaive(b)
	}
	var found uint64
	for end := k.m - 1; end < len(b); {
		if s := k.skip[b[end]]; s > 0 {
			end += int(s)
			continue
		}
		pair := pairCode(b[end-1], b[end])
		if s := k.shift[pair]; s > 0 {
			end += int(s)
			continue
		}
		start := end - k.m + 1
		for cand := k.ends[pair] &^ found; cand != 0; cand &= cand - 1 {
			wi := bitIndex(cand & -cand)
			if w := k.words[wi]; equalFoldAt(b, start, w) && wholeWordAt(b, start, start+len(w), w) {
				found |= 1 << wi
			}
		}
		end++
	}
	return found
}

// findNaive serves sets holding a one-byte word.
func (k *keywordSet) findNaive(b []byte) uint64 {
	var found uint64
	for i := range b {
		for wi, w := range k.words {
			if found&(1<<wi) == 0 && equalFoldAt(b, i, w) && wholeWordAt(b, i, i+len(w), w) {
				found |= 1 << wi
			}
		}
	}
	return found
}

// equalFoldAt says whether b[i:] starts with the lower-case word w,
// ignoring ASCII case.
func equalFoldAt(b []byte, i int, w []byte) bool {
	if len(b)-i < len(w) {
		return false
	}
	for j, c := range w {
		if foldTable[b[i+j]] != c {
			return false
		}
	}
	return true
}

// wholeWordAt says whether the match of w at b[s:e] is a whole word: the
// word bytes of w that open and close it are not continued by the text
// around, except across a camelCase boundary ("IOException", "errorCode"),
// nor followed by a dot and more of a name ("error.log").
func wholeWordAt(b []byte, s, e int, w []byte) bool {
	if isWordByte(w[0]) && s > 0 && isWordByte(b[s-1]) && !camelBoundary(b, s) {
		return false
	}
	if !isWordByte(w[len(w)-1]) || e >= len(b) {
		return true
	}
	if b[e] == '.' {
		return e+1 >= len(b) || !isWordByte(b[e+1])
	}
	return !isWordByte(b[e]) || camelBoundary(b, e)
}

// isWordByte marks the bytes words are made of.
func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c == '-' }

// camelCase boundaries: a capital after a small letter ("nullPointer"), or a
// capital that starts a capitalised word after an acronym ("IOException").
func camelBoundary(b []byte, i int) bool {
	if i <= 0 || i >= len(b) || !isUpper(b[i]) {
		return false
	}
	return isLower(b[i-1]) || isUpper(b[i-1]) && i+1 < len(b) && isLower(b[i+1])
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isLower(c byte) bool { return 'a' <= c && c <= 'z' }

// bitIndex returns the position of the lowest set bit.
func bitIndex(bit uint64) int { return bits.TrailingZeros64(bit) }

// errorWords flag error-like entries in files that carry no levels. Words
// match whole, so their usual inflections are listed.
var errorWords = newKeywordSet([]string{"error", "errors", "exception", "fail", "fails", "failed", "failure",
	"failing", "fatal", "panic", "critical", "denied", "refused", "timeout", "timed out", "abort", "aborted",
	"aborting", "unable to", "cannot", "could not"})
