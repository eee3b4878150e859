package domain_test

import (
	"testing"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// partChunk is chunk n of the numbered part, 50 bytes from the part's start.
func partChunk(part, n int) domain.Chunk { return partOf(part, chunk(n)) }

// partAttempt is the first attempt at the numbered part.
func partAttempt(part int) domain.Attempt {
	a := engine
	a.Part = part
	return a
}

// twoParts is a plan of a file cut into parts of the given lengths.
func twoParts(first, second int64) []events.PartPlan {
	return []events.PartPlan{{Part: 1, Length: first, FirstLine: 1}, {Part: 2, Offset: first, Length: second, FirstLine: 11}}
}

// Each part is read to its own end, so parts that leave some of the file
// out, as a plan made of a short read would, are never taken.
func TestAPlanMustCutTheWholeFile(t *testing.T) {
	jobs, store, id := submittedOfSize(t, 100)
	j := load(t, jobs, id)
	err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.Plan(engine, twoParts(50, 40), at) })
	if domain.ErrorCode(err) != domain.EINTERNAL || domain.Permanent(err) {
		t.Fatalf("a plan of 90 bytes of a file of 100: err = %v, want EINTERNAL, which is retried", err)
	}
	if got := history(t, store, id); got != "JobSubmitted" {
		t.Errorf("history after a refused plan = %s", got)
	}
	if err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.Plan(engine, twoParts(50, 50), at) }); err != nil {
		t.Fatalf("a plan of the whole file: %v", err)
	}
}

// A part completes only when its chunks read it to its last byte and no
// further; the job's owner learns which part was not.
func TestACompletedPartMustHaveReadTheWholePart(t *testing.T) {
	cases := []struct {
		name   string
		plan   []events.PartPlan
		reason string
	}{
		{"short of the part's end", twoParts(100, 50),
			"part 1 of 2: gave up after 6 attempts: the analysis did not read the whole part: it read 50 bytes where the part holds 100"},
		{"past the part's end", twoParts(40, 50),
			"part 1 of 2: gave up after 6 attempts: the analysis did not read the whole part: it read 50 bytes where the part holds 40"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jobs, _, id := submittedOfSize(t, c.plan[1].Offset+c.plan[1].Length)
			j := load(t, jobs, id)
			steps := []func(*domain.Job) error{
				func(j *domain.Job) error { return j.Plan(engine, c.plan, at) },
				func(j *domain.Job) error { return j.RecordChunk(partAttempt(1), partChunk(1, 0), at) },
				func(j *domain.Job) error { return j.RecordChunk(partAttempt(2), partChunk(2, 0), at) },
				func(j *domain.Job) error { return j.CompletePart(partAttempt(2), 1, domain.PartResult{Lines: 10}, at) },
			}
			for i, step := range steps {
				if err := jobs.Update(ctx, j, step); err != nil {
					t.Fatalf("step %d: %v", i, err)
				}
			}
			err := jobs.Update(ctx, j, func(j *domain.Job) error {
				return j.CompletePart(partAttempt(1), 1, domain.PartResult{Lines: 10}, at)
			})
			if domain.ErrorCode(err) != domain.EINTERNAL || domain.Permanent(err) {
				t.Fatalf("completion of part 1: err = %v, want EINTERNAL, which is retried", err)
			}
			last := partAttempt(1)
			last.Number = domain.MaxAttempts
			if err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.Fail(last, err, true, at) }); err != nil {
				t.Fatal(err)
			}
			if got := load(t, jobs, id); got.FailureReason != c.reason || got.Parts[0].Done {
				t.Errorf("failure = %q, part 1 done %v; want %q", got.FailureReason, got.Parts[0].Done, c.reason)
			}
		})
	}
}
