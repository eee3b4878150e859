package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// UnfinishedJobs lists the jobs a Reconciler looks at. The read model
// implements it; it may lag the event store, which the reconciler tolerates
// because it folds each job's stream before deciding anything.
type UnfinishedJobs interface {
	// UnfinishedJobs returns the ids of up to limit jobs that are queued or
	// processing and were submitted before olderThan, in ascending job id
	// order, starting after the id after (uuid.Nil for the first page). The
	// reconciler reads pages until one is short, so a backlog of jobs that
	// are merely waiting cannot hide a lost one behind them.
	UnfinishedJobs(ctx context.Context, olderThan time.Time, after uuid.UUID, limit int) ([]uuid.UUID, error)
}

// Reconciler defaults.
const (
	// DefaultReconcileGrace leaves a job alone for two minutes after its
	// upload, which is ample for the dispatcher to enqueue it.
	DefaultReconcileGrace = 2 * time.Minute
	// DefaultReconcilePage is how many job ids one read of UnfinishedJobs
	// asks for.
	DefaultReconcilePage = 100
)

// Reconciler settles jobs that would otherwise stay queued or processing
// forever because asynq no longer runs their task. asynq archives a task
// whose worker was killed on its last attempt without calling the handler,
// so nothing records the failure, and the archived task keeps the job's id,
// so the job cannot be enqueued again; a task deleted by an operator or lost
// with Redis is never enqueued again either, since the dispatcher's
// checkpoint has passed the job's JobSubmitted. For each unfinished job a
// pass looks up its task:
//
//   - archived: appends JobFailed (code task_lost, not retryable) at the
//     job's stream version, so it is recorded once even when several serve
//     processes reconcile at the same time;
//   - missing (or its whole queue): enqueues the job again; the handler
//     resumes after the chunks already recorded;
//   - pending, active, scheduled, waiting for a retry: leaves it to asynq;
//   - completed while the job is unfinished: logs a warning and leaves it.
//     The handler returns nil only once the job is finished, so this is a
//     bug; when asynq drops the task after Retention the job is found
//     missing and enqueued again, and the handler resumes it.
//
// It is safe to run in every serve process.
type Reconciler struct {
	unfinished UnfinishedJobs
	jobs       *domain.Jobs
	queue      *Queue
	inspector  *asynq.Inspector
	log        *slog.Logger
	// Grace is how long after its upload a job is left alone, so that a job
	// the dispatcher has not enqueued yet is not enqueued a second time.
	Grace time.Duration
	// PageSize is how many job ids one read of UnfinishedJobs asks for.
	PageSize int
	// Metrics, when set, counts the jobs it fails.
	Metrics *Metrics
}

// NewReconciler returns a reconciler of the jobs listed by jobs, whose
// streams are in store and whose tasks go to queue, which inspector must
// reach in the same Redis.
func NewReconciler(jobs UnfinishedJobs, store events.Store, queue *Queue, inspector *asynq.Inspector, log *slog.Logger) *Reconciler {
	return &Reconciler{unfinished: jobs, jobs: domain.NewJobs(store), queue: queue, inspector: inspector, log: log,
		Grace: DefaultReconcileGrace, PageSize: DefaultReconcilePage}
}

// Report counts what one pass of a Reconciler did.
type Report struct {
	// Checked counts the jobs the pass looked at.
	Checked int
	// Skipped counts jobs found finished (the read model lagged) or
	// submitted within the grace period.
	Skipped int
	// Failed counts jobs marked failed because their task was archived.
	Failed int
	// Requeued counts jobs enqueued again because their task was gone.
	Requeued int
	// Left counts jobs whose task asynq still holds in a live state.
	Left int
	// Errors counts jobs the pass could not settle; they are logged.
	Errors int
}

// outcome is what a pass did with one job.
type outcome int

const (
	outcomeSkipped outcome = iota
	outcomeFailed
	outcomeRequeued
	outcomeLeft
)

