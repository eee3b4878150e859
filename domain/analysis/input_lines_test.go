package analysis

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

func readAllLines(t *testing.T, r io.Reader, max int) []physLine {
	t.Helper()
	lr := newLineReader(r, max)
	var out []physLine
	for {
		pl, err := lr.next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		pl.text = append([]byte(nil), pl.text...)
		out = append(out, pl)
	}
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 300_000)
	tests := []struct {
		name, in  string
		max       int
		want      []string
		truncated []bool
	}{
		{"plain", "a\nbb\n", 10, []string{"a", "bb"}, []bool{false, false}},
		{"crlf and no final newline", "a\r\nbb\r\ncc", 10, []string{"a", "bb", "cc"}, []bool{false, false, false}},
		{"empty lines", "\n\na\n", 10, []string{"", "", "a"}, []bool{false, false, false}},
		{"truncated", "abcdefghij\nxy\n", 4, []string{"abcd", "xy"}, []bool{true, false}},
		{"truncated at end", "abcdefghij", 4, []string{"abcd"}, []bool{true}},
		{"long across reads", long + "\nz\n", 1 << 20, []string{long, "z"}, []bool{false, false}},
		{"long truncated across reads", long + long + "\nz\n", 100_000, []string{long[:100_000], "z"}, []bool{true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAllLines(t, iotest.HalfReader(strings.NewReader(tt.in)), tt.max)
			if len(got) != len(tt.want) {
				t.Fatalf("%d lines, want %d", len(got), len(tt.want))
			}
			var size int64
			for i, pl := range got {
				if string(pl.text) != tt.want[i] || pl.truncated != tt.truncated[i] {
					t.Errorf("line %d: %.20q truncated %v, want %.20q %v", i, pl.text, pl.truncated, tt.want[i], tt.truncated[i])
				}
				size += pl.size
			}
			if size != int64(len(tt.in)) {
				t.Errorf("sizes add to %d, want %d", size, len(tt.in))
			}
		})
	}
}

// skip passes exactly the lines next returns that start before n bytes,
// whatever the line lengths (empty, CRLF, longer than max, across reads,
// unterminated at the end) and wherever n falls.
func TestLineReaderSkipPassesWhatNextWould(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for round := range 300 {
		var b strings.Builder
		for range rng.IntN(60) {
			switch k := rng.IntN(10); {
			case k == 0:
				b.WriteString("\n")
			case k == 1:
				b.WriteString(strings.Repeat("y", 70_000+rng.IntN(90_000)) + "\n")
			case k == 2:
				b.WriteString("crlf line\r\n")
			default:
				b.WriteString(strings.Repeat("x", rng.IntN(200)) + "\n")
			}
		}
		if rng.IntN(2) == 0 {
			b.WriteString("unterminated")
		}
		in := b.String()
		// Where next puts each line start.
		var starts []int64
		var at int64
		for _, pl := range readAllLines(t, strings.NewReader(in), 100_000) {
			starts = append(starts, at)
			at += pl.size
		}
		// Anywhere, or at, just before or just after a line start.
		n := rng.Int64N(int64(len(in)) + 2)
		if len(starts) > 0 && rng.IntN(2) == 0 {
			n = max(0, starts[rng.IntN(len(starts))]+rng.Int64N(3)-1)
		}
		var wantLines, wantSize int64
		for i, s := range starts {
			if s < n {
				wantLines = int64(i) + 1
				wantSize = at
				if i+1 < len(starts) {
					wantSize = starts[i+1]
				}
			}
		}
		lr := newLineReader(iotest.HalfReader(strings.NewReader(in)), 100_000)
		lines, size := lr.skip(n)
		if lines != wantLines || size != wantSize {
			t.Fatalf("round %d: skip(%d) over %d bytes passed %d lines, %d bytes; want %d, %d",
				round, n, len(in), lines, size, wantLines, wantSize)
		}
		rest := 0
		for {
			_, err := lr.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			rest++
		}
		if int64(rest) != int64(len(starts))-lines {
			t.Fatalf("round %d: %d lines after skip(%d), want %d", round, rest, n, int64(len(starts))-lines)
		}
	}
}
