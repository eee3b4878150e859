package projections

import (
	"context"
	"time"

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

// keepAliveEvery is how long a dispatcher batch goes without a statement.
const keepAliveEvery = 200 * time.Millisecond

// Apply implements Projector.
func (d Dispatcher) Apply(ctx context.Context, tx pgx.Tx, _ Tables, batch []Event) error {
	last := time.Now()
	for _, e := range batch {
		s, ok := e.Payload.(*events.JobSubmitted)
		if !ok {
			continue
		}
		if err := d.Queue.EnqueueJob(ctx, s.JobID, max(s.Size, s.ExpectedSize)); err != nil {
			return err
		}
		// A batch of enqueues to a distant Redis may outlast the lock's
		// idle timeout (Runner.LockIdleTimeout), which frees the lock of a
		// frozen process: a statement now and then, far more often than
		// any such timeout, shows the connection at work.
		if time.Since(last) > keepAliveEvery {
			if _, err := tx.Exec(ctx, `SELECT 1`); err != nil {
				return err
			}
			last = time.Now()
		}
	}
	return nil
}
