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
	_, err = q.client.EnqueueContext(ctx, task)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, asynq.ErrTaskIDConflict):
		return false, nil
	}
	return false, domain.Wrap(err, domain.EUNAVAILABLE, "the job queue (Redis) cannot be reached")
}
