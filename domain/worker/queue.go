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
	task, err := NewAnalyzeJobTask(jobID, size, q.name)
	if err != nil {
		return err
	}
	_, err = q.client.EnqueueContext(ctx, task)
	if err == nil || errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return domain.Wrap(err, domain.EUNAVAILABLE, "the job queue (Redis) cannot be reached")
}
