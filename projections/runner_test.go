package projections_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
	"github.com/logproc/logproc/projections"
)

// failAfter bounds every wait in these tests. It is a failure guard only:
// nothing is asserted about how fast anything happens.
const failAfter = 60 * time.Second

// recorder is a projector that records each event it applies with the tag of
// the instance that applied it, counting repeated applications instead of
// failing on them. Every instance has the same name, so instances in two
// runners compete for one projection.
type recorder struct {
	tag string

	mu      sync.Mutex
	batches []int
	// beforeWrite, when set, runs in Apply before the batch is written.
	beforeWrite func(ctx context.Context, t projections.Tables, batch []projections.Event) error
}

const tableRecorded = "recorded"

func (*recorder) Name() string { return "recorder" }
func (*recorder) Version() int { return 1 }

func (*recorder) Tables() []projections.Table {
	return []projections.Table{{Name: tableRecorded, Schema: `CREATE TABLE %[1]s (
		event_id uuid PRIMARY KEY,
		tag      text NOT NULL,
		applies  int NOT NULL DEFAULT 1
	)`}}
}

func (r *recorder) Apply(ctx context.Context, tx pgx.Tx, t projections.Tables, batch []projections.Event) error {
	r.mu.Lock()
	r.batches = append(r.batches, len(batch))
	hook := r.beforeWrite
	r.mu.Unlock()
	if hook != nil {
		if err := hook(ctx, t, batch); err != nil {
			return err
		}
	}
	return record(ctx, tx, t.Of(tableRecorded), r.tag, batch)
}

// batchSizes returns the size of every batch Apply was given, committed or
// not.
func (r *recorder) batchSizes() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.batches)
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

func record(ctx context.Context, db execer, table, tag string, batch []projections.Event) error {
	ids := make([][16]byte, len(batch))
	for i, rec := range batch {
		ids[i] = rec.ID
	}
	_, err := db.Exec(ctx, `INSERT INTO `+table+` (event_id, tag) SELECT unnest($1::uuid[]), $2
		ON CONFLICT (event_id) DO UPDATE SET applies = `+table+`.applies + 1, tag = excluded.tag`, ids, tag)
	return err
}

// recordedEvent is what the recorder holds of one event.
type recordedEvent struct {
	Tag     string
	Applies int
}

