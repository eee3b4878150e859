package analysis

import (
	"context"
	"io"
	"strings"
	"testing"
)

// analyzeString runs Analyze on text and returns the chunks and summary.
func analyzeString(t *testing.T, text string, opts Options) ([]*Chunk, *Summary) {
	t.Helper()
	return analyzeReader(t, strings.NewReader(text), opts)
}

func analyzeReader(t *testing.T, r io.Reader, opts Options) ([]*Chunk, *Summary) {
	t.Helper()
	var chunks []*Chunk
	sum, err := Analyze(context.Background(), r, opts, func(c *Chunk) error {
		chunks = append(chunks, c)
		return nil
	})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	return chunks, sum
}

// joinLines joins lines with newlines and ends with one.
func joinLines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

// repeatReader yields n bytes cycling through pattern without holding them.
type repeatReader struct {
	pattern []byte
	n       int64
	off     int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	i := 0
	for i < len(p) && r.n > 0 {
		k := copy(p[i:], r.pattern[r.off:])
		k = int(min(int64(k), r.n))
		i += k
		r.n -= int64(k)
		r.off = (r.off + k) % len(r.pattern)
	}
	return i, nil
}
