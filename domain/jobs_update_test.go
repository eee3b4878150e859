package domain

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/logproc/logproc/events/memory"
)

// A command that records an event and then fails leaves the job as it was
// before the command: the event was never stored, so a job that kept it
// would count what its stream does not hold, and its next save would name
// a version the stream never had.
func TestACommandThatFailsLeavesTheJobAsItWas(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	jobs := NewJobs(memory.New())
	j := submittedJob(t, 10, at)
	id := j.ID
	if err := jobs.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	before := j.clone()
	a := Attempt{Number: 1, Worker: "w", Engine: "2.6.0"}
	failed := errors.New("decided against it")
	err := jobs.Update(ctx, j, func(j *Job) error {
		if err := j.Start(a, at); err != nil {
			return err
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatalf("update: %v, want the command's error", err)
	}
	if diff := cmp.Diff(before, j, cmp.AllowUnexported(Job{}, Part{})); diff != "" {
		t.Errorf("the job after a failed command differs from the job before it (-before +after):\n%s", diff)
	}
	if err := jobs.Update(ctx, j, func(j *Job) error { return j.Start(a, at) }); err != nil {
		t.Fatalf("the next command: %v", err)
	}
	stored, err := jobs.Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Version != j.Version || stored.Status != j.Status {
		t.Errorf("stored job at version %d (%s), the job in hand at %d (%s)", stored.Version, stored.Status, j.Version, j.Status)
	}
}