func recorded(t *testing.T, pool *pgxpool.Pool) map[uuid.UUID]recordedEvent {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT event_id, tag, applies FROM `+tableRecorded)
	if err != nil {
		t.Fatal(err)
	}
	out := map[uuid.UUID]recordedEvent{}
	var id uuid.UUID
	var e recordedEvent
	if _, err := pgx.ForEachRow(rows, []any{&id, &e.Tag, &e.Applies}, func() error {
		out[id] = e
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// appendBatch appends n events to a new stream in one transaction and returns
// their ids.
func appendBatch(t *testing.T, store *postgres.Store, stream string, n int) []uuid.UUID {
	t.Helper()
	evs := make([]events.Event, n)
	ids := make([]uuid.UUID, n)
	for i := range evs {
		ids[i] = uuid.New()
		evs[i] = events.Event{ID: ids[i], Type: "Tested", SchemaVersion: 1,
			Data: json.RawMessage(fmt.Sprintf(`{"n": %d}`, i))}
	}
	if _, err := store.AppendToStream(context.Background(), stream, 0, evs...); err != nil {
		t.Fatal(err)
	}
	return ids
}

func newPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func testRunner(pool *pgxpool.Pool, batchSize int) *projections.Runner {
	r := projections.NewRunner(pool, nil, slog.New(slog.DiscardHandler))
	r.BatchSize, r.PollInterval, r.LockRetry = batchSize, 20*time.Millisecond, 100*time.Millisecond
	return r
}

// catchUpWith applies ps until they have every event committed before the
// call. A runner that just stopped may still hold a projection's lock until
// its server process has exited, so ErrLockHeld is retried.
func catchUpWith(t *testing.T, r *projections.Runner, ps ...projections.Projector) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), failAfter)
	defer cancel()
	for {
		err := r.CatchUp(ctx, ps...)
		if !errors.Is(err, projections.ErrLockHeld) || ctx.Err() != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventually polls cond until it holds, failing the test with what after
// failAfter.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", failAfter, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runningRunner is a runner applying a recorder in the background, as one
// `logproc serve` process would.
type runningRunner struct {
	pool *pgxpool.Pool
	proj *recorder
	stop func()
}

func startRunner(t *testing.T, url, tag string) *runningRunner {
	t.Helper()
	pool := newPool(t, url)
	r := testRunner(pool, 1000)
	p := &recorder{tag: tag}
	if err := r.Setup(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx, p)
	}()
	stop := func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return &runningRunner{pool: pool, proj: p, stop: stop}
}

// killLockHolder terminates the server process that holds the recorder's
// advisory lock, as a crashed host or a cut network would end it.
func killLockHolder(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	var killed []bool
	rows, err := pool.Query(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_locks
		WHERE locktype = 'advisory' AND granted AND objsubid = 2
			AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND classid = hashtext('logproc.projection')::oid AND objid = hashtext($1)::oid`,
		fmt.Sprintf("%s/v%d", (&recorder{}).Name(), (&recorder{}).Version()))
	if err == nil {
		killed, err = pgx.CollectRows(rows, pgx.RowTo[bool])
	}
	if err != nil || len(killed) != 1 || !killed[0] {
		t.Fatalf("terminate the lock holder: %v, %v; want one process terminated", killed, err)
	}
}

// TestOneRunnerAppliesAProjectionAndAnotherTakesOver runs the same projector
// in two runners on separate pools, as two serve processes would: only the
// lock holder applies it, and when it goes away the other carries on, with
// every event applied exactly once.
func TestOneRunnerAppliesAProjectionAndAnotherTakesOver(t *testing.T) {
	tests := []struct {
		name string
		// leaderGoes ends the leader; followerMustTakeOver says whether
		// the follower must be the one applying afterwards.
		leaderGoes           func(t *testing.T, leader *runningRunner)
		followerMustTakeOver bool
	}{
		{"leader stops", func(t *testing.T, leader *runningRunner) { leader.stop() }, true},
		{"leader's connection is killed", func(t *testing.T, leader *runningRunner) { killLockHolder(t, leader.pool) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.NewDatabase(t)
			a, b := startRunner(t, url, "a"), startRunner(t, url, "b")
			store := postgres.New(a.pool)
			first := appendBatch(t, store, "s-1", 20)
			eventually(t, "the first events to be applied", func() bool { return len(recorded(t, a.pool)) == len(first) })

			leader, follower := a, b
			if recorded(t, a.pool)[first[0]].Tag == "b" {
				leader, follower = b, a
			}
			for id, e := range recorded(t, a.pool) {
				if e.Tag != leader.proj.tag || e.Applies != 1 {
					t.Errorf("event %s applied %d times, last by %s; want once by %s", id, e.Applies, e.Tag, leader.proj.tag)
				}
			}
			if n := follower.proj.batchSizes(); len(n) != 0 {
				t.Errorf("the runner without the lock was given %d batches", len(n))
			}

			tt.leaderGoes(t, leader)
			second := appendBatch(t, store, "s-2", 20)
			eventually(t, "the events appended after the leader went to be applied", func() bool {
				return len(recorded(t, a.pool)) == len(first)+len(second)
			})
			got := recorded(t, a.pool)
			for _, id := range append(first, second...) {
				if got[id].Applies != 1 {
					t.Errorf("event %s applied %d times, want once", id, got[id].Applies)
				}
			}
			if tt.followerMustTakeOver {
				for _, id := range second {
					if got[id].Tag != follower.proj.tag {
						t.Errorf("event %s applied by %s after the leader stopped, want %s", id, got[id].Tag, follower.proj.tag)
					}
				}
			}
		})
	}
}

