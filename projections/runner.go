package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events/postgres"
)

// Waker tells a runner that new events may be there to read.
type Waker interface {
	Subscribe() (wake <-chan struct{}, cancel func())
}

// Runner applies projectors to the event log.
type Runner struct {
	pool *pgxpool.Pool
	wake Waker
	log  *slog.Logger

	// BatchSize bounds the events applied in one transaction.
	BatchSize int
	// PollInterval is how often a caught-up projector looks for events
	// when no wake-up came.
	PollInterval time.Duration
	// LockRetry is how often a process that does not hold a projector's
	// lock tries to take it, which bounds how long a takeover takes.
	LockRetry time.Duration
	// MaxBackoff bounds the wait between retries of a failing projector,
	// such as the dispatcher while Redis is down.
	MaxBackoff time.Duration
}

// NewRunner returns a runner with default settings. wake may be nil, in
// which case the runner only polls.
func NewRunner(pool *pgxpool.Pool, wake Waker, log *slog.Logger) *Runner {
	return &Runner{pool: pool, wake: wake, log: log,
		BatchSize: 1000, PollInterval: time.Second, LockRetry: time.Second, MaxBackoff: 30 * time.Second}
}

// Setup makes sure every projector has a live generation with its tables and
// views, so the API can read them before the first event is applied.
func (r *Runner) Setup(ctx context.Context, ps ...Projector) error {
	for _, p := range ps {
		if err := ensureLive(ctx, r.pool, p); err != nil {
			return fmt.Errorf("set up projection %s: %w", p.Name(), err)
		}
	}
	return nil
}

// Run applies the projectors, one goroutine each, until ctx is done. Each
// stops at a batch boundary.
func (r *Runner) Run(ctx context.Context, ps ...Projector) {
	var wg sync.WaitGroup
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.runProjector(ctx, p)
		}()
	}
	wg.Wait()
}

// runProjector takes the projector's lock whenever it can and applies it
// while it holds it. After an error it backs off, up to r.MaxBackoff, and logs
// once per failure streak at error level.
func (r *Runner) runProjector(ctx context.Context, p Projector) {
	log := r.log.With("projection", p.Name())
	delay := r.LockRetry
	for ctx.Err() == nil {
		err := r.withLock(ctx, p.Name(), func(conn *pgx.Conn) error {
			log.Info("projection lock taken; applying")
			return r.lead(ctx, conn, p)
		})
		switch {
		case err == nil || errors.Is(err, errNotLocked) || ctx.Err() != nil:
			delay = r.LockRetry
		case delay == r.LockRetry:
			log.Error("projection stopped; retrying with backoff", "err", err)
			delay = min(2*delay, r.MaxBackoff)
		default:
			log.Warn("projection still failing", "err", err, "retry_in", delay)
			delay = min(2*delay, r.MaxBackoff)
		}
		sleep(ctx, delay)
	}
}

// errNotLocked means another process holds the lock.
var errNotLocked = errors.New("lock held elsewhere")

// withLock runs fn on a dedicated connection that holds the projector's
// session advisory lock. The lock and all the projector's transactions share
// the connection, so losing the connection loses both at once.
func (r *Runner) withLock(ctx context.Context, name string, fn func(*pgx.Conn) error) error {
	pc, err := r.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	var locked bool
	err = conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('logproc.projection'), hashtext($1))`, name).Scan(&locked)
	if err != nil {
		return err
	}
	if !locked {
		return errNotLocked
	}
	// A projector's tables may grow from empty during this session (a
	// rebuild). A generic plan made while a table was small, a sequential
	// scan, would be kept as it grows: plan each query for its arguments.
	// A commit need not wait for its WAL to reach disk: a projection's rows
	// and checkpoint commit together, so a crash that loses the last commits
	// loses both, and the events are applied again.
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_custom_plan; SET synchronous_commit = off`); err != nil {
		return err
	}
	return fn(conn)
}

