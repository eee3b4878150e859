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

// Handler is the asynq handler of TypeAnalyzeJob. It does the I/O of a job's
// analysis: it loads the job, opens its file, streams it through the
// analyzer and saves what the job's commands decide. Whether a job runs,
// resumes, skips a chunk, completes or fails is the job's to decide.
type Handler struct {
	jobs     *domain.Jobs
	blobs    domain.BlobStore
	analyzer Analyzer
	log      *slog.Logger
	// Name identifies this worker process in JobStarted events.
	Name string
	// Metrics, when set, counts finished jobs and the analysis' work.
	Metrics *Metrics
}

// NewHandler returns a handler that reads files from blobs, analyses them
// and records the results in store.
func NewHandler(store events.Store, blobs domain.BlobStore, analyzer Analyzer, log *slog.Logger) *Handler {
	host, _ := os.Hostname()
	return &Handler{jobs: domain.NewJobs(store), blobs: blobs, analyzer: analyzer, log: log,
		Name: fmt.Sprintf("%s:%d", host, os.Getpid())}
}

// ProcessTask implements asynq.Handler.
func (h *Handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	jobID, err := parsePayload(t)
	if err != nil {
		h.log.Error("dropping malformed task", "err", err)
		return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
	}
	run := &jobRun{Handler: h, id: jobID,
		attempt: domain.Attempt{Number: attempt(ctx), Worker: h.Name, Engine: h.analyzer.Version()}}
	err = run.do(ctx)
	log := h.log.With("job", jobID, "attempt", run.attempt.Number)
	switch {
	case err == nil:
		log.Info("job completed", "chunks", run.chunks, "lines", run.job.Lines)
		return nil
	case errors.Is(err, domain.ErrJobFinished):
		log.Info("job already finished; nothing to do")
		return nil
	case errors.Is(ctx.Err(), context.Canceled):
		log.Info("job interrupted; it will resume", "chunks_recorded", run.recorded())
		return err
	case domain.Permanent(err):
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
	attempt domain.Attempt
	job     *domain.Job
	// chunks counts the chunks this run's analysis cut, recorded now or
	// before.
	chunks int
}

func (r *jobRun) do(ctx context.Context) error {
	err := r.patiently(ctx, func() (err error) {
		r.job, err = r.jobs.Load(ctx, r.id)
		return err
	})
	if err != nil {
		return err
	}
	job := r.job
	if err := r.update(ctx, func(j *domain.Job) error { return j.Start(r.attempt, time.Now()) }); err != nil {
		return err
	}
	start := time.Now()
	blob, err := r.blobs.Open(ctx, job.BlobKey)
	if err != nil {
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return domain.Wrap(err, domain.ENOTFOUND, "the uploaded file is no longer in the blob store")
		}
		return fmt.Errorf("open file of job %s: %w", r.id, err)
	}
	defer blob.Close()
	err = r.analyzer.Analyze(ctx, blob, job.AnalysisSettings(), func(c domain.Chunk) error {
		r.chunks = c.Lines.Chunk + 1
		r.Metrics.chunkAnalysed(c)
		err := r.update(ctx, func(j *domain.Job) error { return j.RecordChunk(r.attempt, c, time.Now()) })
		if err != nil {
			return fmt.Errorf("record chunk %d of job %s: %w", c.Lines.Chunk, r.id, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	took := time.Since(start)
	r.Metrics.analysed(took)
	now := time.Now()
	if err := r.update(ctx, func(j *domain.Job) error { return j.Complete(r.attempt, r.chunks, took, now) }); err != nil {
		return err
	}
	r.Metrics.jobFinished(r.job, now)
	return nil
}

// update runs a command on the job and saves it; a twin delivery that moved
// the stream makes the job decide again on what the twin recorded, and an
// event store that went away is waited for.
func (r *jobRun) update(ctx context.Context, command func(*domain.Job) error) error {
	return r.patiently(ctx, func() error { return r.jobs.Update(ctx, r.job, command) })
}

func (r *jobRun) recorded() int {
	if r.job == nil {
		return 0
	}
	return r.job.Chunks
}

// fail records that the job will not complete. It loads the job afresh, as
// the failure may have left the run's copy behind the stream, and uses a
// context of its own: the task's may be past its deadline.
func (r *jobRun) fail(ctx context.Context, cause error, retried bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	job, err := r.jobs.Load(ctx, r.id)
	now := time.Now()
	if err == nil {
		err = r.jobs.Update(ctx, job, func(j *domain.Job) error { return j.Fail(r.attempt, cause, retried, now) })
	}
	if err == nil {
		r.Metrics.jobFinished(job, now)
	}
	if err != nil && !errors.Is(err, domain.ErrJobFinished) && domain.ErrorCode(err) != domain.ENOTFOUND {
		r.log.Error("cannot record job failure", "job", r.id, "err", err)
	}
}