// TestBatchRolledBackWhenCheckpointMoved has another process apply a batch and
// move the checkpoint while the runner is applying the same batch: the
// runner's compare-and-set fails, its writes roll back, and nothing is
// applied twice.
func TestBatchRolledBackWhenCheckpointMoved(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pool, other := newPool(t, url), newPool(t, url)
	store, ctx := postgres.New(pool), context.Background()
	runner := testRunner(pool, 1000)
	p := &recorder{tag: "runner"}
	if err := runner.Setup(ctx, p); err != nil {
		t.Fatal(err)
	}
	first := appendBatch(t, store, "s-1", 5)
	if err := catchUpWith(t, runner, p); err != nil {
		t.Fatal(err)
	}
	second := appendBatch(t, store, "s-2", 5)
	var once sync.Once
	p.mu.Lock()
	p.beforeWrite = func(ctx context.Context, tables projections.Tables, batch []projections.Event) (err error) {
		once.Do(func() { err = applyElsewhere(ctx, other, p.Name(), tables.Of(tableRecorded), batch) })
		return err
	}
	p.mu.Unlock()

	err := catchUpWith(t, runner, p)
	if !errors.Is(err, projections.ErrCheckpointMoved) {
		t.Fatalf("catch up with the checkpoint moved under it: err = %v, want ErrCheckpointMoved", err)
	}
	checkAppliedOnce := func(when string) {
		t.Helper()
		got := recorded(t, pool)
		for i, id := range append(first, second...) {
			want := recordedEvent{Tag: "runner", Applies: 1}
			if i >= len(first) {
				want.Tag = "other"
			}
			if got[id] != want {
				t.Errorf("%s: event %d = %+v, want %+v", when, i, got[id], want)
			}
		}
		if st := status(t, pool, p); st.Applied != int64(len(first)+len(second)) || st.LagEvents != 0 {
			t.Errorf("%s: status applied %d, lag %d; want %d, 0", when, st.Applied, st.LagEvents, len(first)+len(second))
		}
	}
	checkAppliedOnce("after the refused batch")
	if err := catchUpWith(t, runner, p); err != nil {
		t.Fatal(err)
	}
	checkAppliedOnce("after catching up again")
}

// applyElsewhere applies the batch and moves the projection's checkpoint past
// it, as another process holding the projection would.
func applyElsewhere(ctx context.Context, pool *pgxpool.Pool, name, table string, batch []projections.Event) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := record(ctx, tx, table, "other", batch); err != nil {
			return err
		}
		last := batch[len(batch)-1].Position
		_, err := tx.Exec(ctx, `UPDATE projections SET last_tx = $2::text::xid8, last_id = $3, applied = applied + $4
			WHERE name = $1 AND state = 'live'`, name, strconv.FormatUint(last.TxID, 10), last.ID, len(batch))
		return err
	})
}

// TestBatchesAreBounded appends 50 events in one transaction, so that all of
// them become readable at once, and checks the batches the projector is
// given.
func TestBatchesAreBounded(t *testing.T) {
	tests := []struct {
		batchSize int
		want      []int
	}{
		{1, slices.Repeat([]int{1}, 50)},
		{7, []int{7, 7, 7, 7, 7, 7, 7, 1}},
		{25, []int{25, 25}},
		{1000, []int{50}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("batch size %d", tt.batchSize), func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t)
			runner := testRunner(pool, tt.batchSize)
			p := &recorder{tag: "r"}
			if err := runner.Setup(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			appendBatch(t, postgres.New(pool), "s", 50)
			if err := catchUpWith(t, runner, p); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, p.batchSizes()); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
			if n := len(recorded(t, pool)); n != 50 {
				t.Errorf("%d events recorded, want 50", n)
			}
		})
	}
}

