package http

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// The API's bodies. They are the API's own: mapped here from the domain and
// read-model types, so that a field renamed in the domain or in a read
// model's storage never changes what clients receive, and an API change
// never touches a stored read model.

// JobView is a job as the API shows it: in GET /api/stats/{jobId}, in
// GET /api/jobs, and as the state folded in a job's history. The command
// line prints the same shape.
type JobView struct {
	ID               uuid.UUID        `json:"job_id"`
	Owner            string           `json:"owner"`
	FileName         string           `json:"file_name"`
	Size             int64            `json:"size"` // UploadedBytes under its first name, for older clients
	UploadedBytes    int64            `json:"uploaded_bytes"`
	SHA256           string           `json:"sha256"`
	ContentType      string           `json:"content_type,omitempty"`
	Options          jobOptionsView   `json:"options"`
	Status           domain.JobStatus `json:"status"`
	Version          int64            `json:"version"`
	Attempts         int              `json:"attempts"`
	CorrelationID    string           `json:"correlation_id,omitempty"`
	SubmittedEventID uuid.UUID        `json:"submitted_event_id"`
	SubmittedAt      time.Time        `json:"submitted_at"`
	StartedAt        *time.Time       `json:"started_at,omitempty"`
	FinishedAt       *time.Time       `json:"finished_at,omitempty"`
	DurationMS       int64            `json:"duration_ms,omitempty"`
	Chunks           int              `json:"chunks"`
	Lines            int64            `json:"lines"`
	Entries          int64            `json:"entries"`
	AnalysedBytes    int64            `json:"analysed_bytes"`
	BytesRead        int64            `json:"bytes_read"`
	Levels           map[string]int64 `json:"levels"`
	Errors           int64            `json:"errors"`
	ErrorGroups      int64            `json:"error_groups"`
	ErrorLike        int64            `json:"error_like,omitempty"`
	Truncated        int64            `json:"truncated_lines,omitempty"`
	Format           string           `json:"format,omitempty"`
	MinTime          *time.Time       `json:"min_time,omitempty"`
	MaxTime          *time.Time       `json:"max_time,omitempty"`
	TimeAssumption   string           `json:"time_assumption,omitempty"`
	Keywords         []nameCount      `json:"keywords"`
	Components       []nameCount      `json:"components"`
	TopIPs           []nameCount      `json:"top_ips"`
	DistinctIPs      int64            `json:"distinct_ips,omitempty"`
	AnalyzerVersion  string           `json:"analyzer_version,omitempty"`
	FailureReason    string           `json:"failure_reason,omitempty"`
	FailureCode      string           `json:"failure_code,omitempty"`
	// Parts counts the parts of a job analysed in parts, and those done.
	Parts *partsView `json:"parts,omitempty"`
	// Uploading says the job's file is still arriving and its analysis
	// follows it: size, uploaded_bytes and sha256 are known once it is not.
	Uploading bool `json:"uploading,omitempty"`
	// Projected says the view comes from the read model. It is false for
	// a job the read model has not reached yet, folded from its events
	// instead, and for a history's state, which is always folded.
	Projected bool `json:"projected"`
}

type jobOptionsView struct {
	ChunkLines int `json:"chunk_lines,omitempty"`
}

