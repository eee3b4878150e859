package domain

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
)

// Upload is a stored file that a user asked to have analysed.
type Upload struct {
	// Owner is the JWT subject of the uploader.
	Owner string
	// FileName is what the client called the file; Submit keeps its base
	// name.
	FileName    string
	ContentType string
	Blob        Blob
	// RequestID is the upload request's id, which becomes the job's
	// correlation id.
	RequestID string
	// ChunkLines is how many lines the worker analyses between two
	// LinesParsed events; 0 for DefaultChunkLines.
	ChunkLines int
	// Plan is the parts the upload found in the file, or nil (see
	// CheckPlan).
	Plan *events.UploadPlan
	// Following submits the job as its upload begins, so that its
	// analysis can follow the upload: Blob then holds only the key, and
	// CompleteUpload or AbandonUpload ends the upload. ExpectedSize is
	// the length the request announced, 0 when it did not.
	Following    bool
	ExpectedSize int64
}

// BlobKey returns where the file of a job submitted at a given time is
// stored: one key per job, so no two uploads ever share an object.
func BlobKey(jobID uuid.UUID, at time.Time) string {
	return fmt.Sprintf("%s%s/%s", BlobKeyPrefix, at.UTC().Format("2006/01/02"), jobID)
}

// Submit makes a new job of an upload: it decides the job's JobSubmitted,
// with the chunk size pinned for every attempt to come. It returns EINVALID
// for an upload whose owner or file name breaks the rules of names (see
// CheckOwner and CheckFileName) or whose file is empty. Save the job to
// record it.
func Submit(id uuid.UUID, u Upload, at time.Time) (*Job, error) {
	if err := CheckOwner(u.Owner); err != nil {
		return nil, err
	}
	if err := CheckFileName(u.FileName); err != nil {
		return nil, err
	}
	if err := checkUploadedFile(u); err != nil {
		return nil, err
	}
	chunkLines := u.ChunkLines
	if chunkLines <= 0 {
		chunkLines = DefaultChunkLines
	}
	j := NewJob(id)
	md := events.Metadata{CorrelationID: u.RequestID, CausationID: u.RequestID, Actor: u.Owner}
	err := j.record(events.DeterministicID(j.stream(), events.TypeJobSubmitted), &events.JobSubmitted{
		JobID: id, Owner: u.Owner, FileName: CleanFileName(u.FileName), Size: u.Blob.Size, SHA256: u.Blob.SHA256,
		BlobKey: u.Blob.Key, ContentType: u.ContentType, SubmittedAt: at.UTC(),
		Options: events.JobOptions{ChunkLines: chunkLines}, Plan: u.Plan,
		Following: u.Following, ExpectedSize: max(u.ExpectedSize, 0),
	}, md, at)
	return j, err
}

// checkUploadedFile checks what an upload tells of its file: a file stored
// whole is not empty and its plan cuts it whole; a following upload tells
// nothing of its file yet.
func checkUploadedFile(u Upload) error {
	switch {
	case u.Following && (u.Blob.Size != 0 || u.Blob.SHA256 != "" || u.Plan != nil):
		return fmt.Errorf("an upload still arriving has no size, hash or plan yet")
	case u.Following:
		return nil
	case u.Blob.Size <= 0:
		return Errorf(EINVALID, "the file is empty")
	case u.Plan != nil:
		return CheckPlan(u.Plan.Parts, u.Blob.Size)
	}
	return nil
}

