package projections_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
	"github.com/logproc/logproc/projections"
)

// freezable is a recorder that, once armed, freezes in its next batch after
// writing it, as a process stopped mid-transaction would: it holds its
// transaction and its lock and does nothing until thawed.
type freezable struct {
	*recorder
	armed  atomic.Bool
	frozen chan struct{}
	thaw   chan struct{}
	once   sync.Once
}

func (f *freezable) Apply(ctx context.Context, tx pgx.Tx, t projections.Tables, batch []projections.Event) error {
	if err := f.recorder.Apply(ctx, tx, t, batch); err != nil {
		return err
	}
	if f.armed.Load() {
		f.once.Do(func() { close(f.frozen) })
		<-f.thaw
	}
	return nil
}

// idleRunner is a test runner whose lock is lost after a second without
// work.
func idleRunner(pool *pgxpool.Pool) *projections.Runner {
	r := testRunner(pool, 1000)
	r.LockIdleTimeout = time.Second
	return r
}

// run applies p with r in the background until the test ends.
func run(t *testing.T, r *projections.Runner, p projections.Projector) {
	t.Helper()
	if err := r.Setup(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, p) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestFrozenLeaderLosesItsLockAndCannotWriteWhenItWakes(t *testing.T) {
	url := pgtest.NewDatabase(t)
	poolA, poolB := newPool(t, url), newPool(t, url)
	store := postgres.New(poolA)
	leader := &freezable{recorder: &recorder{tag: "a"}, frozen: make(chan struct{}), thaw: make(chan struct{})}
	run(t, idleRunner(poolA), leader)
	first := appendBatch(t, store, "s-1", 5)
	eventually(t, "the leader to apply", func() bool { return len(recorded(t, poolA)) == len(first) })
	run(t, idleRunner(poolB), &recorder{tag: "b"})

	leader.armed.Store(true)
	second := appendBatch(t, store, "s-2", 5)
	<-leader.frozen
	eventually(t, "the standby to take over from the frozen leader", func() bool {
		got := recorded(t, poolB)
		return len(got) == len(first)+len(second) && got[second[0]].Tag == "b"
	})
	close(leader.thaw) // the leader wakes, mid-transaction
	third := appendBatch(t, store, "s-3", 5)
	eventually(t, "the events after the thaw to be applied", func() bool {
		return len(recorded(t, poolB)) == len(first)+len(second)+len(third)
	})
	got := recorded(t, poolB)
	for i, id := range append(append(first, second...), third...) {
		want := recordedEvent{Tag: "b", Applies: 1}
		if i < len(first) {
			want.Tag = "a"
		}
		if got[id] != want {
			t.Errorf("event %d = %+v, want %+v: the woken leader must not write", i, got[id], want)
		}
	}
}

// slowQueue takes its time over each enqueue, as a distant Redis does.
type slowQueue struct{ n atomic.Int64 }

func (q *slowQueue) EnqueueJob(context.Context, uuid.UUID, int64) error {
	time.Sleep(100 * time.Millisecond)
	q.n.Add(1)
	return nil
}

func TestDispatcherBatchOutlastingTheLockIdleTimeoutCompletes(t *testing.T) {
	pool := pgtest.NewPool(t)
	q := &slowQueue{}
	r := idleRunner(pool)
	r.MaxBackoff = r.LockRetry
	run(t, r, projections.Dispatcher{Queue: q})
	store := postgres.New(pool)
	const jobs = 30 // three seconds of enqueues in one batch
	var evs []events.Event
	for range jobs {
		id := uuid.New()
		e, err := events.New(uuid.New(), &events.JobSubmitted{JobID: id, Owner: "alice", FileName: "a.log", Size: 1}, events.Metadata{})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	if _, err := store.AppendToStream(context.Background(), "batch", 0, evs...); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the batch to be dispatched", func() bool {
		st, err := projections.ProjectionStatus(context.Background(), pool, projections.Dispatcher{})
		return err == nil && len(st) == 1 && st[0].Applied == jobs
	})
	if n := q.n.Load(); n != jobs {
		t.Errorf("%d enqueues for %d jobs: the batch was cut short and dispatched again", n, jobs)
	}
}

// TestStandbyEndsAHolderThatStoppedReading: a process frozen while the
// server sends it a result is neither idle nor done, so no server timeout
// ends its connection; the standby does.
func TestStandbyEndsAHolderThatStoppedReading(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pool := newPool(t, url)
	p := &recorder{tag: "b"}
	ctx := context.Background()
	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Close(context.Background()) })
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock(hashtext('logproc.projection'), hashtext($1))`,
		p.Name()+"/v1"); err != nil {
		t.Fatal(err)
	}
	// About 100 MB of result that is never read.
	results := holder.PgConn().Exec(ctx, `SELECT repeat('x', 2000) FROM generate_series(1, 50000)`)
	t.Cleanup(func() { results.Close() })
	run(t, idleRunner(pool), p)
	ids := appendBatch(t, postgres.New(pool), "s-1", 5)
	eventually(t, "the standby to take over", func() bool { return len(recorded(t, pool)) == len(ids) })
}
