package events

import (
	"strings"
	"time"

	"github.com/google/uuid"
)

// Event types of a job's stream. They are stored as they are written here and
// must never change; a new shape gets a new schema version and an upcaster.
const (
	TypeJobSubmitted   = "JobSubmitted"
	TypeJobStarted     = "JobStarted"
	TypeLinesParsed    = "LinesParsed"
	TypeErrorsDetected = "ErrorsDetected"
	TypeJobCompleted   = "JobCompleted"
	TypeJobFailed      = "JobFailed"
	// TypeUploadCompleted ends the upload of a job submitted as its
	// upload began.
	TypeUploadCompleted = "UploadCompleted"
)

// JobStreamPrefix starts the stream id of every job.
const JobStreamPrefix = "job-"

// JobStream returns the id of a job's stream.
func JobStream(jobID uuid.UUID) string { return JobStreamPrefix + jobID.String() }

// ParseJobStream returns the job id of a job's stream id, and false for any
// other stream.
func ParseJobStream(streamID string) (uuid.UUID, bool) {
	rest, ok := strings.CutPrefix(streamID, JobStreamPrefix)
	if !ok {
		return uuid.UUID{}, false
	}
	id, err := uuid.Parse(rest)
	return id, err == nil
}

// JobSubmitted records that an upload was stored and a job created for it.
type JobSubmitted struct {
	JobID       uuid.UUID  `json:"job_id"`
	Owner       string     `json:"owner"`
	FileName    string     `json:"file_name"`
	Size        int64      `json:"size"`
	SHA256      string     `json:"sha256"`
	BlobKey     string     `json:"blob_key"`
	ContentType string     `json:"content_type,omitempty"`
	Options     JobOptions `json:"options"`
	SubmittedAt time.Time  `json:"submitted_at"`
	// Plan is the parts the upload found while it stored a large file;
	// nil when it did not plan the file. Events before it have none.
	Plan *UploadPlan `json:"plan,omitempty"`
	// Following says the job was submitted while its upload was still
	// arriving, so that its analysis could follow the upload: Size, SHA256
	// and Plan are then zero here, and an UploadCompleted carries them.
	Following bool `json:"following,omitempty"`
	// ExpectedSize is the length the upload request announced, for a
	// following job: the file's size for a raw body, a little more for a
	// form; 0 when the request did not say.
	ExpectedSize int64 `json:"expected_size,omitempty"`
}

// UploadCompleted records that the file of a following job (see
// JobSubmitted.Following) is stored whole: what JobSubmitted records of
// the file of any other job.
type UploadCompleted struct {
	Size   int64       `json:"size"`
	SHA256 string      `json:"sha256"`
	Plan   *UploadPlan `json:"plan,omitempty"`
	At     time.Time   `json:"at"`
}

// UploadPlan is how a file could be cut into parts, found while it was
// uploaded: the worker takes it instead of reading the whole file once
// more to plan it, which from a remote store means downloading it once
// more, as long as its own engine is the one that cut it.
type UploadPlan struct {
	// Engine is the version of the engine that cut the parts.
	Engine string `json:"engine"`
	// Parts are the parts, numbered from 1 in file order.
	Parts []PartPlan `json:"parts"`
}

// JobOptions are the per-job settings chosen at upload time.
type JobOptions struct {
	// ChunkLines is how many lines the worker analyses between two
	// LinesParsed events.
	ChunkLines int `json:"chunk_lines,omitempty"`
}

// JobStarted records that a worker began an attempt at a job. A job retried
// after a crash has one per attempt; it counts nothing.
type JobStarted struct {
	// Part is the part the attempt analyses, 0 for the whole job.
	Part    int       `json:"part,omitempty"`
	Attempt int       `json:"attempt"`
	Worker  string    `json:"worker,omitempty"`
	At      time.Time `json:"at"`
}