func status(t *testing.T, pool *pgxpool.Pool, p projections.Projector) projections.Status {
	t.Helper()
	st, err := projections.ProjectionStatus(context.Background(), pool, p)
	if err != nil || len(st) != 1 {
		t.Fatalf("status of %s = %+v, %v; want one generation", p.Name(), st, err)
	}
	return st[0]
}

// TestProjectionStatusReportsLag checks the lag a projection reports: the
// events past its checkpoint and the age of the oldest of them.
func TestProjectionStatusReportsLag(t *testing.T) {
	pool := pgtest.NewPool(t)
	store := postgres.New(pool)
	runner := testRunner(pool, 1000)
	p := &recorder{tag: "r"}
	if err := runner.Setup(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	appendedAfter := time.Now()
	appendBatch(t, store, "s-1", 3)
	appendBatch(t, store, "s-2", 2)
	st := status(t, pool, p)
	upTo := time.Since(appendedAfter).Seconds() + 1 // one second of slack for clock reads
	if st.LagEvents != 5 || st.Applied != 0 || st.LagSeconds <= 0 || st.LagSeconds > upTo {
		t.Errorf("behind: lag %d events, %.3fs, applied %d; want 5 events, 0 < seconds <= %.3f, 0 applied",
			st.LagEvents, st.LagSeconds, st.Applied, upTo)
	}

	if err := catchUpWith(t, runner, p); err != nil {
		t.Fatal(err)
	}
	if st := status(t, pool, p); st.LagEvents != 0 || st.LagSeconds != 0 || st.Applied != 5 {
		t.Errorf("caught up: lag %d events, %.3fs, applied %d; want 0, 0, 5", st.LagEvents, st.LagSeconds, st.Applied)
	}

	appendBatch(t, store, "s-3", 4)
	if st := status(t, pool, p); st.LagEvents != 4 || st.LagSeconds <= 0 || st.Applied != 5 {
		t.Errorf("behind again: lag %d events, %.3fs, applied %d; want 4, > 0, 5", st.LagEvents, st.LagSeconds, st.Applied)
	}
}

// TestCatchUpWaitsForEventsCommittedBeforeIt has an event committed before
// CatchUp is called that a still-open older transaction keeps unreadable:
// CatchUp must wait for it rather than stop at what it can read. An event
// from a transaction with a two-digit id makes the log's head cross a digit
// boundary, which reading positions as text would get wrong.
func TestCatchUpWaitsForEventsCommittedBeforeIt(t *testing.T) {
	pool := pgtest.NewPool(t)
	store, ctx := postgres.New(pool), context.Background()
	old := uuid.New()
	if _, err := pool.Exec(ctx, `INSERT INTO events (tx_id, event_id, stream_id, version, type, schema_version, data)
		VALUES ('99', $1, 'old', 1, 'Tested', 1, '{}')`, old); err != nil {
		t.Fatal(err)
	}
	held, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(ctx)
	heldIDs := appendBatch(t, postgres.New(held), "held", 1)
	late := appendBatch(t, store, "late", 1)

	runner := testRunner(pool, 1000)
	p := &recorder{tag: "r"}
	if err := runner.Setup(ctx, p); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, failAfter)
		defer cancel()
		done <- runner.CatchUp(ctx, p)
	}()
	eventually(t, "the readable event to be applied", func() bool { return len(recorded(t, pool)) > 0 })
	select {
	case err := <-done:
		t.Fatalf("CatchUp returned (%v) while an event committed before it was still unreadable", err)
	default:
	}
	if err := held.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := recorded(t, pool)
	for _, id := range []uuid.UUID{old, heldIDs[0], late[0]} {
		if got[id].Applies != 1 {
			t.Errorf("event %s applied %d times when CatchUp returned, want once", id, got[id].Applies)
		}
	}
}
