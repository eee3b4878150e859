package domain_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
)

func TestJobOfBlobReadsTheKeysBlobKeyMakes(t *testing.T) {
	id := uuid.New()
	if got, ok := domain.JobOfBlob(domain.BlobKey(id, time.Now())); !ok || got != id {
		t.Errorf("JobOfBlob(BlobKey(%s)) = %s, %v", id, got, ok)
	}
	for _, key := range []string{"jobs/2026/11/28", "jobs/not/a/job", "other/2026/11/28/" + id.String(), id.String(),
		"jobs/2026/11/28/x/" + id.String()} {
		if _, ok := domain.JobOfBlob(key); ok {
			t.Errorf("JobOfBlob(%q) found a job", key)
		}
	}
}

func TestOnlyOldBlobsNoJobOwnsAreOrphans(t *testing.T) {
	now := time.Now()
	old, young := now.Add(-2*domain.OrphanMinAge), now.Add(-domain.OrphanMinAge/2)
	job := &domain.Job{BlobKey: "jobs/k"}
	cases := []struct {
		owned    bool
		modified time.Time
		want     bool
	}{{domain.OwnsBlob(job, "jobs/k"), old, false}, {domain.OwnsBlob(job, "jobs/other"), old, true},
		{domain.OwnsBlob(nil, "jobs/k"), old, true}, {domain.OwnsBlob(nil, "jobs/k"), young, false},
		{domain.OwnsBlob(nil, "jobs/k"), time.Time{}, false}}
	for i, c := range cases {
		if got := domain.Orphaned(c.owned, c.modified, now, domain.OrphanMinAge); got != c.want {
			t.Errorf("case %d: Orphaned = %v, want %v", i, got, c.want)
		}
	}
}
