package domain

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
)

// A clone shares nothing that commands and folds change in place: a job's
// clone taken mid-file and run to its end leaves the job as a fresh fold
// of the stream up to that point has it.
func TestACloneSharesNothingAFoldChanges(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	a := Attempt{Number: 1, Worker: "w", Engine: "2.3.0"}
	store := memory.New()
	jobs := NewJobs(store)
	j := submittedJob(t, 300, at)
	id := j.ID
	chunk := func(part, n int) Chunk {
		minute := at.Add(time.Duration(n) * time.Minute)
		return Chunk{
			Lines: events.LinesParsed{Part: part, Chunk: n, FirstLine: int64(part*1000 + n*10 + 1), LastLine: int64(part*1000 + n*10 + 10),
				BytesRead: int64(n+1) * 100, MinTime: &minute, MaxTime: &minute,
				Counts:   events.Counts{Lines: 10, Entries: 10, Bytes: 100, Levels: map[string]int64{"INFO": 9, "ERROR": 1}},
				Keywords: map[string]int64{"failed": 1}, Components: map[string]int64{"db": 2}, IPs: map[string]int64{"10.0.0.1": 3},
				Timeline: []events.MinuteCount{{Minute: minute, Count: 10, Levels: map[string]int64{"INFO": 9, "ERROR": 1}}}},
			Errors: []events.ErrorGroup{{ID: "E1", Template: fmt.Sprintf("boom %d", n), Level: "ERROR", Count: 1,
				FirstLine: int64(part*1000 + n*10 + 5), LastLine: int64(part*1000 + n*10 + 5), FirstTime: &minute, LastTime: &minute}},
		}
	}
	// Each chunk reads 100 bytes: part 1 is read in two, part 2 in one.
	plan := []events.PartPlan{{Part: 1, Length: 200, FirstLine: 1}, {Part: 2, Offset: 200, Length: 100, FirstLine: 1001}}
	steps := []func(*Job) error{
		func(j *Job) error { return j.Start(a, at) },
		func(j *Job) error { return j.Plan(a, plan, at) },
		func(j *Job) error { return j.Start(Attempt{Number: 1, Worker: "w", Engine: "2.3.0", Part: 1}, at) },
		func(j *Job) error {
			return j.RecordChunk(Attempt{Number: 1, Worker: "w", Engine: "2.3.0", Part: 1}, chunk(1, 0), at)
		},
	}
	rest := []func(*Job) error{
		func(j *Job) error { return j.Start(Attempt{Number: 1, Worker: "w", Engine: "2.3.0", Part: 2}, at) },
		func(j *Job) error {
			return j.RecordChunk(Attempt{Number: 1, Worker: "w", Engine: "2.3.0", Part: 2}, chunk(2, 0), at)
		},
		func(j *Job) error {
			return j.CompletePart(Attempt{Number: 1, Worker: "w", Engine: "2.3.0", Part: 2}, 1, PartResult{Lines: 10}, at)
		},
		func(j *Job) error {
			return j.RecordChunk(Attempt{Number: 1, Worker: "w", Engine: "2.3.0", Part: 1}, chunk(1, 1), at)
		},
	}
	for _, step := range steps {
		if err := step(j); err != nil {
			t.Fatal(err)
		}
	}
	if err := jobs.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	c := j.clone()
	for _, step := range rest {
		if err := step(c); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err := jobs.Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fresh, j, cmp.AllowUnexported(Job{}, Part{})); diff != "" {
		t.Errorf("the job after its clone ran on (-fold +job):\n%s", diff)
	}
	if c.Lines != 30 || len(c.Timeline) != 2 || c.Groups["E1"].Count != 3 || !c.Parts[1].Done {
		t.Errorf("the clone ran to %d lines, %d minutes, %d errors, parts %+v", c.Lines, len(c.Timeline), c.Groups["E1"].Count, c.Parts)
	}
	// Both parts' first chunks fall in the first minute: the clone added
	// part 2's levels to the levels it copied from the job.
	first := MinuteCounts{Count: 20, Levels: map[string]int64{"INFO": 18, "ERROR": 2}}
	if diff := cmp.Diff(first, c.Timeline[at.Unix()]); diff != "" {
		t.Errorf("the clone's first minute (-want +got):\n%s", diff)
	}
}
