package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
)

// AllOwners is the owner key of the totals over every owner's jobs.
const AllOwners = ""

// Totals aggregates a set of jobs: one owner's, or everyone's.
type Totals struct {
	Owner     string
	Jobs      map[JobStatus]int64
	JobsTotal int64
	// UploadedBytes counts the bytes of every uploaded file as stored
	// (compressed or not), failed jobs included.
	UploadedBytes int64
	// AnalysedBytes counts the text the analysis read: decompressed,
	// summed over the chunks recorded.
	AnalysedBytes int64
	Lines         int64
	Entries       int64
	Levels        map[string]int64
	Errors        int64
}

// NewTotals returns empty totals for an owner.
func NewTotals(owner string) *Totals {
	t := &Totals{Owner: owner, Jobs: map[JobStatus]int64{}, Levels: map[string]int64{}}
	for _, s := range Statuses {
		t.Jobs[s] = 0
	}
	return t
}

// ErrorRate is the share of entries that belong to an error group.
func (t *Totals) ErrorRate() float64 {
	if t.Entries == 0 {
		return 0
	}
	return float64(t.Errors) / float64(t.Entries)
}

// Apply adds one job event. from is the job's status before the event.
func (t *Totals) Apply(from JobStatus, p events.Payload) {
	if t.Jobs == nil {
		t.Jobs = map[JobStatus]int64{}
	}
	switch e := p.(type) {
	case *events.JobSubmitted:
		t.JobsTotal++
		t.UploadedBytes += e.Size
	case *events.UploadCompleted:
		t.UploadedBytes += e.Size
	case *events.LinesParsed:
		t.Lines += e.Lines
		t.AnalysedBytes += e.Bytes
		t.Entries += e.Entries
		t.Levels = addCounts(t.Levels, e.Levels, 0)
	case *events.ErrorsDetected:
		for _, g := range e.Groups {
			t.Errors += g.Count
		}
	}
	if to := NextStatus(from, p); to != from || from == "" {
		if from != "" {
			t.Jobs[from]--
		}
		t.Jobs[to]++
	}
}

// TopErrorGroup is an error signature across many jobs.
type TopErrorGroup struct {
	ID        string
	Template  string
	Level     string
	Exception string
	Count     int64
	Jobs      int64
	LastJobID uuid.UUID
	LastSeen  time.Time
}
