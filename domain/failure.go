package domain

import (
	"errors"

	"github.com/logproc/logproc/events"
)

// ErrJobFinished is returned by a command on a job that is already completed
// or failed: there is nothing left to decide. A worker that meets it stops
// without an error.
var ErrJobFinished = errors.New("job already finished")

// ErrRefused is in the chain of an error of a dependency, such as the blob
// store, that refused a request as such (an HTTP 4xx that is not about
// credentials, limits or a missing object): sending it again cannot help.
var ErrRefused = errors.New("the request was refused")

// Permanent reports whether an attempt's failure is one a retry cannot help:
// the file is unreadable, gone or too large, the blob store or the event
// store refused the request as such, or the job cannot resume. Such a
// failure ends the job at once.
func Permanent(err error) bool {
	if errors.Is(err, events.ErrRefused) || errors.Is(err, ErrRefused) {
		return true
	}
	switch ErrorCode(err) {
	case EUNSUPPORTED, ENOTFOUND, EINVALID, ECONFLICT, ETOOLARGE:
		return true
	}
	return false
}

// failureOf is what a job's owner is told of the failure that ended it: the
// cause's message for users, or, for a cause without one, the kind of
// failure without its internals.
func failureOf(cause error) (code, reason string) {
	if errors.Is(cause, events.ErrRefused) && ErrorCode(cause) == EINTERNAL {
		return EINTERNAL, "the event store refused what the analysis found in this file, so retrying cannot help; " +
			"report it with the job id"
	}
	return ErrorCode(cause), ErrorMessage(cause)
}

// MaxAttempts is how many attempts a job gets: its task's first run and
// its retries. A worker that dies mid-job does not fail the task, so its
// queue would run it again and again; the job counts its attempts
// (JobStarted events) instead, and a job that has had them all fails.
const MaxAttempts = 6

// OutOfAttempts reports whether the job, or the numbered part of a job
// analysed in parts (0 for the whole job), has had all its attempts.
func (j *Job) OutOfAttempts(part int) bool {
	if p := j.part(part); p != nil {
		return p.Attempts >= MaxAttempts
	}
	return j.wholeAttempts >= MaxAttempts
}

// CodeTaskLost is the failure code of a job whose task ended without it.
const CodeTaskLost = "task_lost"

// ReconcilerActor is the actor of the events the reconciler decides.
const ReconcilerActor = "reconciler"

// TaskLoss says how a job's task ended without the job, as the queue tells.
type TaskLoss int

// How a task may be lost.
const (
	// LostWorker: the worker stopped (killed or cut off) during the task's
	// last attempt, so nothing recorded the failure.
	LostWorker TaskLoss = iota
	// LostByOperator: an operator stopped the task before it finished.
	LostByOperator
	// LostUnrecorded: the last attempt failed, and its failure could not be
	// recorded.
	LostUnrecorded
)

// reason tells the job's owner what happened, and what to do.
func (l TaskLoss) reason() string {
	switch l {
	case LostWorker:
		return "the worker stopped (killed or lost) during its last attempt; upload the file again"
	case LostByOperator:
		return "an operator stopped the job's task before it finished; upload the file again"
	default:
		return "the job's last attempt failed and its failure could not be recorded; upload the file again"
	}
}

// TaskCondition is what the queue shows of a job's task that no live worker
// runs, as far as deciding its fate goes.
type TaskCondition int

// The conditions of a task a reconciler looks at.
const (
	// TaskIsWaiting: the queue holds the task and will run it (pending,
	// scheduled, retry) or has just run it (completed).
	TaskIsWaiting TaskCondition = iota
	// TaskIsMissing: the queue holds no task with its id.
	TaskIsMissing
	// TaskIsArchived: the queue gave up on the task.
	TaskIsArchived
	// TaskIsOrphaned: the task is active, but no live worker runs it and its
	// lease has expired.
	TaskIsOrphaned
)

// TaskAction is what becomes of such a task.
type TaskAction int

// What a reconciler may do about a task.
const (
	// LeaveTask: nothing; the queue will run it, or drop it.
	LeaveTask TaskAction = iota
	// RequeueTask: enqueue the task again; the next attempt resumes the job.
	RequeueTask
	// RecoverTask: hand the orphaned task back to the queue at once.
	RecoverTask
	// FailJob: the task ended without the job: record it with LoseTask.
	FailJob
)

// SettleTask decides what becomes of the task of the numbered part (0 for
// the job's own task, or the one that finishes it) in condition c: a task that
// is gone is enqueued again, one the queue gave up on fails the job, and
// an orphaned one goes back to the queue unless its part has had all its
// attempts, so a file that kills its worker cannot loop. A finished job's
// tasks are left alone.
func (j *Job) SettleTask(part int, c TaskCondition) TaskAction {
	switch {
	case j.Status.Terminal():
		return LeaveTask
	case c == TaskIsMissing:
		return RequeueTask
	case c == TaskIsArchived:
		return FailJob
	case c == TaskIsOrphaned && j.OutOfAttempts(part):
		return FailJob
	case c == TaskIsOrphaned:
		return RecoverTask
	}
	return LeaveTask
}
