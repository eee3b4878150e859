package analysis

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// An error group's sample is the text of its first entry. The line reader
// moves its buffer every 64 KiB, and an entry's first line is copied only
// when it must be: long lines and traces make the moves fall between an
// entry's lines and between an entry and its end, and chunks of one line
// make every error the first of its group.
func TestErrorSampleIsTheFirstEntry(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var lines []string
	var entryLines [][]string // by first line number - 1
	add := func(entry ...string) {
		for range entry {
			entryLines = append(entryLines, nil)
		}
		entryLines[len(lines)] = entry
		lines = append(lines, entry...)
	}
	for i := range 4000 {
		at := fmt.Sprintf("2024-01-01 10:%02d:%02d", i/60%60, i%60)
		switch rng.IntN(4) {
		case 0:
			add(fmt.Sprintf("%s ERROR app: stage %s failed after %d ms", at, strings.Repeat("x", rng.IntN(3000)), rng.IntN(100)))
		case 1:
			add(fmt.Sprintf("%s ERROR app: request failed", at),
				fmt.Sprintf("java.lang.IllegalStateException%d: %s", rng.IntN(20), strings.Repeat("y", rng.IntN(1500))),
				"\tat com.acme.A.run(A.java:1)", "\tat com.acme.B.run(B.java:2)")
		default:
			add(fmt.Sprintf("%s INFO app: %s", at, strings.Repeat("z", rng.IntN(2500))))
		}
	}
	chunks, _ := analyzeString(t, joinLines(lines...), Options{ChunkLines: 1})
	groups := 0
	for _, c := range chunks {
		for _, g := range c.ErrorGroups {
			entry := entryLines[g.FirstLine-1]
			want := strings.Join(entry, "\n")
			want = want[:min(len(want), maxSample)]
			if g.Sample != want {
				t.Fatalf("chunk %d, group %s: sample of %d bytes is not entry %d (%d bytes)", c.Index, g.ID, len(g.Sample), g.FirstLine, len(want))
			}
			groups++
		}
	}
	if groups < 1000 {
		t.Fatalf("%d groups checked; the file should make over a thousand", groups)
	}
}
