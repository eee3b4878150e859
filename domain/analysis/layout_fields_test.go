package analysis

import (
	"math/rand/v2"
	"testing"
)

// wordEnd and groupEnd look at several bytes at a time; they must agree
// with the byte-by-byte definitions on any text.
func TestFieldEndsMatchByteScans(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab |\t[]()<>{}x9")
	pairs := [][2]byte{{'[', ']'}, {'(', ')'}, {'<', '>'}, {'{', '}'}}
	for range 20_000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		for pos := 0; pos <= len(b)+1; pos++ {
			if got, want := wordEnd(b, pos), wordEndByBytes(b, pos); got != want {
				t.Fatalf("wordEnd(%q, %d) = %d, want %d", b, pos, got, want)
			}
			for _, p := range pairs {
				if pos >= len(b) || b[pos] != p[0] {
					continue
				}
				if got, want := groupEnd(b, pos, p[0], p[1]), groupEndByBytes(b, pos, p[0], p[1]); got != want {
					t.Fatalf("groupEnd(%q, %d) = %d, want %d", b, pos, got, want)
				}
			}
		}
	}
}

func wordEndByBytes(b []byte, pos int) int {
	for pos < len(b) && b[pos] != ' ' && b[pos] != '\t' && b[pos] != '|' {
		pos++
	}
	return pos
}

func groupEndByBytes(b []byte, pos int, open, close byte) int {
	depth := 0
	for i := pos; i < min(len(b), pos+maxBracket); i++ {
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

// wordEnd, eight bytes a step, ends a field where a byte-by-byte reading
// does: at the first blank, tab or '|', past control bytes (which its
// steps stop at) and bytes next to the separators; and from one byte past
// the end, where a caller that stepped over its last byte asks.
func TestWordEndAsByteLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	alphabet := []byte("ab|0 \t:.\xff\x00\x20\x7c\x09\x89\xa0\xfc\x01\x08\x0a\x0d\x1f!\x7b\x7d\x80\xa1")
	for range 200_000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		for pos := 0; pos <= len(b)+1; pos++ {
			want := pos
			for want < len(b) && b[want] != ' ' && b[want] != '\t' && b[want] != '|' {
				want++
			}
			if got := wordEnd(b, pos); got != want {
				t.Fatalf("wordEnd(%q, %d) = %d, want %d", b, pos, got, want)
			}
		}
	}
}

// nextField's step over one space finds the field where the loop over
// blanks and separators does, on random bytes at every offset.
func TestNextFieldAsLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	alphabet := []byte("a1 \t|,:[]")
	for range 100_000 {
		b := make([]byte, rng.IntN(10))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		for pos := 0; pos <= len(b); pos++ {
			want := skipBlanks(b, pos)
			if want < len(b) && (b[want] == '|' || b[want] == ',' && want == pos) {
				want = skipBlanks(b, want+1)
			}
			if got := nextField(b, pos); got != want {
				t.Fatalf("nextField(%q, %d) = %d, want %d", b, pos, got, want)
			}
		}
	}
}

// The table of closing brackets answers as the comparisons do.
func TestCloserTable(t *testing.T) {
	for c := range 256 {
		if got, want := closer(byte(c)), closerOf(byte(c)); got != want {
			t.Errorf("closer(%q) = %q, want %q", byte(c), got, want)
		}
	}
}