// CheckPlan checks that parts cut a file of size bytes into two to
// MaxParts parts, numbered from 1, that follow each other from its first
// byte to its last, with line numbers that grow.
func CheckPlan(parts []events.PartPlan, size int64) error {
	if len(parts) < 2 || len(parts) > MaxParts {
		return fmt.Errorf("a plan needs two to %d parts, not %d", MaxParts, len(parts))
	}
	var end, line int64 = 0, 0
	for i, p := range parts {
		switch {
		case p.Part != i+1:
			return fmt.Errorf("part %d of the plan is numbered %d", i+1, p.Part)
		case p.Offset != end || p.Length <= 0:
			return fmt.Errorf("part %d of the plan holds bytes %d to %d, after a part that ended at %d", p.Part, p.Offset, p.Offset+p.Length, end)
		case p.FirstLine <= line:
			return fmt.Errorf("part %d of the plan starts at line %d, after line %d", p.Part, p.FirstLine, line)
		}
		end, line = p.Offset+p.Length, p.FirstLine
	}
	if end != size {
		return fmt.Errorf("the plan's parts end at byte %d of a file of %d bytes", end, size)
	}
	return nil
}

// CleanFileName keeps the base name of what a client calls its file, at most
// 255 bytes of valid UTF-8; "upload.log" stands in for no name at all.
func CleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	if name == "." || name == "/" || name == "" {
		return "upload.log"
	}
	if len(name) > 255 {
		name = name[:255]
	}
	return strings.ToValidUTF8(name, "_")
}

// Attempt is one delivery of a job's task to a worker. Commands of a worker
// take it to check the job against the engine and to say who decided.
type Attempt struct {
	// Number counts deliveries from 1.
	Number int
	// Worker names the worker process, such as host:pid.
	Worker string
	// Engine is the analysis engine's version.
	Engine string
	// Part is the part of a job analysed in parts that the attempt works
	// on, 0 for the whole job.
	Part int
}

// AnalysisSettings are what every attempt at a job analyses it with.
type AnalysisSettings struct {
	// ChunkLines is about how many lines go in one chunk.
	ChunkLines int
	// Year is assumed for timestamps that carry none: the year the job was
	// submitted, not the year a retry happens to run in.
	Year int
}

// AnalysisSettings returns the job's settings: the same for every attempt.
func (j *Job) AnalysisSettings() AnalysisSettings {
	return SettingsOf(j.Options.ChunkLines, j.SubmittedAt)
}

// SettingsOf returns the settings of a job submitted at the given time
// with the given chunk size (0 for DefaultChunkLines).
func SettingsOf(chunkLines int, submittedAt time.Time) AnalysisSettings {
	if chunkLines <= 0 {
		chunkLines = DefaultChunkLines
	}
	return AnalysisSettings{ChunkLines: chunkLines, Year: submittedAt.UTC().Year()}
}

// CanResume reports whether an attempt with the given engine may go on with
// the job. Chunks are only reproducible by the engine that cut them, so a job
// half done by one version is never finished by another (a retry after a
// deploy, or a twin delivery on another release).
func (j *Job) CanResume(engine string) bool {
	return j.Chunks == 0 || j.AnalyzerVersion == "" || j.AnalyzerVersion == engine
}

// Start records that an attempt began. It returns ErrJobFinished for a
// finished job and ECONFLICT when the attempt's engine cannot resume it.
func (j *Job) Start(a Attempt, at time.Time) error {
	if err := j.checkAttempt(a); err != nil {
		return err
	}
	if a.Part > 0 {
		if _, err := j.checkPart(a); err != nil {
			return err
		}
	}
	return j.record(j.versionID(events.TypeJobStarted),
		&events.JobStarted{Part: a.Part, Attempt: a.Number, Worker: a.Worker, At: at.UTC()}, j.metadata(a), at)
}