func (r *Report) count(o outcome) {
	switch o {
	case outcomeSkipped:
		r.Skipped++
	case outcomeFailed:
		r.Failed++
	case outcomeRequeued:
		r.Requeued++
	case outcomeLeft:
		r.Left++
	}
}

// Run reconciles at once and then every interval until ctx is done. A
// failing pass is logged at error level once per streak of failures.
func (r *Reconciler) Run(ctx context.Context, every time.Duration) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	failing := false
	for {
		rep, err := r.ReconcileOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		failing = r.logPass(rep, err, failing)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// logPass logs a pass's result and returns whether it failed.
func (r *Reconciler) logPass(rep Report, err error, failingBefore bool) bool {
	args := []any{"checked", rep.Checked, "failed", rep.Failed, "requeued", rep.Requeued, "left", rep.Left}
	switch {
	case err != nil && !failingBefore:
		r.log.Error("job reconciliation failed; will try again", append(args, "err", err)...)
	case err != nil:
		r.log.Debug("job reconciliation still failing", append(args, "err", err)...)
	case failingBefore:
		r.log.Info("job reconciliation works again", args...)
	case rep.Failed+rep.Requeued > 0:
		r.log.Info("jobs reconciled", args...)
	default:
		r.log.Debug("jobs reconciled", args...)
	}
	return err != nil
}

// pass is the state of one ReconcileOnce.
type pass struct {
	Report
	cutoff   time.Time
	firstErr error
}

// ReconcileOnce looks at every job unfinished for longer than the grace
// period and settles those whose task asynq lost. It stops at the first job
// whose task it cannot look up or enqueue, with an error of code
// EUNAVAILABLE, having appended nothing for that job. Any other failure is
// logged and counted against its job alone; the pass goes on and returns an
// error naming the first one.
func (r *Reconciler) ReconcileOnce(ctx context.Context) (Report, error) {
	p := &pass{cutoff: time.Now().Add(-r.Grace)}
	err := r.eachUnfinished(ctx, p.cutoff, func(id uuid.UUID) error { return r.check(ctx, p, id) })
	if err == nil && p.firstErr != nil {
		err = fmt.Errorf("reconcile: %d of %d jobs not settled; first: %w", p.Errors, p.Checked, p.firstErr)
	}
	return p.Report, err
}

// eachUnfinished calls fn with the id of each job UnfinishedJobs lists,
// page after page, until fn returns an error.
func (r *Reconciler) eachUnfinished(ctx context.Context, cutoff time.Time, fn func(uuid.UUID) error) error {
	size := r.PageSize
	if size <= 0 {
		size = DefaultReconcilePage
	}
	var after uuid.UUID
	for {
		ids, err := r.unfinished.UnfinishedJobs(ctx, cutoff, after, size)
		if err != nil {
			return fmt.Errorf("reconcile: list unfinished jobs: %w", err)
		}
		for _, id := range ids {
			if err := fn(id); err != nil {
				return err
			}
		}
		if len(ids) < size {
			return nil
		}
		after = ids[len(ids)-1]
	}
}

// check settles one job and counts the outcome. It returns an error only
// when the pass must stop: the queue is unreachable or ctx is done.
func (r *Reconciler) check(ctx context.Context, p *pass, id uuid.UUID) error {
	p.Checked++
	o, err := r.settle(ctx, id, p.cutoff)
	if err == nil {
		p.count(o)
		return nil
	}
	err = fmt.Errorf("reconcile job %s: %w", id, err)
	if domain.ErrorCode(err) == domain.EUNAVAILABLE || ctx.Err() != nil {
		return err
	}
	p.Errors++
	if p.firstErr == nil {
		p.firstErr = err
	}
	r.log.Error("cannot reconcile job", "job", id, "err", err)
	return nil
}

// settle decides what one job needs and does it. The task is looked up
// before the stream is folded: the handler appends a job's last event
// before asynq marks its task completed or archived, so a fold that follows
// the lookup sees every event that led to the task's state. When a failure
// cannot be appended because the stream moved, it looks again.
func (r *Reconciler) settle(ctx context.Context, id uuid.UUID, cutoff time.Time) (outcome, error) {
	for try := 0; ; try++ {
		info, err := r.task(id)
		if err != nil {
			return 0, err
		}
		job, err := r.jobs.Load(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("load job: %w", err)
		}
		switch {
		case job.Status.Terminal() || !job.SubmittedAt.Before(cutoff):
			return outcomeSkipped, nil
		case info == nil:
			return outcomeRequeued, r.requeue(ctx, job)
		case info.State != asynq.TaskStateArchived:
			r.leave(job, info)
			return outcomeLeft, nil
		}
		err = r.fail(ctx, job, info)
		if !errors.Is(err, events.ErrConcurrency) || try == maxFailTries {
			return outcomeFailed, err
		}
	}
}

// task returns the job's task, or nil when asynq has neither it nor its
// queue. It returns EUNAVAILABLE when Redis cannot be reached.
func (r *Reconciler) task(id uuid.UUID) (*asynq.TaskInfo, error) {
	info, err := r.inspector.GetTaskInfo(r.queue.name, id.String())
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return nil, nil
	case err != nil:
		return nil, domain.Wrap(fmt.Errorf("look up task: %w", err), domain.EUNAVAILABLE,
			"the job queue (Redis) cannot be reached")
	}
	return info, nil
}

