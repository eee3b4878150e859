package projections

import (
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// jobState is a job as the job_stats projection stores it: the JSON of the
// state column, whose fields also fill the row's columns. It is the read
// model's own schema, apart from the domain's Job and from the API's body:
// change it only together with a new JobStats version, which rebuilds the
// table. The counts and error groups inside are event shapes, whose JSON the
// event schema already fixes.
type jobState struct {
	ID               uuid.UUID         `json:"job_id"`
	Owner            string            `json:"owner"`
	FileName         string            `json:"file_name"`
	Size             int64             `json:"size"`
	SHA256           string            `json:"sha256"`
	ContentType      string            `json:"content_type,omitempty"`
	Options          events.JobOptions `json:"options"`
	Status           domain.JobStatus  `json:"status"`
	Version          int64             `json:"version"`
	Attempts         int               `json:"attempts"`
	CorrelationID    string            `json:"correlation_id,omitempty"`
	SubmittedEventID uuid.UUID         `json:"submitted_event_id"`
	SubmittedAt      time.Time         `json:"submitted_at"`
	StartedAt        *time.Time        `json:"started_at,omitempty"`
	FinishedAt       *time.Time        `json:"finished_at,omitempty"`
	DurationMS       int64             `json:"duration_ms,omitempty"`
	Chunks           int               `json:"chunks"`
	Lines            int64             `json:"lines"`
	Entries          int64             `json:"entries"`
	AnalysedBytes    int64             `json:"analysed_bytes"`
	BytesRead        int64             `json:"bytes_read"`
	Levels           map[string]int64  `json:"levels"`
	Errors           int64             `json:"errors"`
	ErrorGroups      int64             `json:"error_groups"`
	ErrorLike        int64             `json:"error_like,omitempty"`
	Truncated        int64             `json:"truncated_lines,omitempty"`
	Format           string            `json:"format,omitempty"`
	MinTime          *time.Time        `json:"min_time,omitempty"`
	MaxTime          *time.Time        `json:"max_time,omitempty"`
	TimeAssumption   string            `json:"time_assumption,omitempty"`
	Keywords         map[string]int64  `json:"keywords,omitempty"`
	Components       map[string]int64  `json:"components,omitempty"`
	TopIPs           map[string]int64  `json:"top_ips,omitempty"`
	DistinctIPs      int64             `json:"distinct_ips,omitempty"`
	AnalyzerVersion  string            `json:"analyzer_version,omitempty"`
	FailureReason    string            `json:"failure_reason,omitempty"`
	FailureCode      string            `json:"failure_code,omitempty"`
	// Parts of a job analysed in parts, without what only joining them
	// needs (the engine's sketches and templates).
	Parts  []partState `json:"parts,omitempty"`
	Merged bool        `json:"merged,omitempty"`
	// Of a job whose analysis follows its upload (whether its file is
	// still arriving follows from them, Size and Status); rows written
	// before these fields were added hold none, which is right for their
	// jobs, so adding them needed no rebuild.
	Following    bool  `json:"following,omitempty"`
	ExpectedSize int64 `json:"expected_size,omitempty"`
}

// partState is a part as the read model keeps it.
type partState struct {
	events.PartPlan
	Chunks    int   `json:"chunks"`
	BytesRead int64 `json:"bytes_read"`
	Attempts  int   `json:"attempts"`
	Done      bool  `json:"done,omitempty"`
}

// stateOf is the stored form of a job.
func stateOf(j *domain.Job) jobState {
	return jobState{
		ID: j.ID, Owner: j.Owner, FileName: j.FileName, Size: j.Size, SHA256: j.SHA256, ContentType: j.ContentType,
		Options: j.Options, Status: j.Status, Version: j.Version, Attempts: j.Attempts,
		CorrelationID: j.CorrelationID, SubmittedEventID: j.SubmittedEventID, SubmittedAt: j.SubmittedAt,
		StartedAt: j.StartedAt, FinishedAt: j.FinishedAt, DurationMS: j.DurationMS,
		Chunks: j.Chunks, Lines: j.Lines, Entries: j.Entries, AnalysedBytes: j.Bytes, BytesRead: j.BytesRead, Levels: j.Levels,
		Errors: j.Errors, ErrorGroups: j.ErrorGroups, ErrorLike: j.ErrorLike, Truncated: j.Truncated, Format: j.Format,
		MinTime: j.MinTime, MaxTime: j.MaxTime, TimeAssumption: j.TimeAssumption, Keywords: j.Keywords,
		Components: j.Components, TopIPs: j.TopIPs, DistinctIPs: j.DistinctIPs,
		AnalyzerVersion: j.AnalyzerVersion, FailureReason: j.FailureReason, FailureCode: j.FailureCode,
		Parts: partStates(j.Parts), Merged: j.Merged,
		Following: j.Following, ExpectedSize: j.ExpectedSize,
	}
}

func partStates(parts []domain.Part) []partState {
	if len(parts) == 0 {
		return nil
	}
	out := make([]partState, len(parts))
	for i, p := range parts {
		out[i] = partState{PartPlan: p.PartPlan, Chunks: p.Chunks, BytesRead: p.BytesRead, Attempts: p.Attempts, Done: p.Done}
	}
	return out
}

// job is the job a stored state holds, with no groups or minutes loaded.
func (s *jobState) job() *domain.Job {
	j := domain.NewJob(s.ID)
	j.Owner, j.FileName, j.Size, j.SHA256, j.ContentType = s.Owner, s.FileName, s.Size, s.SHA256, s.ContentType
	j.Options, j.Status, j.Version, j.Attempts = s.Options, s.Status, s.Version, s.Attempts
	j.CorrelationID, j.SubmittedEventID, j.SubmittedAt = s.CorrelationID, s.SubmittedEventID, s.SubmittedAt
	j.StartedAt, j.FinishedAt, j.DurationMS = s.StartedAt, s.FinishedAt, s.DurationMS
	j.Counts = events.Counts{Lines: s.Lines, Entries: s.Entries, Bytes: s.AnalysedBytes, Levels: s.Levels,
		ErrorLike: s.ErrorLike, Truncated: s.Truncated}
	j.Chunks, j.BytesRead, j.Errors, j.ErrorGroups = s.Chunks, s.BytesRead, s.Errors, s.ErrorGroups
	j.Format, j.MinTime, j.MaxTime, j.TimeAssumption = s.Format, s.MinTime, s.MaxTime, s.TimeAssumption
	j.Keywords, j.Components, j.TopIPs, j.DistinctIPs = s.Keywords, s.Components, s.TopIPs, s.DistinctIPs
	j.AnalyzerVersion, j.FailureReason, j.FailureCode = s.AnalyzerVersion, s.FailureReason, s.FailureCode
	j.Merged = s.Merged
	j.Following, j.ExpectedSize = s.Following, s.ExpectedSize
	for _, p := range s.Parts {
		j.Parts = append(j.Parts, domain.Part{PartPlan: p.PartPlan, Chunks: p.Chunks, BytesRead: p.BytesRead,
			Attempts: p.Attempts, Done: p.Done})
	}
	return j
}

// totalsRow is an aggregate_stats row as JSON: the read model's own schema
// of domain.Totals.
type totalsRow struct {
	Owner         string                     `json:"owner"`
	Jobs          map[domain.JobStatus]int64 `json:"jobs"`
	JobsTotal     int64                      `json:"jobs_total"`
	UploadedBytes int64                      `json:"uploaded_bytes"`
	AnalysedBytes int64                      `json:"analysed_bytes"`
	Lines         int64                      `json:"lines"`
	Entries       int64                      `json:"entries"`
	Levels        map[string]int64           `json:"levels"`
	Errors        int64                      `json:"errors"`
	UpdatedAt     time.Time                  `json:"updated_at"`
}

func totalsRowOf(t *domain.Totals, at time.Time) totalsRow {
	return totalsRow{Owner: t.Owner, Jobs: t.Jobs, JobsTotal: t.JobsTotal, UploadedBytes: t.UploadedBytes,
		AnalysedBytes: t.AnalysedBytes, Lines: t.Lines, Entries: t.Entries, Levels: t.Levels, Errors: t.Errors, UpdatedAt: at}
}

func (r *totalsRow) totals() *domain.Totals {
	t := domain.NewTotals(r.Owner)
	for s, n := range r.Jobs {
		t.Jobs[s] = n
	}
	t.JobsTotal, t.UploadedBytes, t.AnalysedBytes = r.JobsTotal, r.UploadedBytes, r.AnalysedBytes
	t.Lines, t.Entries, t.Errors = r.Lines, r.Entries, r.Errors
	if r.Levels != nil {
		t.Levels = r.Levels
	}
	return t
}

// topGroupRow is an aggregate_error_groups row as JSON.
type topGroupRow struct {
	Owner     string    `json:"owner"`
	ID        string    `json:"id"`
	Template  string    `json:"template"`
	Level     string    `json:"level"`
	Exception string    `json:"exception,omitempty"`
	Count     int64     `json:"count"`
	Jobs      int64     `json:"jobs"`
	LastJobID uuid.UUID `json:"last_job_id"`
	LastSeen  time.Time `json:"last_seen"`
}

func topGroupRowOf(owner string, g *domain.TopErrorGroup) topGroupRow {
	return topGroupRow{Owner: owner, ID: g.ID, Template: g.Template, Level: g.Level, Exception: g.Exception,
		Count: g.Count, Jobs: g.Jobs, LastJobID: g.LastJobID, LastSeen: g.LastSeen}
}

func (r *topGroupRow) group() *domain.TopErrorGroup {
	return &domain.TopErrorGroup{ID: r.ID, Template: r.Template, Level: r.Level, Exception: r.Exception,
		Count: r.Count, Jobs: r.Jobs, LastJobID: r.LastJobID, LastSeen: r.LastSeen}
}
