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

// Job is the aggregate of one job: its state, folded from its stream, and the
// commands that decide its next events (job_commands.go). The job_stats
// projection and an auditor's replay of a job's history both fold it with
// Apply, so they can never disagree. It has no JSON form of its own: the
// read model and the API each map it to theirs.
type Job struct {
	ID          uuid.UUID
	Owner       string
	FileName    string
	Size        int64
	SHA256      string
	BlobKey     string
	ContentType string
	Options     events.JobOptions
	// UploadPlan is the parts the upload found in the file, nil when it
	// did not plan it; it is never changed.
	UploadPlan *events.UploadPlan
	// Following says the job was submitted as its upload began, so that
	// its analysis could follow the upload (JobSubmitted.Following; see
	// Uploading). ExpectedSize is the length the upload request announced,
	// 0 when it did not.
	Following    bool
	ExpectedSize int64
	Status       JobStatus
	// Version is the stream version of the last event applied.
	Version  int64
	Attempts int
	// CorrelationID is the request id of the upload; SubmittedEventID the
	// id of the JobSubmitted event. Later events carry both.
	CorrelationID    string
	SubmittedEventID uuid.UUID

	SubmittedAt time.Time
	StartedAt   *time.Time
	FinishedAt  *time.Time
	DurationMS  int64

	Progress

	AnalyzerVersion string
	FailureReason   string
	FailureCode     string

	// Groups holds the job's error groups by id. The projection loads only
	// the groups a batch of events touches; a replay holds them all.
	Groups map[string]*events.ErrorGroup
	// Timeline counts entries per minute and level, keyed by the minute's
	// Unix time, and is loaded like Groups.
	Timeline map[int64]MinuteCounts

	// Parts are the parts of a job analysed in parts (job_parts.go), nil
	// for a job analysed whole; Merged says GroupsJoined is recorded.
	Parts  []Part
	Merged bool
	// wholeAttempts counts the attempts at the job itself, not at a part.
	wholeAttempts int
	// lastLine is the last line of the last chunk recorded of a job
	// analysed whole (RecordChunk compares a repeat of that chunk with it;
	// a part keeps its own).
	lastLine int64

	dirtyGroups   map[string]bool
	removedGroups map[string]bool
	dirtyMinutes  map[int64]bool
	// changes are the events commands decided since the job was loaded or
	// saved, already applied to the state; stale says the stream holds
	// events the state has not folded.
	changes []events.Event
	stale   bool
	// brief says the job was loaded by NewBriefJobs' Jobs.
	brief bool
}

// Progress is what the worker has found so far in a job's file: the sums of
// its chunks' counts and what else the chunks tell.
type Progress struct {
	events.Counts
	Chunks int
	// BytesRead is how far into the stored file the chunks have read, the
	// parts' sum for a job in parts (see LinesParsed.BytesRead).
	BytesRead   int64
	Errors      int64
	ErrorGroups int64
	Format      string
	MinTime     *time.Time
	MaxTime     *time.Time
	// TimeAssumption says what was assumed to read timestamps, such as a
	// missing year or zone.
	TimeAssumption string
	Keywords       map[string]int64
	Components     map[string]int64
	TopIPs         map[string]int64
	DistinctIPs    int64
}

// MinuteCounts are the entries of a job stamped within one minute: how
// many, and how many of each level. The chunks' counts are summed, parts'
// included, so both are exact. Levels is nil for a minute whose events were
// written before the worker counted levels per minute, and sums to less
// than Count when only some of them were. A fold never changes a Levels
// map in place (it makes a new one), so copies of a job share them.
type MinuteCounts struct {
	Count  int64
	Levels map[string]int64
}

// DefaultChunkLines is how many lines the worker analyses between two
// LinesParsed events. Submit records it in the job's options, so every
// attempt at the job cuts the same chunks. 200,000 lines are about a tenth
// of a second of analysis, so progress still moves several times a second,
// while a job makes a quarter of the appends and projector batches that
// 50,000 made: PostgreSQL's CPU per job fell by about half.
const DefaultChunkLines = 200_000

// Caps on the maps a job keeps, so a job's state stays small whatever its
// file holds. Each chunk lists its busiest addresses (the engine's 100),
// and the job keeps the MaxJobIPs busiest of their sums: an address that
// ranks low in the first chunks and leads later keeps its early counts,
// which a cut to the ShownIPs the API shows would throw away.
const (
	MaxJobComponents = 100
	MaxJobIPs        = 1000
	MaxJobKeywords   = 50
	ShownIPs         = 20
)

// ProgressPercent is how far into its stored file the job has read: 100
// once it is completed, and at most 99 before, as the last chunk of a file
// can end at its last byte before the job completes, and a chunk of a gzip
// file can report the compressed bytes decompressed ahead of it. While its
// upload arrives it is measured against the length the upload announced.
func (j *Job) ProgressPercent() float64 {
	size := j.Size
	if j.Uploading() {
		size = j.ExpectedSize
	}
	switch {
	case j.Status == StatusCompleted:
		return 100
	case size <= 0:
		return 0
	}
	return min(99, float64(j.BytesRead)*100/float64(size))
}