// RecordChunk records what the analysis found in the job's next chunk. A
// chunk recorded already, by an earlier attempt or a twin delivery, is
// recorded nothing for; a chunk past the next one is an error, since chunks
// are recorded in file order. It returns ErrJobFinished for a finished job
// and ECONFLICT when the attempt's engine cannot resume it.
func (j *Job) RecordChunk(a Attempt, c Chunk, at time.Time) error {
	if err := j.checkAttempt(a); err != nil {
		return err
	}
	n, next, key := c.Lines.Chunk, j.Chunks, fmt.Sprintf("chunk-%d/", c.Lines.Chunk)
	last := j.lastLine
	if c.Lines.Part != a.Part {
		return fmt.Errorf("job %s: an attempt at part %d records a chunk of part %d", j.ID, a.Part, c.Lines.Part)
	}
	if a.Part > 0 {
		p, err := j.checkPart(a)
		if err != nil {
			return err
		}
		next, key, last = p.Chunks, fmt.Sprintf("part-%d/chunk-%d/", a.Part, n), p.lastLine
	}
	switch {
	case n == next-1 && last > 0 && c.Lines.LastLine != last:
		return cutOtherwise(n, last, c.Lines.LastLine)
	case n < next:
		return nil
	case n > next:
		return fmt.Errorf("job %s: chunk %d comes before chunk %d was recorded", j.ID, n, next)
	}
	md := j.metadata(a)
	if err := j.record(events.DeterministicID(j.stream(), key+events.TypeLinesParsed), &c.Lines, md, at); err != nil {
		return err
	}
	if len(c.Errors) == 0 {
		return nil
	}
	return j.record(events.DeterministicID(j.stream(), key+events.TypeErrorsDetected),
		&events.ErrorsDetected{Part: a.Part, Chunk: n, Groups: capGroups(c.Errors)}, md, at)
}

// cutOtherwise refuses the repeat of a job's last recorded chunk that ends
// at another line than the chunk recorded: an attempt whose read of the file
// ended early (a short read that looked like the file's end) recorded its
// last chunk short, and skipping the whole chunk now, as a repeat, would lose
// the lines between the two ends without a trace. Chunks before the last
// end where a chunk's line count puts them, whatever the read, so only the
// last can differ; its line is compared, not its bytes, since where a
// chunk of a gzip file ends in the compressed bytes depends on the reads.
// The stream cannot be mended, so the job fails.
func cutOtherwise(chunk int, recorded, now int64) error {
	return Errorf(ECONFLICT, "the file read differently on a retry: chunk %d was recorded ending at line %d, "+
		"and now ends at line %d; upload the file again", chunk, recorded, now)
}

// Complete records that every chunk of the job was analysed: chunks is how
// many the attempt's analysis cut, took how long it ran. It returns an error
// when the job holds another number of chunks, EINTERNAL when a job analysed
// whole was not read exactly to its file's last byte (see notReadWhole),
// ErrJobFinished for a finished job and ECONFLICT when the attempt's engine
// cannot resume it.
func (j *Job) Complete(a Attempt, chunks int, took time.Duration, at time.Time) error {
	if err := j.checkAttempt(a); err != nil {
		return err
	}
	switch {
	case j.Uploading():
		return ErrUploading
	case j.Planned() && !j.Merged:
		return fmt.Errorf("job %s: its parts' groups are not joined yet", j.ID)
	case chunks != j.Chunks:
		return fmt.Errorf("job %s: the analysis cut %d chunks, but %d are recorded", j.ID, chunks, j.Chunks)
	case !j.Planned() && j.BytesRead != j.Size:
		// A blob store that ended a read early without an error, an
		// engine that stopped early, or a reader of a followed upload
		// that took a pause in it for its end would leave the job short.
		// The parts of a planned job are each checked (CompletePart).
		return notReadWhole("file", j.BytesRead, j.Size)
	}
	return j.record(events.DeterministicID(j.stream(), events.TypeJobCompleted), &events.JobCompleted{
		Chunks: j.Chunks, Lines: j.Lines, Entries: j.Entries, Bytes: j.Bytes,
		DurationMS: took.Milliseconds(), AnalyzerVersion: a.Engine, At: at.UTC(),
	}, j.metadata(a), at)
}

// notReadWhole is the error of an analysis that read other than the size
// bytes of what it analysed, a file or a part: counts that miss part of the
// file, or go past its end, must not complete a job. The bytes
// compare like with like for any file: the engine reports how far into the
// stored bytes it has read (for gzip, the compressed offset it reached, the
// whole compressed file at its end; it refuses a gzip file that holds no
// text, of which it would cut no chunk), and a stored file is never empty.
// The code is EINTERNAL, so the attempt is retried (a short read may not
// recur) and a failure that lasts ends the job with this message.
func notReadWhole(what string, read, size int64) error {
	return Errorf(EINTERNAL, "the analysis did not read the whole %s: it read %d bytes where the %s holds %d",
		what, read, what, size)
}