// requeue enqueues a job whose task is gone. A task the dispatcher enqueued
// meanwhile makes it a no-op.
func (r *Reconciler) requeue(ctx context.Context, job *domain.Job) error {
	if err := r.queue.EnqueueJob(ctx, job.ID, job.Size); err != nil {
		return fmt.Errorf("enqueue again: %w", err)
	}
	r.log.Warn("enqueued a job again: its task was gone", "job", job.ID, "status", job.Status,
		"chunks_recorded", job.Chunks)
	return nil
}

func (r *Reconciler) leave(job *domain.Job, info *asynq.TaskInfo) {
	if info.State == asynq.TaskStateCompleted {
		r.log.Warn("job unfinished although its task completed; left until asynq drops the task",
			"job", job.ID, "status", job.Status, "completed_at", info.CompletedAt, "retention", info.Retention)
	}
}

// maxFailTries bounds how often settle looks again at a job whose stream
// moved while it recorded the job's failure.
const maxFailTries = 10

// fail records that the job will not complete because asynq archived its
// task. It returns an error wrapping events.ErrConcurrency when the stream
// moved since job was folded.
func (r *Reconciler) fail(ctx context.Context, job *domain.Job, info *asynq.TaskInfo) error {
	now := time.Now()
	if err := job.LoseTask(lossOf(info), archivedAttempt(job, info), now); err != nil {
		return err
	}
	if err := r.jobs.Save(ctx, job); err != nil {
		return fmt.Errorf("record failure: %w", err)
	}
	r.Metrics.jobFinished(job, now)
	r.log.Warn("job failed: its task was archived before the job finished", "job", job.ID,
		"task_retried", info.Retried, "task_last_error", info.LastErr)
	return nil
}

// lossOf tells from what asynq recorded last how the job's task stopped.
func lossOf(info *asynq.TaskInfo) domain.TaskLoss {
	switch info.LastErr {
	case asynq.ErrLeaseExpired.Error():
		return domain.LostWorker
	case "":
		return domain.LostByOperator
	default:
		return domain.LostUnrecorded
	}
}

// archivedAttempt is the number of the task's last attempt as best known:
// asynq counts the retries before it, and 0 means the job never started.
// It is one too high when an operator archived a task waiting for a retry.
func archivedAttempt(job *domain.Job, info *asynq.TaskInfo) int {
	if job.Attempts == 0 {
		return 0
	}
	return info.Retried + 1
}