// lead applies the projector until ctx is done or an error occurs.
func (r *Runner) lead(ctx context.Context, conn *pgx.Conn, p Projector) error {
	wake, cancel := r.subscribe()
	defer cancel()
	for {
		worked, err := r.step(ctx, conn, p)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if worked {
			if ctx.Err() != nil {
				return nil
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-time.After(r.PollInterval):
		}
	}
}

func (r *Runner) subscribe() (<-chan struct{}, func()) {
	if r.wake == nil {
		return nil, func() {}
	}
	return r.wake.Subscribe()
}

// step applies one batch to each generation the code can fill, starts a
// generation when the code's version is newer than the live one, and switches
// a building generation live once it has caught up. It reports whether it
// did anything.
func (r *Runner) step(ctx context.Context, conn *pgx.Conn, p Projector) (bool, error) {
	live, building, err := loadGenerations(ctx, conn, p.Name())
	if err != nil {
		return false, err
	}
	if live == nil {
		return true, ensureLive(ctx, conn, p)
	}
	if building == nil && live.Version < p.Version() {
		n, err := startRebuild(ctx, conn, p)
		r.log.Info("projection version changed; building a new generation",
			"projection", p.Name(), "from", live.Version, "to", p.Version(), "generation", n)
		return true, err
	}
	worked := false
	if live.Version == p.Version() {
		n, err := r.applyBatch(ctx, conn, p, live)
		if err != nil {
			return false, err
		}
		worked = n > 0
	}
	if building != nil && building.Version == p.Version() {
		// Either a full batch was applied or the generation went live: look
		// again at once in both cases.
		return true, r.build(ctx, conn, p, building)
	}
	return worked, dropRetired(ctx, conn, p)
}

// build applies one batch to the building generation and switches it live
// when the batch shows it has caught up.
func (r *Runner) build(ctx context.Context, conn *pgx.Conn, p Projector, g *generation) error {
	n, err := r.applyBatch(ctx, conn, p, g)
	if err != nil || n == r.BatchSize {
		return err
	}
	if err := switchLive(ctx, conn, p, g.Generation); err != nil {
		return err
	}
	r.log.Info("projection switched to a new generation", "projection", p.Name(),
		"generation", g.Generation, "version", g.Version, "events", g.Applied)
	return nil
}

// ErrCheckpointMoved means another process moved a checkpoint this one was
// about to move: the batch was rolled back.
var ErrCheckpointMoved = errors.New("projections: checkpoint moved by another process")

// applyBatch reads events after the generation's checkpoint and applies them
// and the new checkpoint in one transaction. It returns how many events it
// applied.
func (r *Runner) applyBatch(ctx context.Context, conn *pgx.Conn, p Projector, g *generation) (int, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	batch, err := postgres.New(tx).ReadAll(ctx, g.Checkpoint, r.BatchSize)
	if err != nil || len(batch) == 0 {
		return 0, err
	}
	if err := p.Apply(ctx, tx, tablesOf(p, g.Generation), batch); err != nil {
		return 0, fmt.Errorf("apply %d events after %s to %s generation %d: %w",
			len(batch), g.Checkpoint, p.Name(), g.Generation, err)
	}
	last := batch[len(batch)-1].Position
	tag, err := tx.Exec(ctx, `UPDATE projections
		SET last_tx = $3::text::xid8, last_id = $4, applied = applied + $5, updated_at = now()
		WHERE name = $1 AND generation = $2 AND last_tx = $6::text::xid8 AND last_id = $7`,
		p.Name(), g.Generation, strconv.FormatUint(last.TxID, 10), last.ID, len(batch),
		strconv.FormatUint(g.Checkpoint.TxID, 10), g.Checkpoint.ID)
	if err != nil {
		return 0, err
	}
	if tag.RowsAffected() != 1 {
		return 0, ErrCheckpointMoved
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, err
	}
	g.Checkpoint, g.Applied = last, g.Applied+int64(len(batch))
	return len(batch), nil
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
