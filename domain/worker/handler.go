package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// Handler is the asynq handler of TypeAnalyzeJob.
type Handler struct {
	store    events.Store
	blobs    domain.BlobStore
	analyzer Analyzer
	log      *slog.Logger
	// Name identifies this worker process in JobStarted events.
	Name string
}

// NewHandler returns a handler that reads files from blobs, analyses them
// and records the results in store.
func NewHandler(store events.Store, blobs domain.BlobStore, analyzer Analyzer, log *slog.Logger) *Handler {
	host, _ := os.Hostname()
	return &Handler{store: store, blobs: blobs, analyzer: analyzer, log: log,
		Name: fmt.Sprintf("%s:%d", host, os.Getpid())}
}

// errJobFinished stops a task whose job is already completed or failed.
var errJobFinished = errors.New("job already finished")

// ProcessTask implements asynq.Handler.
func (h *Handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	jobID, err := parsePayload(t)
	if err != nil {
		h.log.Error("dropping malformed task", "err", err)
		return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
	}
	run := &jobRun{Handler: h, id: jobID, stream: events.JobStream(jobID), attempt: attempt(ctx)}
	err = run.do(ctx)
	log := h.log.With("job", jobID, "attempt", run.attempt)
	switch {
	case err == nil:
		log.Info("job completed", "chunks", run.chunks, "lines", run.lines)
		return nil
	case errors.Is(err, errJobFinished):
		log.Info("job already finished; nothing to do")
		return nil
	case errors.Is(ctx.Err(), context.Canceled):
		log.Info("job interrupted; it will resume", "chunks_recorded", run.done)
		return err
	case permanent(err):
		log.Warn("job failed", "err", err)
		run.fail(ctx, err, false)
		return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
	case lastAttempt(ctx):
		log.Error("job failed on its last attempt", "err", err)
		run.fail(ctx, err, true)
		return err
	default:
		log.Warn("job attempt failed; it will be retried", "err", err)
		return err
	}
}

// permanent reports whether retrying cannot help: the file is unreadable or
// gone, or the job cannot resume.
func permanent(err error) bool {
	code := domain.ErrorCode(err)
	return code == domain.EUNSUPPORTED || code == domain.ENOTFOUND || code == domain.EINVALID || code == domain.ECONFLICT
}

func attempt(ctx context.Context) int {
	n, _ := asynq.GetRetryCount(ctx)
	return n + 1
}

func lastAttempt(ctx context.Context) bool {
	n, ok1 := asynq.GetRetryCount(ctx)
	max, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && n >= max
}

// jobRun is one attempt at one job.
type jobRun struct {
	*Handler
	id      uuid.UUID
	stream  string
	attempt int
	job     *domain.Job
	// version is the stream's version as this run knows it; done is the
	// number of chunks already recorded.
	version int64
	done    int
	// chunks and the totals count what this run's analysis produced,
	// recorded now or before.
	chunks                int
	lines, entries, bytes int64
}

func (r *jobRun) do(ctx context.Context) error {
	if err := r.reload(ctx); err != nil {
		return err
	}
	if err := r.appendStarted(ctx); err != nil {
		return err
	}
	start := time.Now()
	blob, err := r.blobs.Open(ctx, r.job.BlobKey)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return domain.Wrap(err, domain.ENOTFOUND, "the uploaded file is no longer in the blob store")
		}
		return fmt.Errorf("open file of job %s: %w", r.id, err)
	}
	defer blob.Close()
	settings := Settings{ChunkLines: r.job.Options.ChunkLines, Year: r.job.SubmittedAt.UTC().Year()}
	if settings.ChunkLines <= 0 {
		settings.ChunkLines = domain.DefaultChunkLines
	}
	if err := r.analyzer.Analyze(ctx, blob, settings, func(c Chunk) error { return r.record(ctx, c) }); err != nil {
		return err
	}
	return r.appendCompleted(ctx, time.Since(start))
}

// reload folds the job's stream and fails with errJobFinished if the job is
// finished.
func (r *jobRun) reload(ctx context.Context) error {
	job, err := domain.LoadJob(ctx, r.store, r.id, 0)
	if err != nil {
		return err
	}
	r.job, r.version, r.done = job, job.Version, job.Chunks
	if job.Status.Terminal() {
		return errJobFinished
	}
	if v := job.AnalyzerVersion; job.Chunks > 0 && v != "" && v != r.analyzer.Version() {
		// Chunks are only reproducible by the engine that cut them: never
		// finish a job another version began (a retry after a deploy, or a
		// twin delivery on a newer worker).
		return domain.Errorf(domain.ECONFLICT, "the analysis engine changed from %s to %s while this job was "+
			"half done, so it cannot resume; upload the file again", v, r.analyzer.Version())
	}
	return nil
}

