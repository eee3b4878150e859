package domain_test

import (
	"strings"
	"testing"

	"github.com/logproc/logproc/domain"
)

// An attempt whose read of the file ended early records its last chunk
// short; a retry that reads the same chunk to another line must not skip it
// as a repeat, which would lose the lines between the two ends while the
// job's bytes read still reached the file's end. The job fails, saying to
// upload the file again; a true repeat is still skipped.
func TestARepeatOfTheLastChunkMustEndWhereItDid(t *testing.T) {
	short := chunk(1)
	short.Lines.LastLine, short.Lines.Counts.Lines = 15, 5
	cases := []struct {
		name        string
		part        int
		first, then domain.Chunk
	}{
		{"whole", 0, short, chunk(1)},
		{"part", 1, partOf(1, short), partChunk(1, 1)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jobs, store, id := submittedOfSize(t, 300)
			j := load(t, jobs, id)
			a := partAttempt(c.part)
			steps := []func(*domain.Job) error{
				func(j *domain.Job) error { return j.Start(engine, at) },
			}
			if c.part > 0 {
				steps = append(steps,
					func(j *domain.Job) error { return j.Plan(engine, twoParts(150, 150), at) },
					func(j *domain.Job) error { return j.Start(a, at) })
			}
			steps = append(steps,
				func(j *domain.Job) error { return j.RecordChunk(a, partOf(c.part, chunk(0)), at) },
				func(j *domain.Job) error { return j.RecordChunk(a, c.first, at) },
				// The retry: chunk 0 again, the same, is skipped.
				func(j *domain.Job) error { return j.RecordChunk(a, partOf(c.part, chunk(0)), at) },
				// The first's last chunk again, the same, is skipped too.
				func(j *domain.Job) error { return j.RecordChunk(a, c.first, at) },
			)
			for i, step := range steps {
				if err := jobs.Update(ctx, j, step); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			before := history(t, store, id)
			err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.RecordChunk(a, c.then, at) })
			if !domain.Permanent(err) || !strings.Contains(err.Error(), "upload the file again") {
				t.Fatalf("the last chunk again, ending at line %d where it ended at %d: err = %v, want a permanent failure",
					c.then.Lines.LastLine, c.first.Lines.LastLine, err)
			}
			if got := history(t, store, id); got != before {
				t.Errorf("history after the refused chunk = %s, want %s", got, before)
			}
		})
	}
}

// partOf is the chunk c of the numbered part (0: of a job analysed whole).
func partOf(part int, c domain.Chunk) domain.Chunk {
	c.Lines.Part = part
	return c
}
