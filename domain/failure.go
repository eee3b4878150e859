package domain

import "errors"

// ErrJobFinished is returned by a command on a job that is already completed
// or failed: there is nothing left to decide. A worker that meets it stops
// without an error.
var ErrJobFinished = errors.New("job already finished")

// Permanent reports whether an attempt's failure is one a retry cannot help:
// the file is unreadable or gone, the request is invalid, or the job cannot
// resume. Such a failure ends the job at once.
func Permanent(err error) bool {
	switch ErrorCode(err) {
	case EUNSUPPORTED, ENOTFOUND, EINVALID, ECONFLICT:
		return true
	}
	return false
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