func (r *jobRun) metadata() events.Metadata {
	return events.Metadata{CorrelationID: r.job.CorrelationID, CausationID: r.job.SubmittedEventID.String(),
		Actor: "worker " + r.Name, AnalyzerVersion: r.analyzer.Version()}
}

// appendStarted records the attempt.
func (r *jobRun) appendStarted(ctx context.Context) error {
	e, err := events.New(uuid.New(), &events.JobStarted{Attempt: r.attempt, Worker: r.Name, At: time.Now().UTC()}, r.metadata())
	if err != nil {
		return err
	}
	return r.appendAt(ctx, []events.Event{e}, nothingYet)
}

// record appends a chunk's events unless an earlier attempt, or a twin
// delivery of this task, recorded them. Event ids are derived from the chunk
// index, so the same chunk appended twice is recognised as one.
func (r *jobRun) record(ctx context.Context, c Chunk) error {
	r.chunks = c.Lines.Chunk + 1
	r.lines, r.entries, r.bytes = r.lines+c.Lines.Lines, r.entries+c.Lines.Entries, r.bytes+c.Lines.Bytes
	if c.Lines.Chunk < r.done {
		return nil
	}
	evs, err := r.chunkEvents(c)
	if err != nil {
		return err
	}
	if err := r.appendAt(ctx, evs, func() bool { return r.done > c.Lines.Chunk }); err != nil {
		return fmt.Errorf("record chunk %d of job %s: %w", c.Lines.Chunk, r.id, err)
	}
	r.done = max(r.done, c.Lines.Chunk+1)
	return nil
}

// appendAt appends evs at the version the run knows. When the stream has
// moved (a twin delivery appended), it folds the job again, which fails with
// errJobFinished once the job is finished, and tries again at the new version
// unless recorded says the twin already wrote what evs say.
func (r *jobRun) appendAt(ctx context.Context, evs []events.Event, recorded func() bool) error {
	for try := 0; ; try++ {
		v, err := r.store.AppendToStream(ctx, r.stream, r.version, evs...)
		if err == nil {
			r.version = v
			return nil
		}
		if !errors.Is(err, events.ErrConcurrency) || try == maxAppendTries {
			return err
		}
		if err := r.reload(ctx); err != nil {
			return err
		}
		if recorded() {
			return nil
		}
	}
}

// nothingYet is appendAt's recorded for events no twin writes the same.
func nothingYet() bool { return false }

// maxAppendTries bounds the retries of an append that keeps meeting a moved
// stream.
const maxAppendTries = 10

func (r *jobRun) chunkEvents(c Chunk) ([]events.Event, error) {
	md := r.metadata()
	key := fmt.Sprintf("chunk-%d/", c.Lines.Chunk)
	lines, err := events.New(events.DeterministicID(r.stream, key+events.TypeLinesParsed), &c.Lines, md)
	if err != nil || len(c.Errors) == 0 {
		return []events.Event{lines}, err
	}
	errs, err := events.New(events.DeterministicID(r.stream, key+events.TypeErrorsDetected),
		&events.ErrorsDetected{Chunk: c.Lines.Chunk, Groups: c.Errors}, md)
	return []events.Event{lines, errs}, err
}

func (r *jobRun) appendCompleted(ctx context.Context, took time.Duration) error {
	e, err := events.New(events.DeterministicID(r.stream, events.TypeJobCompleted), &events.JobCompleted{
		Chunks: r.chunks, Lines: r.lines, Entries: r.entries, Bytes: r.bytes,
		DurationMS: took.Milliseconds(), AnalyzerVersion: r.analyzer.Version(), At: time.Now().UTC(),
	}, r.metadata())
	if err != nil {
		return err
	}
	return r.appendAt(ctx, []events.Event{e}, nothingYet)
}

// fail records that the job will not complete. It uses a context of its own:
// the task's may be past its deadline.
func (r *jobRun) fail(ctx context.Context, cause error, retried bool) {
	if r.job == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	// The reason is shown to the job's owner and kept for good: it says
	// what a user can act on, never the internals, which the log has.
	reason := domain.ErrorMessage(cause)
	if retried {
		reason = fmt.Sprintf("gave up after %d attempts: %s", r.attempt, reason)
	}
	e, err := events.New(uuid.New(), &events.JobFailed{Reason: reason, Code: domain.ErrorCode(cause),
		Attempt: r.attempt, Retryable: retried, At: time.Now().UTC()}, r.metadata())
	if err == nil {
		err = r.appendAt(ctx, []events.Event{e}, nothingYet)
	}
	if err != nil && !errors.Is(err, errJobFinished) {
		r.log.Error("cannot record job failure", "job", r.id, "err", err)
	}
}