// NewJob returns an empty job, ready to apply its first event.
func NewJob(id uuid.UUID) *Job {
	return &Job{ID: id, Groups: map[string]*events.ErrorGroup{}, Timeline: map[int64]MinuteCounts{}}
}

// Apply folds one event of the job's stream into its state. Events must come
// in stream order: a gap or a repeat is an error.
func (j *Job) Apply(rec events.Record) error {
	decode := events.Decode
	if j.brief {
		decode = events.DecodeBrief
	}
	p, err := decode(rec.Event)
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
	case *events.JobPlanned:
		j.planned(e)
	case *events.PartCompleted:
		j.partCompleted(e)
	case *events.GroupsJoined:
		j.groupsJoined(e)
	case *events.UploadCompleted:
		j.uploadCompleted(e)
	}
}

func (j *Job) submitted(e *events.JobSubmitted) {
	j.ID, j.Owner, j.FileName, j.Size = e.JobID, e.Owner, e.FileName, e.Size
	j.SHA256, j.BlobKey, j.ContentType, j.Options = e.SHA256, e.BlobKey, e.ContentType, e.Options
	j.SubmittedAt, j.UploadPlan = e.SubmittedAt, e.Plan
	j.Following, j.ExpectedSize = e.Following, e.ExpectedSize
	j.Levels = map[string]int64{}
}

func (j *Job) uploadCompleted(e *events.UploadCompleted) {
	j.Size, j.SHA256, j.UploadPlan = e.Size, e.SHA256, e.Plan
}

func (j *Job) started(e *events.JobStarted) {
	j.Attempts++
	if p := j.part(e.Part); p != nil {
		p.Attempts++
	} else {
		j.wholeAttempts++
	}
	if j.StartedAt == nil {
		at := e.At
		j.StartedAt = &at
	}
}

func (j *Job) linesParsed(e *events.LinesParsed) {
	p := &j.Progress
	if e.Part > 0 {
		j.partChunk(e)
	} else {
		p.Chunks = max(p.Chunks, e.Chunk+1)
		p.BytesRead = max(p.BytesRead, e.BytesRead)
		j.lastLine = max(j.lastLine, e.LastLine)
	}
	p.Counts.Add(e.Counts)
	if !j.Merged {
		p.DistinctIPs = max(p.DistinctIPs, e.DistinctIPs) // a part's own, until the parts join
	}
	p.Format = firstNonEmpty(p.Format, e.Format)
	p.TimeAssumption = firstNonEmpty(p.TimeAssumption, e.TimeAssumption)
	p.MinTime, p.MaxTime = earliest(p.MinTime, e.MinTime), latest(p.MaxTime, e.MaxTime)
	if j.brief {
		return
	}
	p.Keywords = addCounts(p.Keywords, e.Keywords, MaxJobKeywords)
	p.Components = addCounts(p.Components, e.Components, MaxJobComponents)
	p.TopIPs = addCounts(p.TopIPs, e.IPs, MaxJobIPs)
	for _, m := range e.Timeline {
		j.addMinute(m)
	}
}

func (j *Job) errorsDetected(e *events.ErrorsDetected) {
	for _, g := range e.Groups {
		j.Errors += g.Count
		if j.Groups == nil {
			j.Groups = map[string]*events.ErrorGroup{}
		}
		cur, ok := j.Groups[g.ID]
		if !ok {
			cur = &events.ErrorGroup{ID: g.ID}
			j.Groups[g.ID] = cur
			j.ErrorGroups++
		}
		mergeGroup(cur, g)
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

func (j *Job) addMinute(m events.MinuteCount) {
	if j.Timeline == nil {
		j.Timeline = map[int64]MinuteCounts{}
	}
	key := m.Minute.Unix()
	cur := j.Timeline[key]
	cur.Count += m.Count
	cur.Levels = plusCounts(cur.Levels, m.Levels)
	j.Timeline[key] = cur
	if j.dirtyMinutes == nil {
		j.dirtyMinutes = map[int64]bool{}
	}
	j.dirtyMinutes[key] = true
}

func (j *Job) markGroup(id string) {
	if j.dirtyGroups == nil {
		j.dirtyGroups = map[string]bool{}
	}
	j.dirtyGroups[id] = true
	delete(j.removedGroups, id)
}

// removeGroup drops a group that joined another.
func (j *Job) removeGroup(id string) {
	delete(j.Groups, id)
	delete(j.dirtyGroups, id)
	j.ErrorGroups--
	if j.removedGroups == nil {
		j.removedGroups = map[string]bool{}
	}
	j.removedGroups[id] = true
}

// Changes are the rows that events applied since the last call to
// Changed touched: the projection writes just those.
type Changes struct {
	// Groups and Minutes changed; Removed groups joined others and are gone.
	Groups, Removed []string
	Minutes         []int64
}

// Changed returns what events applied since the last call changed, and
// forgets it.
func (j *Job) Changed() Changes {
	var c Changes
	for id := range j.dirtyGroups {
		c.Groups = append(c.Groups, id)
	}
	for id := range j.removedGroups {
		c.Removed = append(c.Removed, id)
	}
	for m := range j.dirtyMinutes {
		c.Minutes = append(c.Minutes, m)
	}
	j.dirtyGroups, j.removedGroups, j.dirtyMinutes = nil, nil, nil
	return c
}
