package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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

	// BatchSize bounds the events applied in one transaction to a live
	// generation; RebuildBatchSize to a generation being built, whose
	// longer transactions block no reader and replay faster.
	BatchSize, RebuildBatchSize int
	// PollInterval is how often a caught-up projector looks for events
	// when no wake-up came, and how long a leader keeps the generations it
	// loaded: it sees a rebuild started elsewhere within PollInterval.
	PollInterval time.Duration
	// LockRetry is how often a process that does not hold a projector's
	// lock tries to take it, which bounds how long a takeover takes.
	LockRetry time.Duration
	// LockIdleTimeout is how long a lock holder may show no sign of work
	// before it loses the lock: the server ends its lock's connection when
	// it is idle, or idle in a transaction, for that long (the settings
	// idle_session_timeout and idle_in_transaction_session_timeout), and a
	// standby ends it when it has not read a result for that long. A process that is alive but
	// frozen (stopped, swapped out, stuck) so loses the lock, and a standby
	// takes over within LockIdleTimeout + LockRetry. It must exceed
	// PollInterval, between two statements of a healthy holder.
	LockIdleTimeout time.Duration
	// MaxBackoff bounds the wait between retries of a failing projector,
	// such as the dispatcher while Redis is down.
	MaxBackoff time.Duration
	// Metrics, when set, counts the batches that fail to apply.
	Metrics *Metrics

	// wait sleeps between tries; tests watch it.
	wait func(ctx context.Context, d time.Duration)
}

// NewRunner returns a runner with default settings. wake may be nil, in
// which case the runner only polls.
func NewRunner(pool *pgxpool.Pool, wake Waker, log *slog.Logger) *Runner {
	return &Runner{pool: pool, wake: wake, log: log,
		BatchSize: 1000, RebuildBatchSize: 5000,
		PollInterval: time.Second, LockRetry: time.Second, LockIdleTimeout: 10 * time.Second, MaxBackoff: 30 * time.Second,
		wait: sleep}
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
// while it holds it. After an error it backs off, from r.LockRetry up to
// r.MaxBackoff, and logs once per failure streak at error level; a hold of
// the lock that applied well before it failed starts a new streak.
func (r *Runner) runProjector(ctx context.Context, p Projector) {
	log := r.log.With("projection", p.Name())
	retry := backoff{first: r.LockRetry, max: r.MaxBackoff}
	for ctx.Err() == nil {
		err := r.withLock(ctx, p, func(s *session) error {
			log.Info("projection lock taken; applying")
			err := s.lead()
			if s.stepped {
				retry.succeeded()
			}
			return err
		})
		if err == nil || errors.Is(err, errNotLocked) || ctx.Err() != nil {
			retry.succeeded()
			r.wait(ctx, r.LockRetry)
			continue
		}
		wait, first := retry.failed()
		if first {
			log.Error("projection stopped; retrying with backoff", "err", err, "retry_in", wait)
		} else {
			log.Warn("projection still failing", "err", err, "retry_in", wait)
		}
		r.wait(ctx, wait)
	}
}

// errNotLocked means another process holds the lock.
var errNotLocked = errors.New("lock held elsewhere")

// withLock runs fn in a session on a dedicated connection that holds the
// projector's session advisory lock. The lock is per projector name and
// version: during a rolling upgrade, old processes keep the live generation
// current while new ones build the next. The lock and all the projector's
// transactions share the connection, so losing the connection loses both at
// once.
func (r *Runner) withLock(ctx context.Context, p Projector, fn func(*session) error) error {
	pc, err := r.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	key := lockKey(p)
	var locked bool
	err = pc.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('logproc.projection'), hashtext($1))`, key).Scan(&locked)
	if err == nil && !locked {
		r.endStuckHolder(ctx, pc.Conn(), p, key)
	}
	if err != nil || !locked {
		pc.Release()
		if err == nil {
			err = errNotLocked
		}
		return err
	}
	conn := pc.Hijack()
	defer func() {
		// Unlock before closing: a closed connection's lock is only
		// released once its server process has exited, a moment later. A
		// server that is gone must not hold up a shutdown.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtext('logproc.projection'), hashtext($1))`, key)
		conn.Close(ctx)
	}()
	// A projector's tables may grow from empty during this session (a
	// rebuild). A generic plan made while a table was small, a sequential
	// scan, would be kept as it grows: plan each query for its arguments.
	// A commit need not wait for its WAL to reach disk: a projection's rows
	// and checkpoint commit together, so a crash that loses the last commits
	// loses both, and the events are applied again. A holder that stops
	// working, between transactions or in one, loses its connection, and
	// with it the lock (see LockIdleTimeout); a transaction it left open
	// is rolled back, so it can never commit once it wakes.
	idle := fmt.Sprintf("%dms", r.LockIdleTimeout.Milliseconds())
	if _, err := conn.Exec(ctx, `SET plan_cache_mode = force_custom_plan; SET synchronous_commit = off;
		SET idle_in_transaction_session_timeout = '`+idle+`'; SET idle_session_timeout = '`+idle+`'`); err != nil {
		return err
	}
	s := newSession(ctx, r, conn, p)
	defer s.close()
	return fn(s)
}

// endStuckHolder ends the server process holding the projector's lock when
// it has been blocked sending a result for LockIdleTimeout: the client
// stopped reading (it is frozen). The server's idle timeouts cannot end it,
// as it is not idle, and nothing else would. A failure is logged:
// the next try looks again.
func (r *Runner) endStuckHolder(ctx context.Context, conn *pgx.Conn, p Projector, key string) {
	rows, err := conn.Query(ctx, `SELECT pg_terminate_backend(a.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
			AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND l.classid = hashtext('logproc.projection')::oid AND l.objid = hashtext($1)::oid
			AND a.wait_event = 'ClientWrite' AND a.state_change < now() - make_interval(secs => $2)`,
		key, r.LockIdleTimeout.Seconds())
	if err == nil {
		var ended []bool
		if ended, err = pgx.CollectRows(rows, pgx.RowTo[bool]); err == nil && len(ended) > 0 {
			r.log.Warn("ended the connection of a projection's lock holder that stopped reading", "projection", p.Name())
		}
	}
	if err != nil && ctx.Err() == nil {
		r.log.Warn("cannot check the projection's lock holder", "projection", p.Name(), "err", err)
	}
}

// lockKey names the advisory lock of a projector's code version.
func lockKey(p Projector) string { return fmt.Sprintf("%s/v%d", p.Name(), p.Version()) }

// batchSize is how many events a batch of the generation may hold.
func (r *Runner) batchSize(g *generation) int {
	if g.State == StateBuilding {
		return r.RebuildBatchSize
	}
	return r.BatchSize
}

func (r *Runner) subscribe() (<-chan struct{}, func()) {
	if r.wake == nil {
		return nil, func() {}
	}
	return r.wake.Subscribe()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
