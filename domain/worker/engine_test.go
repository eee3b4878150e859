package worker_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
)

// Each chunk's timeline counts its minutes per level under the names its
// level counts use, LevelNone's included: a minute's levels add up to its
// count, and the minutes' levels to the chunk's.
func TestChunkTimelineCountsLevelsAsTheChunkDoes(t *testing.T) {
	content := append(sampleLog(), "2026-11-27 08:40:00 worker-1 a line without a level\n"...)
	var chunks int
	var none int64
	err := worker.NewEngine(nil).Analyze(context.Background(), bytes.NewReader(content), domain.AnalysisSettings{ChunkLines: 300},
		func(c domain.Chunk) error {
			chunks++
			none += c.Lines.Levels[events.LevelNone]
			perMinute := map[string]int64{}
			for _, m := range c.Lines.Timeline {
				var sum int64
				for l, n := range m.Levels {
					perMinute[l] += n
					sum += n
				}
				if sum != m.Count {
					t.Errorf("chunk %d, minute %s: levels %v add up to %d, count %d", c.Lines.Chunk, m.Minute, m.Levels, sum, m.Count)
				}
			}
			if diff := cmp.Diff(c.Lines.Levels, perMinute); diff != "" {
				t.Errorf("chunk %d: levels of the chunk (-) and of its minutes (+):\n%s", c.Lines.Chunk, diff)
			}
			return nil
		})
	if err != nil || chunks < 2 || none != 1 {
		t.Fatalf("analysed %d chunks, %d entries without a level: %v; want several chunks and one", chunks, none, err)
	}
}