// LinesParsed records what the analysis found in one chunk of a job's file.
// Counts are for this chunk only, so a job's totals are sums over chunks.
type LinesParsed struct {
	// Part is the part the chunk belongs to (JobPlanned), 0 for a job
	// analysed whole; chunks are numbered from 0 within their part.
	Part      int   `json:"part,omitempty"`
	Chunk     int   `json:"chunk"`
	FirstLine int64 `json:"first_line"`
	LastLine  int64 `json:"last_line"`
	Counts
	// BytesRead is how far into the stored file (compressed or not) the job
	// has read after this chunk; for a chunk of a part, how far into the
	// part. The last chunk's is the file's or the part's size.
	BytesRead      int64            `json:"bytes_read"`
	Format         string           `json:"format,omitempty"`
	MinTime        *time.Time       `json:"min_time,omitempty"`
	MaxTime        *time.Time       `json:"max_time,omitempty"`
	Timeline       []MinuteCount    `json:"timeline,omitempty"`
	Keywords       map[string]int64 `json:"keywords,omitempty"`
	Components     map[string]int64 `json:"components,omitempty"`
	IPs            map[string]int64 `json:"ips,omitempty"`
	DistinctIPs    int64            `json:"distinct_ips,omitempty"`
	TimeAssumption string           `json:"time_assumption,omitempty"`
}

// Counts are the facts of a stretch of a file that add up: a chunk's event
// carries its own, and a job's are the sum over its chunks. A new count
// added here is carried by LinesParsed and summed by Add, so a job has it
// too.
type Counts struct {
	// Lines counts physical lines, Entries the log entries they form once
	// continuation lines (stack traces) are folded into their first line.
	Lines   int64 `json:"lines"`
	Entries int64 `json:"entries"`
	// Bytes counts the decoded text bytes.
	Bytes int64 `json:"bytes"`
	// Levels counts entries per normalised level (TRACE, DEBUG, INFO, WARN,
	// ERROR, FATAL); entries with no level are counted under LevelNone.
	Levels map[string]int64 `json:"levels"`
	// ErrorLike counts entries without a level whose words look like an
	// error; it is only set for files that carry no levels at all.
	ErrorLike int64 `json:"error_like,omitempty"`
	// Truncated counts lines cut at the engine's line-length limit.
	Truncated int64 `json:"truncated,omitempty"`
}

// LevelNone is how events name the entries without a level.
const LevelNone = "NONE"

// Add adds o to c.
func (c *Counts) Add(o Counts) {
	c.Lines += o.Lines
	c.Entries += o.Entries
	c.Bytes += o.Bytes
	c.ErrorLike += o.ErrorLike
	c.Truncated += o.Truncated
	if len(o.Levels) > 0 && c.Levels == nil {
		c.Levels = make(map[string]int64, len(o.Levels))
	}
	for l, n := range o.Levels {
		c.Levels[l] += n
	}
}

// MinuteCount is the number of entries stamped within one minute (UTC),
// and how many of them are of each level, named as Counts.Levels names
// them. Levels is missing from events written before the worker counted
// levels per minute.
type MinuteCount struct {
	Minute time.Time        `json:"minute"`
	Count  int64            `json:"count"`
	Levels map[string]int64 `json:"levels,omitempty"`
}

// ErrorsDetected records the error groups seen in one chunk.
type ErrorsDetected struct {
	Part   int          `json:"part,omitempty"`
	Chunk  int          `json:"chunk"`
	Groups []ErrorGroup `json:"groups"`
}

// ErrorGroup is one error signature with what a chunk saw of it. ID is stable:
// the same signature gets the same id in every chunk and every job.
type ErrorGroup struct {
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

// JobCompleted records that every chunk of a job was analysed.
type JobCompleted struct {
	Chunks          int    `json:"chunks"`
	Lines           int64  `json:"lines"`
	Entries         int64  `json:"entries"`
	Bytes           int64  `json:"bytes"`
	DurationMS      int64  `json:"duration_ms"`
	AnalyzerVersion string `json:"analyzer_version"`
	// DistinctIPs is the count of distinct addresses of a job analysed in
	// parts, joined from the parts' (0 for a job analysed whole, whose
	// chunks count them as they go).
	DistinctIPs int64     `json:"distinct_ips,omitempty"`
	At          time.Time `json:"at"`
}

// JobFailed records that a job will not complete: its file is unreadable or
// its retries are exhausted.
type JobFailed struct {
	// Part is the part whose failure ends the job, 0 for none.
	Part      int       `json:"part,omitempty"`
	Reason    string    `json:"reason"`
	Code      string    `json:"code,omitempty"`
	Attempt   int       `json:"attempt"`
	Retryable bool      `json:"retryable"`
	At        time.Time `json:"at"`
}
