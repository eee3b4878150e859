package domain

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
)

// Writers that fold jobs briefly decide as writers that fold them whole:
// two parts recorded by two brief writers, each catching up on the other's
// chunks when the stream moved under it, end with the job a whole fold of
// the stream has, but for the chunks' timeline, keywords, components and
// addresses.
func TestBriefJobsDecideAsWholeFoldsDo(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	store := memory.New()
	brief := NewBriefJobs(store)
	j := submittedJob(t, 4000, at)
	id := j.ID
	if err := brief.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	chunk := func(part, n int) Chunk {
		minute := at.Add(time.Duration(part*10+n) * time.Minute)
		first := int64(part*1000 + n*10 + 1)
		return Chunk{
			Lines: events.LinesParsed{Part: part, Chunk: n, FirstLine: first, LastLine: first + 9,
				BytesRead: int64(n+1) * 1000, MinTime: &minute, MaxTime: &minute,
				Counts:   events.Counts{Lines: 10, Entries: 10, Bytes: 1000, Levels: map[string]int64{"INFO": 9, "ERROR": 1}},
				Keywords: map[string]int64{"failed": 1}, Components: map[string]int64{"db": 2}, IPs: map[string]int64{"10.0.0.1": 3},
				Timeline: []events.MinuteCount{{Minute: minute, Count: 10, Levels: map[string]int64{"INFO": 9, "ERROR": 1}}}},
			Errors: []events.ErrorGroup{{ID: fmt.Sprintf("E%d", part), Template: "boom <*>", Level: "ERROR", Count: 1,
				FirstLine: first + 4, LastLine: first + 4, FirstTime: &minute, LastTime: &minute}},
		}
	}
	whole := Attempt{Number: 1, Worker: "w", Engine: "2.6.0"}
	plan := []events.PartPlan{{Part: 1, Length: 2000, FirstLine: 1}, {Part: 2, Offset: 2000, Length: 2000, FirstLine: 1001}}
	if err := brief.Update(ctx, j, func(j *Job) error {
		if err := j.Start(whole, at); err != nil {
			return err
		}
		return j.Plan(whole, plan, at)
	}); err != nil {
		t.Fatal(err)
	}
	// Each part's writer loads the job now, so each of its appends after
	// the other's first finds the stream moved and folds what it missed.
	writers := make([]*Job, 3)
	for p := 1; p <= 2; p++ {
		var err error
		if writers[p], err = brief.Load(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	part := func(p int) Attempt { a := whole; a.Part = p; return a }
	for _, step := range []struct {
		part    int
		command func(*Job) error
	}{
		{1, func(j *Job) error { return j.Start(part(1), at) }},
		{2, func(j *Job) error { return j.Start(part(2), at) }},
		{1, func(j *Job) error { return j.RecordChunk(part(1), chunk(1, 0), at) }},
		{2, func(j *Job) error { return j.RecordChunk(part(2), chunk(2, 0), at) }},
		{2, func(j *Job) error { return j.RecordChunk(part(2), chunk(2, 1), at) }},
		{1, func(j *Job) error { return j.RecordChunk(part(1), chunk(1, 1), at) }},
		{1, func(j *Job) error { return j.CompletePart(part(1), 2, PartResult{Lines: 20}, at) }},
		{2, func(j *Job) error { return j.CompletePart(part(2), 2, PartResult{Lines: 20}, at) }},
		{2, func(j *Job) error {
			joined := events.GroupsJoined{Groups: []events.MergedGroup{{ID: "E1", Template: "boom <*>", Joined: []events.GroupCount{{ID: "E2"}}}}}
			if err := j.JoinGroups(part(2), joined, at); err != nil {
				return err
			}
			return j.Complete(part(2), j.Chunks, time.Second, at)
		}},
	} {
		if err := brief.Update(ctx, writers[step.part], step.command); err != nil {
			t.Fatal(err)
		}
	}
	full, err := NewJobs(store).Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if full.Status != StatusCompleted || full.Lines != 40 || full.Groups["E1"].Count != 4 || len(full.Timeline) != 4 {
		t.Fatalf("whole fold: status %s, %d lines, groups %v, %d minutes", full.Status, full.Lines, full.Groups, len(full.Timeline))
	}
	want := full.clone()
	want.Keywords, want.Components, want.TopIPs, want.Timeline = nil, nil, nil, map[int64]MinuteCounts{}
	want.dirtyMinutes, want.brief = nil, true
	for _, got := range []*Job{writers[2], mustLoad(t, brief, id)} {
		got.dirtyGroups, got.removedGroups, want.dirtyGroups, want.removedGroups = nil, nil, nil, nil
		if diff := cmp.Diff(want, got, cmp.AllowUnexported(Job{}, Part{})); diff != "" {
			t.Errorf("brief job (-whole fold without views' fields +brief):\n%s", diff)
		}
	}
}

func mustLoad(t *testing.T, jobs *Jobs, id uuid.UUID) *Job {
	t.Helper()
	j, err := jobs.Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}
