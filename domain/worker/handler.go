package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	// PartBytes is the size of the parts a large file is analysed in, each
	// a task of its own for any worker, and Parts enqueues them; a file
	// under two parts is analysed whole, and so is every file when either
	// is unset.
	PartBytes int64
	Parts     PartQueue
	// FollowStall and VerdictWait bound the waits of a worker following an
	// upload (follow.go); FollowStall and UploadVerdictWait when 0.
	FollowStall time.Duration
	VerdictWait time.Duration
	// followers holds a token per task following an upload; nil for no
	// bound (see SetFollowSlots).
	followers chan struct{}
	// writers gives the tasks of one job here turns at appending.
	writers jobWriters
	// folds keeps the folds of the jobs this worker's tasks ended with
	// (folds.go).
	folds recentFolds
}

// SetFollowSlots bounds the tasks of this worker that follow an upload at
// once (follow.go); n <= 0 lifts the bound.
func (h *Handler) SetFollowSlots(n int) {
	h.followers = nil
	if n > 0 {
		h.followers = make(chan struct{}, n)
	}
}

// PartQueue enqueues the tasks of a job's parts.
type PartQueue interface {
	// EnqueuePart schedules the analysis of a part of size bytes; a part
	// whose task exists already is left to it. It returns EUNAVAILABLE
	// when the queue cannot be reached.
	EnqueuePart(ctx context.Context, jobID uuid.UUID, part int, size int64) error
}

// NewHandler returns a handler that reads files from blobs, analyses them
// and records the results in store.
func NewHandler(store events.Store, blobs domain.BlobStore, analyzer Analyzer, log *slog.Logger) *Handler {
	host, _ := os.Hostname()
	return &Handler{jobs: domain.NewBriefJobs(store), blobs: blobs, analyzer: analyzer, log: log,
		Name: fmt.Sprintf("%s:%d", host, os.Getpid())}
}

// ProcessTask implements asynq.Handler.
func (h *Handler) ProcessTask(ctx context.Context, t *asynq.Task) error {
	payload, err := parsePayload(t)
	if err != nil {
		h.log.Error("dropping malformed task", "err", err)
		return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
	}
	run := &jobRun{Handler: h, id: payload.JobID, attempt: domain.Attempt{Number: attempt(ctx), Worker: h.Name,
		Engine: h.analyzer.Version(), Part: payload.Part}, turn: h.writers.join(payload.JobID)}
	defer h.writers.leave(payload.JobID, run.turn)
	err = run.do(ctx)
	if err == nil && run.job != nil && !run.job.Status.Terminal() {
		// Every command of the run was saved: the next task of the job
		// here folds on from where this one ended.
		h.folds.keep(run.job)
	}
	log := h.log.With("job", payload.JobID, "attempt", run.attempt.Number)
	if payload.Part > 0 {
		log = log.With("part", payload.Part)
	}
	switch {
	case err == nil:
		log.Info(run.outcome, "chunks", run.chunks)
		return nil
	case errors.Is(err, domain.ErrJobFinished):
		log.Info("job already finished; nothing to do")
		return nil
	case errors.Is(err, ErrFollowersBusy):
		log.Debug("put off: this worker follows as many uploads as it may")
		return err
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
	// before; outcome says what the run did, for the log.
	chunks  int
	outcome string
	// turn is the job's turn at appending among its tasks here.
	turn *jobWriter
}

func (r *jobRun) do(ctx context.Context) error {
	kept := r.folds.take(r.id)
	err := r.patiently(ctx, func() (err error) {
		if kept != nil {
			r.job = kept
			return r.jobs.CatchUp(ctx, kept)
		}
		r.job, err = r.jobs.Load(ctx, r.id)
		return err
	})
	switch {
	case err != nil:
		return err
	case r.job.Status.Terminal():
		return domain.ErrJobFinished
	case r.attempt.Part > 0:
		return r.doPart(ctx)
	case r.job.Planned():
		return r.fanOut(ctx)
	}
	planned, err := r.plan(ctx)
	if err != nil || planned {
		return err
	}
	release, err := r.followSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	return r.whole(ctx)
}

// whole analyses the job's file in one stream.
func (r *jobRun) whole(ctx context.Context) error {
	job := r.job
	if err := r.update(ctx, func(j *domain.Job) error { return j.Start(r.attempt, time.Now()) }); err != nil {
		return err
	}
	start := time.Now()
	blob, err := r.openWhole(ctx)
	if err != nil {
		return r.settleUpload(ctx, err)
	}
	defer blob.Close()
	settings := job.AnalysisSettings()
	err = r.analyse(ctx, func(emit func(domain.Chunk) error) error {
		return r.analyzer.Analyze(ctx, blob, settings, emit)
	})
	if err != nil {
		return r.settleUpload(ctx, err)
	}
	if r.job.Uploading() {
		if err := r.awaitUpload(ctx); err != nil {
			return r.settleUpload(ctx, err)
		}
	}
	took := time.Since(start)
	r.Metrics.analysed(took)
	now := time.Now()
	err = r.update(ctx, func(j *domain.Job) error {
		joined, err := r.analyzer.Merge(groupTemplates(j), nil)
		if err != nil {
			return fmt.Errorf("join the error groups of job %s: %w", r.id, err)
		}
		if err := j.JoinGroups(r.attempt, joined, now); err != nil {
			return err
		}
		return j.Complete(r.attempt, r.chunks, took, now)
	})
	if err != nil {
		return err
	}
	r.Metrics.jobFinished(r.job, now)
	r.outcome = "job completed"
	return nil
}

// open opens the job's file, or length bytes of it from offset (-1: all).
func (r *jobRun) open(ctx context.Context, offset, length int64) (io.ReadCloser, error) {
	var blob io.ReadCloser
	var err error
	if length < 0 {
		blob, err = r.blobs.Open(ctx, r.job.BlobKey)
	} else {
		blob, err = r.blobs.OpenRange(ctx, r.job.BlobKey, offset, length)
	}
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, domain.Wrap(err, domain.ENOTFOUND, "the uploaded file is no longer in the blob store")
	}
	if err != nil {
		return nil, fmt.Errorf("open file of job %s: %w", r.id, err)
	}
	return blob, nil
}

// update runs a command on the job and saves it; a twin delivery that moved
// the stream makes the job decide again on what the twin recorded, and an
// event store that went away is waited for.
func (r *jobRun) update(ctx context.Context, command func(*domain.Job) error) error {
	return r.patiently(ctx, func() error {
		turn := r.turn
		if err := turn.take(ctx); err != nil {
			return err
		}
		defer turn.give()
		if turn.version > r.job.Version {
			// Another task of the job here appended since this one folded
			// it (writers.go).
			if err := r.jobs.CatchUp(ctx, r.job); err != nil {
				return err
			}
		}
		err := r.jobs.Update(ctx, r.job, command)
		if err == nil {
			// After a failed save the job's version may count events
			// that were not stored.
			turn.version = max(turn.version, r.job.Version)
		}
		return err
	})
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