// nameCount is one entry of a ranked list: the order is the rank, which a
// JSON object would lose.
type nameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// ranked lists counts, most frequent first, ties by name.
func ranked(m map[string]int64) []nameCount {
	out := make([]nameCount, 0, len(m))
	for name, n := range m {
		out = append(out, nameCount{Name: name, Count: n})
	}
	slices.SortFunc(out, func(a, b nameCount) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// firstOf is the first n of a ranked list.
func firstOf(l []nameCount, n int) []nameCount { return l[:min(n, len(l))] }

// counts is m, or an empty map for nil, so a client always gets an object.
func counts[K comparable](m map[K]int64) map[K]int64 {
	if m == nil {
		return map[K]int64{}
	}
	return m
}

// NewJobView returns the API's view of a job, not marked as projected.
func NewJobView(j *domain.Job) JobView {
	return JobView{
		ID: j.ID, Owner: j.Owner, FileName: j.FileName, Size: j.Size, UploadedBytes: j.Size, SHA256: j.SHA256,
		ContentType: j.ContentType,
		Options:     jobOptionsView{ChunkLines: j.Options.ChunkLines}, Status: j.Status, Version: j.Version,
		Attempts: j.Attempts, CorrelationID: j.CorrelationID, SubmittedEventID: j.SubmittedEventID,
		SubmittedAt: j.SubmittedAt, StartedAt: j.StartedAt, FinishedAt: j.FinishedAt, DurationMS: j.DurationMS,
		Chunks: j.Chunks, Lines: j.Lines, Entries: j.Entries, AnalysedBytes: j.Bytes, BytesRead: j.BytesRead,
		Levels: counts(j.Levels), Errors: j.Errors, ErrorGroups: j.ErrorGroups, ErrorLike: j.ErrorLike,
		Truncated: j.Truncated, Format: j.Format, MinTime: j.MinTime, MaxTime: j.MaxTime,
		TimeAssumption: j.TimeAssumption, Keywords: ranked(j.Keywords), Components: ranked(j.Components),
		TopIPs:      firstOf(ranked(j.TopIPs), domain.ShownIPs),
		DistinctIPs: j.DistinctIPs, AnalyzerVersion: j.AnalyzerVersion, FailureReason: j.FailureReason,
		FailureCode: j.FailureCode, Parts: partsOf(j), Uploading: j.Uploading(),
	}
}

type partsView struct {
	Total int `json:"total"`
	Done  int `json:"done"`
}

func partsOf(j *domain.Job) *partsView {
	if !j.Planned() {
		return nil
	}
	return &partsView{Total: len(j.Parts), Done: len(j.Parts) - len(j.PartsLeft())}
}

// ErrorGroupView is one of a job's error groups.
type ErrorGroupView struct {
	ID        string     `json:"id"`
	Template  string     `json:"template"`
	Level     string     `json:"level"`
	Exception string     `json:"exception,omitempty"`
	Count     int64      `json:"count"`
	FirstLine int64      `json:"first_line"`
	LastLine  int64      `json:"last_line"`
	FirstTime *time.Time `json:"first_time,omitempty"`
	LastTime  *time.Time `json:"last_time,omitempty"`
	Sample    string     `json:"sample"`
}

// ErrorGroupViews shows error groups as the API does.
func ErrorGroupViews(gs []events.ErrorGroup) []ErrorGroupView {
	out := make([]ErrorGroupView, len(gs))
	for i, g := range gs {
		out[i] = ErrorGroupView{ID: g.ID, Template: g.Template, Level: g.Level, Exception: g.Exception,
			Count: g.Count, FirstLine: g.FirstLine, LastLine: g.LastLine, FirstTime: g.FirstTime,
			LastTime: g.LastTime, Sample: g.Sample}
	}
	return out
}

// MinuteView is one point of a job's timeline: its entries, and those of
// each level. Levels is left out for a minute analysed before levels were
// counted per minute.
type MinuteView struct {
	Minute time.Time        `json:"minute"`
	Count  int64            `json:"count"`
	Levels map[string]int64 `json:"levels,omitempty"`
}

// MinuteViews shows a timeline as the API does.
func MinuteViews(ms []events.MinuteCount) []MinuteView {
	out := make([]MinuteView, len(ms))
	for i, m := range ms {
		out[i] = MinuteView{Minute: m.Minute, Count: m.Count, Levels: m.Levels}
	}
	return out
}

// topErrorGroupView is an error signature across the caller's jobs.
type topErrorGroupView struct {
	ID        string    `json:"id"`
	Template  string    `json:"template"`
	Level     string    `json:"level"`
	Exception string    `json:"exception,omitempty"`
	Count     int64     `json:"count"`
	Jobs      int64     `json:"jobs"`
	LastJobID uuid.UUID `json:"last_job_id"`
	LastSeen  time.Time `json:"last_seen"`
}

func topErrorGroupViews(gs []domain.TopErrorGroup) []topErrorGroupView {
	out := make([]topErrorGroupView, len(gs))
	for i, g := range gs {
		out[i] = topErrorGroupView{ID: g.ID, Template: g.Template, Level: g.Level, Exception: g.Exception,
			Count: g.Count, Jobs: g.Jobs, LastJobID: g.LastJobID, LastSeen: g.LastSeen}
	}
	return out
}

// jobPageView is a page of jobs.
type jobPageView struct {
	Jobs []JobView `json:"jobs"`
	Next string    `json:"next_cursor,omitempty"`
}

func newJobPageView(p *domain.JobPage) jobPageView {
	v := jobPageView{Jobs: make([]JobView, len(p.Jobs)), Next: p.Next}
	for i := range p.Jobs {
		v.Jobs[i] = NewJobView(&p.Jobs[i])
		v.Jobs[i].Projected = true
	}
	return v
}

// queueStatusView is the body of GET /api/queue-status. What identifies a
// host (server ids, host names, PIDs) and the jobs running is shown to
// admins only.
type queueStatusView struct {
	Queues      []queueInfoView    `json:"queues"`
	Servers     []workerServerView `json:"servers"`
	ActiveTasks []activeTaskView   `json:"active_tasks"`
}

type queueInfoView struct {
	Name           string  `json:"name"`
	Size           int     `json:"size"`
	Pending        int     `json:"pending"`
	Active         int     `json:"active"`
	Scheduled      int     `json:"scheduled"`
	Retry          int     `json:"retry"`
	Archived       int     `json:"archived"`
	Completed      int     `json:"completed"`
	ProcessedToday int     `json:"processed_today"`
	FailedToday    int     `json:"failed_today"`
	ProcessedTotal int     `json:"processed_total"`
	FailedTotal    int     `json:"failed_total"`
	LatencySeconds float64 `json:"latency_seconds"`
	Paused         bool    `json:"paused"`
	MemoryBytes    int64   `json:"memory_bytes"`
}

type workerServerView struct {
	ID            string             `json:"id,omitempty"`
	Host          string             `json:"host,omitempty"`
	PID           int                `json:"pid,omitempty"`
	Concurrency   int                `json:"concurrency"`
	Queues        map[string]int     `json:"queues"`
	Status        string             `json:"status"`
	Started       time.Time          `json:"started"`
	ActiveWorkers []activeWorkerView `json:"active_workers"`
}

type activeWorkerView struct {
	JobID    string    `json:"job_id,omitempty"`
	TaskType string    `json:"task_type"`
	Queue    string    `json:"queue"`
	Started  time.Time `json:"started"`
	Deadline time.Time `json:"deadline"`
}

// activeTaskView is a task the queue holds as active: running on a live
// worker, unconfirmed (started within seconds, or its worker just stopped)
// or orphaned (its worker stopped; it goes back to the queue).
type activeTaskView struct {
	JobID    string           `json:"job_id,omitempty"`
	ServerID string           `json:"server_id,omitempty"`
	TaskType string           `json:"task_type"`
	Queue    string           `json:"queue"`
	State    domain.TaskState `json:"state"`
	Retried  int              `json:"retried"`
	Started  *time.Time       `json:"started,omitempty"`
	Deadline *time.Time       `json:"deadline,omitempty"`
}

func newQueueStatusView(st *domain.QueueStatus, admin bool) queueStatusView {
	v := queueStatusView{Queues: make([]queueInfoView, len(st.Queues)), Servers: make([]workerServerView, len(st.Servers)),
		ActiveTasks: make([]activeTaskView, len(st.Active))}
	for i, q := range st.Queues {
		v.Queues[i] = queueInfoView(q)
	}
	for i, s := range st.Servers {
		v.Servers[i] = newWorkerServerView(s, admin)
	}
	for i, a := range st.Active {
		v.ActiveTasks[i] = newActiveTaskView(a, admin)
	}
	return v
}

func newWorkerServerView(s domain.WorkerServer, admin bool) workerServerView {
	ws := workerServerView{Concurrency: s.Concurrency, Queues: s.Queues, Status: s.Status, Started: s.Started,
		ActiveWorkers: make([]activeWorkerView, len(s.ActiveWorkers))}
	if admin {
		ws.ID, ws.Host, ws.PID = s.ID, s.Host, s.PID
	}
	for k, w := range s.ActiveWorkers {
		ws.ActiveWorkers[k] = activeWorkerView{TaskType: w.TaskType, Queue: w.Queue, Started: w.Started, Deadline: w.Deadline}
		if admin {
			ws.ActiveWorkers[k].JobID = w.JobID
		}
	}
	return ws
}

func newActiveTaskView(a domain.ActiveTask, admin bool) activeTaskView {
	v := activeTaskView{TaskType: a.TaskType, Queue: a.Queue, State: a.State, Retried: a.Retried}
	if !a.Started.IsZero() {
		v.Started, v.Deadline = &a.Started, &a.Deadline
	}
	if admin {
		v.JobID, v.ServerID = a.JobID, a.ServerID
	}
	return v
}
