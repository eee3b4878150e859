package worker

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain"
)

// Queue is domain.Queue on asynq.
type Queue struct {
	client *asynq.Client
	name   string
}

// NewQueue returns a queue that enqueues into the named asynq queue.
func NewQueue(client *asynq.Client, name string) *Queue {
	return &Queue{client: client, name: name}
}

var _ domain.Queue = (*Queue)(nil)

// EnqueueJob implements domain.Queue. A task id conflict means the job's
// task is already queued, running or kept as done: a success.
func (q *Queue) EnqueueJob(ctx context.Context, jobID uuid.UUID, size int64) error {
	_, err := q.enqueue(ctx, jobID, size)
	return err
}

// enqueue enqueues the job's task and reports whether it did: false when a
// task with the job's id was there already, in whatever state (an archived
// one included), so that nothing new will run.
func (q *Queue) enqueue(ctx context.Context, jobID uuid.UUID, size int64) (bool, error) {
	task, err := NewAnalyzeJobTask(jobID, size, q.name)
	if err != nil {
		return false, err
	}
	return q.enqueueTask(ctx, task)
}

// EnqueuePart schedules the analysis of a part of size bytes. Enqueueing a
// part whose task is queued, running or kept as done succeeds without a
// second task.
func (q *Queue) EnqueuePart(ctx context.Context, jobID uuid.UUID, part int, size int64) error {
	_, err := q.enqueuePart(ctx, jobID, part, size)
	return err
}

// enqueuePart enqueues a part's task, reporting whether it did.
func (q *Queue) enqueuePart(ctx context.Context, jobID uuid.UUID, part int, size int64) (bool, error) {
	task, err := NewAnalyzePartTask(jobID, part, size, q.name)
	if err != nil {
		return false, err
	}
	return q.enqueueTask(ctx, task)
}

// enqueueFinish schedules the joining of a job's completed parts.
func (q *Queue) enqueueFinish(ctx context.Context, jobID uuid.UUID) (bool, error) {
	task, err := NewFinishJobTask(jobID, q.name)
	if err != nil {
		return false, err
	}
	return q.enqueueTask(ctx, task)
}

// enqueueTask enqueues a task, reporting whether it did: a task id conflict
// means a task of that id is queued, running or kept as done.
func (q *Queue) enqueueTask(ctx context.Context, task *asynq.Task) (bool, error) {
	_, err := q.client.EnqueueContext(ctx, task)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, asynq.ErrTaskIDConflict):
		return false, nil
	}
	return false, domain.Wrap(err, domain.EUNAVAILABLE, "the job queue (Redis) cannot be reached")
}
