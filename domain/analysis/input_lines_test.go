package analysis

import (
	"errors"
	"io"
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
