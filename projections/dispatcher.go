package projections

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// Dispatcher is the subscriber that hands each submitted job to the queue.
// It has no tables: its checkpoint moves only once every job up to it is
// enqueued, so a job submitted while the queue is down is enqueued when the
// queue is back, and a repeated enqueue of the same job is a no-op.
type Dispatcher struct {
	Queue domain.Queue
}

// Name implements Projector.
func (Dispatcher) Name() string { return "dispatcher" }

// Version implements Projector.
func (Dispatcher) Version() int { return 1 }

// Tables implements Projector: none.
func (Dispatcher) Tables() []Table { return nil }

// Apply implements Projector.
func (d Dispatcher) Apply(ctx context.Context, _ pgx.Tx, _ Tables, batch []Event) error {
	for _, e := range batch {
		s, ok := e.Payload.(*events.JobSubmitted)
		if !ok {
			continue
		}
		if err := d.Queue.EnqueueJob(ctx, s.JobID, s.Size); err != nil {
			return err
		}
	}
	return nil
}
