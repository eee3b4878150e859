package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
	// DefaultReconcileGrace leaves a job alone for ten seconds after its
	// upload, ample for the dispatcher to enqueue it. Enqueueing a job
	// twice is harmless (the second is a task id conflict); the grace only
	// spares a pass the lookups of jobs just submitted.
	DefaultReconcileGrace = 10 * time.Second
	// DefaultReconcilePage is how many job ids one read of UnfinishedJobs
	// asks for.
	DefaultReconcilePage = 100
)

// Reconciler settles jobs that would otherwise stay queued or processing
// forever, or for minutes, because asynq no longer runs their task. asynq
// archives a task whose worker was killed on its last attempt without
// calling the handler, so nothing records the failure, and the archived
// task keeps the job's id, so the job cannot be enqueued again; a task
// deleted by an operator or lost with Redis is never enqueued again either,
// since the dispatcher's checkpoint has passed the job's JobSubmitted; and
// the task of a worker killed mid-job stays active until asynq's recoverer
// notices, a minute or two later. For each unfinished job a pass looks up
// its task, as it is even after Redis lost its data (see Tasks):
//
//   - archived: appends JobFailed (code task_lost, not retryable) at the
//     job's stream version, so it is recorded once even when several serve
//     processes reconcile at the same time;
//   - missing (or its whole queue): enqueues the job again, unless a live
//     worker still runs it; the handler resumes after the chunks already
//     recorded. A task that turns up meanwhile is looked at again, never
//     counted as enqueued;
//   - active on no live worker server, its lease expired (its worker died
//     or froze): hands it back to the queue at once, or, when the job has
//     had all its attempts, fails the job (a file that kills its worker
//     every time must not loop);
//   - pending, active on a live worker, scheduled, waiting for a retry:
//     leaves it to asynq;
//   - completed while the job is unfinished: logs a warning and leaves it.
//     The handler returns nil only once the job is finished, so this is a
//     bug; when asynq drops the task after Retention the job is found
//     missing and enqueued again, and the handler resumes it.
//
// The task of a job analysed in parts completes once it has planned them.
// Each part not completed is then settled as above by its own task
// (PartTaskID), and the failure of a part's task fails the job, naming the
// part. A job whose parts are all completed but which is not finished, with
// no part's task running to finish it, gets a task that does
// (FinishTaskID).
//
// It is safe to run in every serve process.
type Reconciler struct {
	unfinished UnfinishedJobs
	jobs       *domain.Jobs
	queue      *Queue
	tasks      *Tasks
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
// streams are in store and whose tasks go to queue, which tasks must see in
// the same Redis.
func NewReconciler(jobs UnfinishedJobs, store events.Store, queue *Queue, tasks *Tasks, log *slog.Logger) *Reconciler {
	return &Reconciler{unfinished: jobs, jobs: domain.NewBriefJobs(store), queue: queue, tasks: tasks, log: log,
		Grace: DefaultReconcileGrace, PageSize: DefaultReconcilePage}
}

// Report counts what one pass of a Reconciler did.
type Report struct {
	// Checked counts the jobs the pass looked at.
	Checked int
	// Skipped counts jobs found finished (the read model lagged) or
	// submitted within the grace period.
	Skipped int
	// Failed counts jobs marked failed because their task was archived, or
	// their worker died on their last attempt.
	Failed int
	// Requeued counts jobs enqueued again because their task was gone.
	Requeued int
	// Recovered counts jobs whose task was handed back to the queue
	// because its worker died.
	Recovered int
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
	outcomeRecovered
	outcomeLeft
	// outcomeMoved means the task changed while the pass acted on it: look
	// again.
	outcomeMoved
)

func (r *Report) count(o outcome) {
	switch o {
	case outcomeSkipped:
		r.Skipped++
	case outcomeFailed:
		r.Failed++
	case outcomeRequeued:
		r.Requeued++
	case outcomeRecovered:
		r.Recovered++
	case outcomeLeft:
		r.Left++
	}
}

// Run reconciles at once and then every interval until ctx is done. A
// failing pass is logged at error level once per streak of failures.
func (r *Reconciler) Run(ctx context.Context, every time.Duration) {
	domain.Every(ctx, every, r.ReconcileOnce, r.logPass)
}

// logPass logs a pass's result.
func (r *Reconciler) logPass(rep Report, err error, failingBefore bool) {
	args := []any{"checked", rep.Checked, "failed", rep.Failed, "requeued", rep.Requeued,
		"recovered", rep.Recovered, "left", rep.Left}
	switch {
	case err != nil && !failingBefore:
		r.log.Error("job reconciliation failed; will try again", append(args, "err", err)...)
	case err != nil:
		r.log.Debug("job reconciliation still failing", append(args, "err", err)...)
	case failingBefore:
		r.log.Info("job reconciliation works again", args...)
	case rep.Failed+rep.Requeued+rep.Recovered > 0:
		r.log.Info("jobs reconciled", args...)
	default:
		r.log.Debug("jobs reconciled", args...)
	}
}

// pass is the state of one ReconcileOnce.
type pass struct {
	Report
	cutoff   time.Time
	firstErr error
	// running holds the tasks live worker servers run, read once a pass
	// when first needed.
	running map[string]*asynq.ServerInfo
}

// ReconcileOnce looks at every job unfinished for longer than the grace
// period and settles those whose task asynq lost. It stops at the first job
// whose task it cannot look up or enqueue, with an error of code
// EUNAVAILABLE, having appended nothing for that job. Any other failure is
// logged and counted against its job alone; the pass goes on and returns an
// error naming the first one.
func (r *Reconciler) ReconcileOnce(ctx context.Context) (Report, error) {
	p := &pass{cutoff: time.Now().Add(-r.Grace)}
	if err := r.tasks.Register(ctx); err != nil {
		return p.Report, fmt.Errorf("reconcile: %w", err)
	}
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
	o, err := r.settle(ctx, p, id)
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

// maxSettleTries bounds how often settle looks again at a job whose task
// or stream moved while it acted.
const maxSettleTries = 10

// settle decides what one job needs and does it, looking again when the
// task or the stream moved meanwhile.
func (r *Reconciler) settle(ctx context.Context, p *pass, id uuid.UUID) (outcome, error) {
	for try := 1; ; try++ {
		o, err := r.settleOnce(ctx, p, id)
		if (o != outcomeMoved && !errors.Is(err, events.ErrConcurrency)) || try == maxSettleTries {
			return o, err
		}
	}
}

// settleOnce looks at the job's task and acts on it. The task is looked up
// before the stream is folded: the handler appends a job's last event
// before asynq marks its task completed or archived, so a fold that follows
// the lookup sees every event that led to the task's state. A task asynq
// runs in a live state is left without reading the stream. The task of a
// job analysed in parts completes once it has planned them; the parts'
// tasks are then looked at instead (settleParts).
func (r *Reconciler) settleOnce(ctx context.Context, p *pass, id uuid.UUID) (outcome, error) {
	own := unit{task: id.String()}
	info, err := r.tasks.Lookup(ctx, own.task)
	if err != nil {
		return 0, err
	}
	if waiting(info) {
		return outcomeLeft, nil
	}
	if alive, err := r.alive(ctx, p, own, info); err != nil || alive {
		return outcomeLeft, err
	}
	job, err := r.jobs.Load(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("load job: %w", err)
	}
	if job.Status.Terminal() || !job.SubmittedAt.Before(p.cutoff) {
		return outcomeSkipped, nil
	}
	if job.Planned() && (info == nil || info.State == asynq.TaskStateCompleted) {
		return r.settleParts(ctx, p, job)
	}
	return r.act(ctx, job, own, info)
}

// unit is a task of a job: its own (part 0), a part's, or the one that
// finishes a job whose parts are all completed.
type unit struct {
	part   int
	finish bool
	task   string
}

// waiting reports whether asynq holds the task in a state it moves on by
// itself: pending, scheduled or waiting for a retry.
func waiting(info *asynq.TaskInfo) bool {
	return info != nil && info.State != asynq.TaskStateArchived && info.State != asynq.TaskStateActive &&
		info.State != asynq.TaskStateCompleted
}

// alive reports whether a task that is missing or active still has a
// worker: a live worker server runs it, or an active task's lease is not
// expired yet.
func (r *Reconciler) alive(ctx context.Context, p *pass, u unit, info *asynq.TaskInfo) (bool, error) {
	if info != nil && info.State != asynq.TaskStateActive {
		return false, nil
	}
	if running, err := r.isRunning(p, u.task); err != nil || running {
		return running, err
	}
	if info == nil {
		return false, nil
	}
	expired, err := r.tasks.LeaseExpired(ctx, u.task, time.Now())
	return !expired, err
}

// settleParts settles a job analysed in parts whose own task has planned
// them: each part not completed is a task of its own, and once every part
// is completed, the task that finishes the job. Those tasks are looked up,
// then the job folded again, as settleOnce does for a job's own task; a
// part completed meanwhile makes the pass look again.
func (r *Reconciler) settleParts(ctx context.Context, p *pass, job *domain.Job) (outcome, error) {
	left := job.PartsLeft()
	units := make([]unit, 0, len(left))
	for _, n := range left {
		units = append(units, unit{part: n, task: PartTaskID(job.ID, n)})
	}
	if len(left) == 0 {
		for _, q := range job.Parts {
			if running, err := r.isRunning(p, PartTaskID(job.ID, q.Part)); err != nil || running {
				return outcomeLeft, err // the part's task finishes the job
			}
		}
		units = append(units, unit{finish: true, task: FinishTaskID(job.ID)})
	}
	infos := make([]*asynq.TaskInfo, len(units))
	for i, u := range units {
		info, err := r.tasks.Lookup(ctx, u.task)
		if err != nil {
			return 0, err
		}
		infos[i] = info
	}
	job, err := r.jobs.Load(ctx, job.ID)
	switch {
	case err != nil:
		return 0, fmt.Errorf("load job: %w", err)
	case job.Status.Terminal():
		return outcomeSkipped, nil
	case !slices.Equal(left, job.PartsLeft()):
		return outcomeMoved, nil
	}
	done := outcomeLeft
	for i, u := range units {
		if waiting(infos[i]) {
			continue
		}
		if alive, err := r.alive(ctx, p, u, infos[i]); err != nil || alive {
			if err != nil {
				return 0, err
			}
			continue
		}
		o, err := r.act(ctx, job, u, infos[i])
		if err != nil || o == outcomeFailed || o == outcomeMoved {
			return o, err
		}
		if o != outcomeLeft {
			done = o
		}
	}
	return done, nil
}

// act does what the job decides for its task (missing, archived, orphaned
// or completed): the reconciler only tells the job what the queue shows.
func (r *Reconciler) act(ctx context.Context, job *domain.Job, u unit, info *asynq.TaskInfo) (outcome, error) {
	switch job.SettleTask(u.part, taskCondition(info)) {
	case domain.RequeueTask:
		return r.requeue(ctx, job, u)
	case domain.RecoverTask:
		return r.recover(ctx, job, u)
	case domain.FailJob:
		if info.State == asynq.TaskStateArchived {
			return outcomeFailed, r.fail(ctx, job, u, lossOf(info), archivedAttempt(job, u, info), info)
		}
		return outcomeFailed, r.fail(ctx, job, u, domain.LostWorker, attemptsAt(job, u), info)
	}
	r.leave(job, u, info)
	return outcomeLeft, nil
}

// taskCondition is what the job needs to know of a task that no live worker
// runs: act is only called for those, so an active one is orphaned.
func taskCondition(info *asynq.TaskInfo) domain.TaskCondition {
	switch {
	case info == nil:
		return domain.TaskIsMissing
	case info.State == asynq.TaskStateArchived:
		return domain.TaskIsArchived
	case info.State == asynq.TaskStateActive:
		return domain.TaskIsOrphaned
	}
	return domain.TaskIsWaiting
}

// isRunning reports whether a live worker server runs the task.
func (r *Reconciler) isRunning(p *pass, task string) (bool, error) {
	if p.running == nil {
		running, err := r.tasks.Running()
		if err != nil {
			return false, err
		}
		p.running = running
	}
	return p.running[task] != nil, nil
}

// requeue enqueues a job's task that is gone. When a task with its id turns
// up meanwhile (the dispatcher or a worker enqueued it, or the queue's
// bookkeeping hid it), nothing was enqueued: the job is looked at again.
func (r *Reconciler) requeue(ctx context.Context, job *domain.Job, u unit) (outcome, error) {
	var enqueued bool
	var err error
	switch {
	case u.finish:
		enqueued, err = r.queue.enqueueFinish(ctx, job.ID)
	case u.part > 0:
		enqueued, err = r.queue.enqueuePart(ctx, job.ID, u.part, job.Parts[u.part-1].Length)
	default:
		enqueued, err = r.queue.enqueue(ctx, job.ID, job.Size)
	}
	if err != nil {
		return 0, fmt.Errorf("enqueue again: %w", err)
	}
	if !enqueued {
		return outcomeMoved, nil
	}
	r.log.Warn("enqueued a job's task again: it was gone", "job", job.ID, "task", u.task, "status", job.Status,
		"chunks_recorded", job.Chunks)
	return outcomeRequeued, nil
}

// recover hands the task of a job whose worker died back to the queue.
func (r *Reconciler) recover(ctx context.Context, job *domain.Job, u unit) (outcome, error) {
	moved, err := r.tasks.RequeueOrphan(ctx, u.task, time.Now())
	if err != nil || !moved {
		return outcomeMoved, err
	}
	r.log.Warn("handed a job's task back to the queue: its worker stopped", "job", job.ID, "task", u.task,
		"attempts", attemptsAt(job, u), "chunks_recorded", job.Chunks)
	return outcomeRecovered, nil
}

func (r *Reconciler) leave(job *domain.Job, u unit, info *asynq.TaskInfo) {
	if info.State == asynq.TaskStateCompleted {
		r.log.Warn("job unfinished although its task completed; left until asynq drops the task",
			"job", job.ID, "task", u.task, "status", job.Status, "completed_at", info.CompletedAt, "retention", info.Retention)
	}
}

// fail records that the job will not complete because its task (or a
// part's) was lost, the last attempt being attempt. It returns an error wrapping
// events.ErrConcurrency when the stream moved since job was folded.
func (r *Reconciler) fail(ctx context.Context, job *domain.Job, u unit, loss domain.TaskLoss, attempt int,
	info *asynq.TaskInfo) error {
	now := time.Now()
	if err := job.LoseTask(loss, u.part, attempt, now); err != nil {
		return err
	}
	if err := r.jobs.Save(ctx, job); err != nil {
		return fmt.Errorf("record failure: %w", err)
	}
	r.Metrics.jobFinished(job, now)
	r.log.Warn("job failed: its task ended without it", "job", job.ID, "task", u.task, "task_state", info.State,
		"task_retried", info.Retried, "task_last_error", info.LastErr, "attempts", job.Attempts)
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
// asynq counts the retries before it, and 0 means the task never started.
// It is one too high when an operator archived a task waiting for a retry.
func archivedAttempt(job *domain.Job, u unit, info *asynq.TaskInfo) int {
	if attemptsAt(job, u) == 0 {
		return 0
	}
	return info.Retried + 1
}

// attemptsAt counts the attempts begun at the unit's part, or at the job.
func attemptsAt(job *domain.Job, u unit) int {
	if u.part > 0 {
		return job.Parts[u.part-1].Attempts
	}
	return job.Attempts
}
