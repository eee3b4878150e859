package domain

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
)

// JobStatus is where a job is in its life.
type JobStatus string

// Job statuses.
const (
	StatusQueued     JobStatus = "queued"
	StatusProcessing JobStatus = "processing"
	StatusCompleted  JobStatus = "completed"
	StatusFailed     JobStatus = "failed"
)

// Statuses lists every status in life order.
var Statuses = []JobStatus{StatusQueued, StatusProcessing, StatusCompleted, StatusFailed}

// Terminal reports whether a job in this status will never change again.
func (s JobStatus) Terminal() bool { return s == StatusCompleted || s == StatusFailed }

// Job is the state of one job, folded from its stream. The job_stats
// projection and an auditor's replay of a job's history both build it with
// Apply, so they can never disagree.
type Job struct {
	ID          uuid.UUID         `json:"job_id"`
	Owner       string            `json:"owner"`
	FileName    string            `json:"file_name"`
	Size        int64             `json:"size"`
	SHA256      string            `json:"sha256"`
	BlobKey     string            `json:"-"`
	ContentType string            `json:"content_type,omitempty"`
	Options     events.JobOptions `json:"options"`
	Status      JobStatus         `json:"status"`
	// Version is the stream version of the last event applied.
	Version  int64 `json:"version"`
	Attempts int   `json:"attempts"`
	// CorrelationID is the request id of the upload; SubmittedEventID the
	// id of the JobSubmitted event. Worker events carry both.
	CorrelationID    string    `json:"correlation_id,omitempty"`
	SubmittedEventID uuid.UUID `json:"submitted_event_id"`

	SubmittedAt time.Time  `json:"submitted_at"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	DurationMS  int64      `json:"duration_ms,omitempty"`

	Progress

	AnalyzerVersion string `json:"analyzer_version,omitempty"`
	FailureReason   string `json:"failure_reason,omitempty"`
	FailureCode     string `json:"failure_code,omitempty"`

	// Groups holds the job's error groups by id. The projection loads only
	// the groups a batch of events touches; a replay holds them all.
	Groups map[string]*ErrorGroup `json:"-"`
	// Timeline counts entries per minute, keyed by the minute's Unix time,
	// and is loaded like Groups.
	Timeline map[int64]int64 `json:"-"`

	dirtyGroups  map[string]bool
	dirtyMinutes map[int64]bool
}

// Progress is what the worker has found so far in a job's file.
type Progress struct {
	Chunks      int              `json:"chunks"`
	Lines       int64            `json:"lines"`
	Entries     int64            `json:"entries"`
	Bytes       int64            `json:"bytes"`
	BytesRead   int64            `json:"bytes_read"`
	Levels      map[string]int64 `json:"levels"`
	Errors      int64            `json:"errors"`
	ErrorGroups int64            `json:"error_groups"`
	ErrorLike   int64            `json:"error_like,omitempty"`
	Truncated   int64            `json:"truncated_lines,omitempty"`
	Format      string           `json:"format,omitempty"`
	MinTime     *time.Time       `json:"min_time,omitempty"`
	MaxTime     *time.Time       `json:"max_time,omitempty"`
	// TimeAssumption says what was assumed to read timestamps, such as a
	// missing year or zone.
	TimeAssumption string           `json:"time_assumption,omitempty"`
	Keywords       map[string]int64 `json:"keywords,omitempty"`
	Components     map[string]int64 `json:"components,omitempty"`
	TopIPs         map[string]int64 `json:"top_ips,omitempty"`
	DistinctIPs    int64            `json:"distinct_ips,omitempty"`
}

// DefaultChunkLines is how many lines the worker analyses between two
// LinesParsed events. An upload records it in the job's options, so every
// attempt at the job cuts the same chunks.
const DefaultChunkLines = 50_000

// Caps on the maps a job keeps, so a job's state stays small whatever its
// file holds.
const (
	MaxJobComponents = 100
	MaxJobIPs        = 20
	MaxJobKeywords   = 50
)

// NewJob returns an empty job, ready to apply its first event.
func NewJob(id uuid.UUID) *Job {
	return &Job{ID: id, Groups: map[string]*ErrorGroup{}, Timeline: map[int64]int64{}}
}

// Apply folds one event of the job's stream into its state. Events must come
// in stream order: a gap or a repeat is an error.
func (j *Job) Apply(rec events.Record) error {
	p, err := events.Decode(rec.Event)
	if err != nil {
		return fmt.Errorf("job %s: %w", j.ID, err)
	}
	return j.ApplyDecoded(rec, p)
}

// ApplyDecoded is Apply for an event whose payload the caller has decoded.
func (j *Job) ApplyDecoded(rec events.Record, p events.Payload) error {
	if rec.Version != j.Version+1 {
		return fmt.Errorf("job %s: event %s has version %d, want %d", j.ID, rec.ID, rec.Version, j.Version+1)
	}
	switch p.(type) {
	case *events.JobSubmitted:
		j.CorrelationID, j.SubmittedEventID = rec.Metadata.CorrelationID, rec.ID
	case *events.LinesParsed:
		j.AnalyzerVersion = firstNonEmpty(j.AnalyzerVersion, rec.Metadata.AnalyzerVersion)
	}
	j.apply(p)
	j.Status = NextStatus(j.Status, p)
	j.Version = rec.Version
	return nil
}

func (j *Job) apply(p events.Payload) {
	switch e := p.(type) {
	case *events.JobSubmitted:
		j.submitted(e)
	case *events.JobStarted:
		j.started(e)
	case *events.LinesParsed:
		j.linesParsed(e)
	case *events.ErrorsDetected:
		j.errorsDetected(e)
	case *events.JobCompleted:
		j.completed(e)
	case *events.JobFailed:
		j.failed(e)
	}
}

func (j *Job) submitted(e *events.JobSubmitted) {
	j.ID, j.Owner, j.FileName, j.Size = e.JobID, e.Owner, e.FileName, e.Size
	j.SHA256, j.BlobKey, j.ContentType, j.Options = e.SHA256, e.BlobKey, e.ContentType, e.Options
	j.SubmittedAt = e.SubmittedAt
	j.Levels = map[string]int64{}
}

func (j *Job) started(e *events.JobStarted) {
	j.Attempts++
	if j.StartedAt == nil {
		at := e.At
		j.StartedAt = &at
	}
}

func (j *Job) linesParsed(e *events.LinesParsed) {
	p := &j.Progress
	p.Chunks = max(p.Chunks, e.Chunk+1)
	p.Lines += e.Lines
	p.Entries += e.Entries
	p.Bytes += e.Bytes
	p.BytesRead = max(p.BytesRead, e.BytesRead)
	p.ErrorLike += e.ErrorLike
	p.Truncated += e.Truncated
	p.DistinctIPs = max(p.DistinctIPs, e.DistinctIPs)
	p.Format = firstNonEmpty(p.Format, e.Format)
	p.TimeAssumption = firstNonEmpty(p.TimeAssumption, e.TimeAssumption)
	p.MinTime, p.MaxTime = earliest(p.MinTime, e.MinTime), latest(p.MaxTime, e.MaxTime)
	p.Levels = addCounts(p.Levels, e.Levels, 0)
	p.Keywords = addCounts(p.Keywords, e.Keywords, MaxJobKeywords)
	p.Components = addCounts(p.Components, e.Components, MaxJobComponents)
	p.TopIPs = addCounts(p.TopIPs, e.IPs, MaxJobIPs)
	for _, m := range e.Timeline {
		j.addMinute(m.Minute.Unix(), m.Count)
	}
}

func (j *Job) errorsDetected(e *events.ErrorsDetected) {
	for _, g := range e.Groups {
		j.Errors += g.Count
		if j.Groups == nil {
			j.Groups = map[string]*ErrorGroup{}
		}
		cur, ok := j.Groups[g.ID]
		if !ok {
			cur = &ErrorGroup{ID: g.ID}
			j.Groups[g.ID] = cur
			j.ErrorGroups++
		}
		cur.Merge(g)
		j.markGroup(g.ID)
	}
}

func (j *Job) completed(e *events.JobCompleted) {
	j.DurationMS, j.AnalyzerVersion = e.DurationMS, e.AnalyzerVersion
	at := e.At
	j.FinishedAt = &at
}

func (j *Job) failed(e *events.JobFailed) {
	j.FailureReason, j.FailureCode = e.Reason, e.Code
	at := e.At
	j.FinishedAt = &at
	if j.StartedAt != nil {
		j.DurationMS = at.Sub(*j.StartedAt).Milliseconds()
	}
}

func (j *Job) addMinute(m int64, n int64) {
	if j.Timeline == nil {
		j.Timeline = map[int64]int64{}
	}
	j.Timeline[m] += n
	if j.dirtyMinutes == nil {
		j.dirtyMinutes = map[int64]bool{}
	}
	j.dirtyMinutes[m] = true
}

func (j *Job) markGroup(id string) {
	if j.dirtyGroups == nil {
		j.dirtyGroups = map[string]bool{}
	}
	j.dirtyGroups[id] = true
}

// Changed returns the ids of the groups and the minutes that events applied
// since the last call changed, and forgets them. The projection writes just
// those rows.
func (j *Job) Changed() (groups []string, minutes []int64) {
	for id := range j.dirtyGroups {
		groups = append(groups, id)
	}
	for m := range j.dirtyMinutes {
		minutes = append(minutes, m)
	}
	j.dirtyGroups, j.dirtyMinutes = nil, nil
	return groups, minutes
}
