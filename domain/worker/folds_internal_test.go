package worker

import (
	"testing"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
)

// A worker keeps the latest fold of each of its last keptFolds jobs, and
// hands each to one task.
func TestRecentFoldsKeepTheLatestOfTheLastJobs(t *testing.T) {
	var f recentFolds
	fold := func(id uuid.UUID, version int64) *domain.Job {
		j := domain.NewJob(id)
		j.Version = version
		return j
	}
	first := uuid.New()
	f.keep(fold(first, 5))
	f.keep(fold(first, 3)) // an older fold of the same job, from a slower twin
	if j := f.take(first); j == nil || j.Version != 5 {
		t.Fatalf("took %v, want the fold at version 5", j)
	}
	if j := f.take(first); j != nil {
		t.Fatalf("took the fold twice: %v", j)
	}
	f.keep(fold(first, 7))
	f.keep(fold(first, 9))
	if j := f.take(first); j == nil || j.Version != 9 {
		t.Fatalf("took %v, want the later fold at version 9", j)
	}
	ids := make([]uuid.UUID, keptFolds+1)
	for i := range ids {
		ids[i] = uuid.New()
		f.keep(fold(ids[i], 1))
	}
	if n := len(f.jobs); n != keptFolds {
		t.Errorf("kept %d folds, want %d", n, keptFolds)
	}
	if j := f.take(ids[0]); j != nil {
		t.Errorf("the oldest job's fold is still kept")
	}
	if j := f.take(ids[keptFolds]); j == nil {
		t.Errorf("the newest job's fold is gone")
	}
}