// Fail records that an attempt's failure ends the job: the cause cannot be
// helped by a retry, or retried says the retries are exhausted. The reason
// kept for the job's owner is the cause's message for users (see
// ErrorMessage), or the kind of failure, never its internals. It returns ErrJobFinished for a
// finished job.
func (j *Job) Fail(a Attempt, cause error, retried bool, at time.Time) error {
	if j.Status.Terminal() {
		return ErrJobFinished
	}
	code, reason := failureOf(cause)
	if retried {
		reason = fmt.Sprintf("gave up after %d attempts: %s", a.Number, reason)
	}
	if a.Part > 0 {
		reason = fmt.Sprintf("part %d of %d: %s", a.Part, len(j.Parts), reason)
	}
	return j.record(events.DeterministicID(j.stream(), events.TypeJobFailed), &events.JobFailed{
		Part: a.Part, Reason: reason, Code: code, Attempt: a.Number, Retryable: retried, At: at.UTC(),
	}, j.metadata(a), at)
}

// LoseTask records that the job will not complete because its task ended
// without it, as the reconciler found: the task of the numbered part, for a
// job analysed in parts (0 for the job's own task), and attempt the number
// of the task's last attempt, 0 when it never started. It returns ErrJobFinished for a
// finished job.
func (j *Job) LoseTask(loss TaskLoss, part, attempt int, at time.Time) error {
	if j.Status.Terminal() {
		return ErrJobFinished
	}
	reason := loss.reason()
	if part > 0 {
		reason = fmt.Sprintf("part %d of %d: %s", part, len(j.Parts), reason)
	}
	return j.record(events.DeterministicID(j.stream(), events.TypeJobFailed), &events.JobFailed{
		Reason: reason, Code: CodeTaskLost, Part: part, Attempt: attempt, At: at.UTC(),
	}, events.Metadata{CorrelationID: j.CorrelationID, CausationID: j.SubmittedEventID.String(),
		Actor: ReconcilerActor}, at)
}

// checkAttempt refuses an attempt at a finished job, or one whose engine
// cannot resume the job.
func (j *Job) checkAttempt(a Attempt) error {
	switch {
	case j.Status.Terminal():
		return ErrJobFinished
	case !j.CanResume(a.Engine):
		return Errorf(ECONFLICT, "the analysis engine changed from %s to %s while this job was half done, "+
			"so it cannot resume; upload the file again", j.AnalyzerVersion, a.Engine)
	}
	return nil
}

func (j *Job) metadata(a Attempt) events.Metadata {
	return events.Metadata{CorrelationID: j.CorrelationID, CausationID: j.SubmittedEventID.String(),
		Actor: "worker " + a.Worker, AnalyzerVersion: a.Engine}
}

func (j *Job) stream() string { return events.JobStream(j.ID) }

// versionID is the id of an event that may be recorded more than once in a
// job's life, such as JobStarted: it is derived from the version the event
// takes, so the same decision appended twice is recognised as one.
func (j *Job) versionID(eventType string) uuid.UUID {
	return events.DeterministicID(j.stream(), fmt.Sprintf("v%d/%s", j.Version+1, eventType))
}

// record encodes a decided event, applies it to the state and keeps it to
// be saved.
func (j *Job) record(id uuid.UUID, p events.Payload, md events.Metadata, at time.Time) error {
	e, err := events.New(id, p, md)
	if err != nil {
		return err
	}
	rec := events.Record{Event: e, StreamID: j.stream(), Version: j.Version + 1, RecordedAt: at.UTC()}
	if err := j.ApplyDecoded(rec, p); err != nil {
		return err
	}
	j.changes = append(j.changes, e)
	return nil
}
