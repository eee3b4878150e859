package projections_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/eventstest"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
	"github.com/logproc/logproc/projections"
)

// These tests prove the projection runner against real concurrency on the
// PostgreSQL event store: writers racing on many streams, and transactions
// held open while later ones commit.

// orderProjector records every event it is given, with the order it applied
// them in, and refuses an event that does not follow its stream's previous
// one: a skipped, repeated or reordered event fails the batch.
type orderProjector struct {
	mu       sync.Mutex
	firstErr error
}

const (
	tableOrderEvents  = "order_events"
	tableOrderStreams = "order_streams"
)

func (*orderProjector) Name() string { return "order_check" }
func (*orderProjector) Version() int { return 1 }

func (*orderProjector) Tables() []projections.Table {
	return []projections.Table{
		{Name: tableOrderEvents, Schema: `CREATE TABLE %[1]s (
			stream_id text NOT NULL,
			version   bigint NOT NULL,
			event_id  uuid NOT NULL UNIQUE,
			tx_id     numeric NOT NULL,
			pos       bigint NOT NULL,
			applied   bigint GENERATED ALWAYS AS IDENTITY,
			PRIMARY KEY (stream_id, version)
		)`},
		{Name: tableOrderStreams, Schema: `CREATE TABLE %[1]s (
			stream_id text PRIMARY KEY,
			version   bigint NOT NULL
		)`},
	}
}

func (p *orderProjector) Apply(ctx context.Context, tx pgx.Tx, t projections.Tables, batch []projections.Event) error {
	err := p.apply(ctx, tx, t, batch)
	if err != nil && ctx.Err() == nil {
		p.mu.Lock()
		if p.firstErr == nil {
			p.firstErr = err
		}
		p.mu.Unlock()
	}
	return err
}

// err returns the first error Apply returned, which a Runner only logs.
func (p *orderProjector) err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.firstErr
}

func (p *orderProjector) apply(ctx context.Context, tx pgx.Tx, t projections.Tables, batch []projections.Event) error {
	versions := map[string]int64{}
	var streams []string
	for _, r := range batch {
		if _, ok := versions[r.StreamID]; !ok {
			versions[r.StreamID] = 0
			streams = append(streams, r.StreamID)
		}
	}
	rows, err := tx.Query(ctx, `SELECT stream_id, version FROM `+t.Of(tableOrderStreams)+` WHERE stream_id = ANY($1)`, streams)
	if err != nil {
		return err
	}
	var stream string
	var version int64
	if _, err := pgx.ForEachRow(rows, []any{&stream, &version}, func() error {
		versions[stream] = version
		return nil
	}); err != nil {
		return err
	}
	n := len(batch)
	ids, sids, vs := make([][16]byte, n), make([]string, n), make([]int64, n)
	txs, pos := make([]string, n), make([]int64, n)
	for i, r := range batch {
		if r.Version != versions[r.StreamID]+1 {
			return fmt.Errorf("stream %s: event %s has version %d after version %d", r.StreamID, r.ID, r.Version, versions[r.StreamID])
		}
		versions[r.StreamID] = r.Version
		ids[i], sids[i], vs[i] = r.ID, r.StreamID, r.Version
		txs[i], pos[i] = strconv.FormatUint(r.Position.TxID, 10), r.Position.ID
	}
	if _, err := tx.Exec(ctx, `INSERT INTO `+t.Of(tableOrderEvents)+` (stream_id, version, event_id, tx_id, pos)
		SELECT s, v, id, x::numeric, p FROM unnest($1::text[], $2::int8[], $3::uuid[], $4::text[], $5::int8[])
			WITH ORDINALITY AS e(s, v, id, x, p, ord) ORDER BY ord`, sids, vs, ids, txs, pos); err != nil {
		return err
	}
	last := make([]int64, len(streams))
	for i, s := range streams {
		last[i] = versions[s]
	}
	_, err = tx.Exec(ctx, `INSERT INTO `+t.Of(tableOrderStreams)+` (stream_id, version)
		SELECT * FROM unnest($1::text[], $2::int8[])
		ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version`, streams, last)
	return err
}

// appended is one event as its writer saw it stored.
type appended struct {
	Stream  string
	Version int64
	ID      uuid.UUID
}

// checksum is an order-independent digest of a set of stored events.
func checksum(evs []appended) uint64 {
	var sum uint64
	for _, e := range evs {
		h := fnv.New64a()
		fmt.Fprintf(h, "%s/%d/%s", e.Stream, e.Version, e.ID)
		sum += h.Sum64()
	}
	return sum
}

// projected returns what the order projector applied, in apply order.
func projected(t *testing.T, pool *pgxpool.Pool) []appended {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT stream_id, version, event_id FROM `+tableOrderEvents+` ORDER BY applied`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowToStructByPos[appended])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// appliedInLogOrder checks that the projector applied events in (tx_id, id)
// order, which is what lets a checkpoint be a single position.
func appliedInLogOrder(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	var outOfOrder int
	err := pool.QueryRow(context.Background(), `SELECT count(*) FROM (
		SELECT (tx_id, pos) < lag((tx_id, pos)) OVER (ORDER BY applied) AS back FROM `+tableOrderEvents+`) o
		WHERE back`).Scan(&outOfOrder)
	if err != nil {
		t.Fatal(err)
	}
	if outOfOrder != 0 {
		t.Errorf("%d events were applied before an event that precedes them in the log", outOfOrder)
	}
}

func quietRunner(pool *pgxpool.Pool) *projections.Runner {
	r := projections.NewRunner(pool, nil, slog.New(slog.DiscardHandler))
	r.PollInterval, r.LockRetry = 20*time.Millisecond, 100*time.Millisecond
	return r
}

// runInBackground runs the projector until the returned stop is called; stop
// waits for the runner to return.
func runInBackground(r *projections.Runner, p projections.Projector) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx, p)
	}()
	return func() {
		cancel()
		<-done
	}
}

// TestConcurrentWritersProjectEveryEventOnceInStreamOrder appends 10,000
// events from 8 writers racing on shared streams while a projector runs, and
// checks that the projection holds every event exactly once, each stream in
// version order, in the log's order.
func TestConcurrentWritersProjectEveryEventOnceInStreamOrder(t *testing.T) {
	const writers, perWriter, streams = 8, 1250, 40
	pool := pgtest.NewPoolOf(t, writers+4)
	store, ctx := postgres.New(pool), context.Background()
	p := &orderProjector{}
	runner := quietRunner(pool)
	if err := runner.Setup(ctx, p); err != nil {
		t.Fatal(err)
	}
	stop := runInBackground(runner, p)

	var mu sync.Mutex
	var written []appended
	var conflicts int
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs, n, err := writeRandomly(ctx, pool, store, rand.New(rand.NewPCG(7, uint64(w))), perWriter, streams)
			if err != nil {
				t.Errorf("writer %d: %v", w, err)
			}
			mu.Lock()
			written, conflicts = append(written, evs...), conflicts+n
			mu.Unlock()
		}()
	}
	wg.Wait()
	stop()
	if t.Failed() {
		return
	}
	duringWrites := len(projected(t, pool))
	catchUp(t, runner, p)
	if err := p.err(); err != nil {
		t.Fatalf("projector refused a batch: %v", err)
	}
	t.Logf("%d events from %d writers (%d version conflicts retried); %d applied while writing",
		len(written), writers, conflicts, duringWrites)

	got := projected(t, pool)
	if len(written) != writers*perWriter || len(got) != len(written) {
		t.Fatalf("writers stored %d events and the projection applied %d; want %d each", len(written), len(got), writers*perWriter)
	}
	if want, have := checksum(written), checksum(got); want != have {
		t.Errorf("projection checksum %x, writers' %x", have, want)
	}
	streamsContiguous(t, pool)
	appliedInLogOrder(t, pool)
}

// writeRandomly appends n events to random streams in batches of 1 to 4, at
// the version it last saw, re-reading the version after a concurrency error.
func writeRandomly(ctx context.Context, pool *pgxpool.Pool, store *postgres.Store, rng *rand.Rand, n, streams int) ([]appended, int, error) {
	versions := map[string]int64{}
	var out []appended
	conflicts := 0
	for len(out) < n {
		stream := fmt.Sprintf("s-%02d", rng.IntN(streams))
		batch := make([]events.Event, min(1+rng.IntN(4), n-len(out)))
		for i := range batch {
			batch[i] = eventstest.Event("X", len(out)+i)
		}
		for {
			v, err := store.AppendToStream(ctx, stream, versions[stream], batch...)
			if errors.Is(err, events.ErrConcurrency) {
				conflicts++
				if err := pool.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM streams WHERE stream_id = $1`,
					stream).Scan(&v); err != nil {
					return out, conflicts, err
				}
				versions[stream] = v
				continue
			}
			if err != nil {
				return out, conflicts, err
			}
			versions[stream] = v
			for i, e := range batch {
				out = append(out, appended{stream, v - int64(len(batch)-1-i), e.ID})
			}
			break
		}
	}
	return out, conflicts, nil
}

// catchUp applies p until it has every event committed before the call. A
// runner that just stopped may hold the projection's lock until its server
// process has exited, so ErrLockHeld is retried.
func catchUp(t *testing.T, r *projections.Runner, p projections.Projector) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), failAfter)
	defer cancel()
	for {
		err := r.CatchUp(ctx, p)
		if err == nil {
			return
		}
		if !errors.Is(err, projections.ErrLockHeld) || ctx.Err() != nil {
			t.Fatalf("catch up %s (a transaction left open elsewhere on the server stalls it): %v", p.Name(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// streamsContiguous checks that each projected stream holds versions 1..n,
// with n the stream's version in the event store.
func streamsContiguous(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	rows, err := pool.Query(context.Background(), `
		SELECT s.stream_id, s.version, count(o.version), coalesce(min(o.version), 0), coalesce(max(o.version), 0)
		FROM streams s LEFT JOIN `+tableOrderEvents+` o USING (stream_id)
		GROUP BY s.stream_id, s.version ORDER BY s.stream_id`)
	if err != nil {
		t.Fatal(err)
	}
	var stream string
	var version, count, lo, hi int64
	_, err = pgx.ForEachRow(rows, []any{&stream, &version, &count, &lo, &hi}, func() error {
		if count != version || lo != 1 || hi != version {
			t.Errorf("stream %s at version %d: projected %d events, versions %d..%d", stream, version, count, lo, hi)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// stepWaker is a Waker whose wake-ups are handed over synchronously: a send
// returns only once the runner has finished a step that found nothing to
// apply and is waiting. Two sends in a row prove a whole step ran between
// them.
type stepWaker chan struct{}

func (w stepWaker) Subscribe() (<-chan struct{}, func()) { return w, func() {} }

func (w stepWaker) waitIdle(t *testing.T) {
	t.Helper()
	select {
	case w <- struct{}{}:
	case <-time.After(failAfter):
		t.Fatalf("the runner did not come back to wait for events within %s", failAfter)
	}
}

// TestProjectorWaitsForHeldTransaction holds a transaction that appended an
// event open while later transactions commit theirs. The runner must not
// apply the later events, whose positions are past the held one's, until it
// commits; then it must apply the held event too, before them.
func TestProjectorWaitsForHeldTransaction(t *testing.T) {
	pool := pgtest.NewPoolOf(t, 6)
	store, ctx := postgres.New(pool), context.Background()
	p := &orderProjector{}
	wake := make(stepWaker)
	runner := projections.NewRunner(pool, wake, slog.New(slog.DiscardHandler))
	runner.PollInterval, runner.LockRetry = 20*time.Millisecond, 100*time.Millisecond
	if err := runner.Setup(ctx, p); err != nil {
		t.Fatal(err)
	}

	before := appendOne(t, store, "before", 0)
	held, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Rollback(ctx)
	heldEvent := appendOne(t, postgres.New(held), "held", 0)
	heldTx := txID(t, held.QueryRow(ctx, `SELECT pg_current_xact_id()::text`))
	var later []uuid.UUID
	for i := range 5 {
		later = append(later, appendOne(t, store, fmt.Sprintf("later-%d", i), 0))
	}

	stop := runInBackground(runner, p)
	defer stop()
	eventuallyOK(t, "the event committed before the held transaction to be applied", func() (bool, error) {
		return len(projected(t, pool)) > 0, p.err()
	})
	wake.waitIdle(t)
	wake.waitIdle(t)
	if diff := cmp.Diff([]uuid.UUID{before}, projectedIDs(t, pool)); diff != "" {
		t.Fatalf("applied while a transaction before the later events is open (-want +got):\n%s", diff)
	}
	if cp := checkpointTx(t, pool, p.Name()); cp >= heldTx {
		t.Errorf("checkpoint tx %d passed the open transaction %d", cp, heldTx)
	}
	readable, err := store.ReadAll(ctx, events.Position{}, 100)
	if err != nil || len(readable) != 1 || readable[0].ID != before {
		t.Errorf("ReadAll while a transaction is open = %d events, %v; want only the event before it", len(readable), err)
	}

	if err := held.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	want := append([]uuid.UUID{before, heldEvent}, later...)
	eventuallyOK(t, "every event to be applied once the held transaction commits", func() (bool, error) {
		return len(projected(t, pool)) >= len(want), p.err()
	})
	stop()
	if diff := cmp.Diff(want, projectedIDs(t, pool)); diff != "" {
		t.Errorf("applied events in apply order (-want +got):\n%s", diff)
	}
	appliedInLogOrder(t, pool)
}

func appendOne(t *testing.T, store *postgres.Store, stream string, version int64) uuid.UUID {
	t.Helper()
	e := eventstest.Event("X", int(version))
	if _, err := store.AppendToStream(context.Background(), stream, version, e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func projectedIDs(t *testing.T, pool *pgxpool.Pool) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	for _, e := range projected(t, pool) {
		ids = append(ids, e.ID)
	}
	return ids
}

func checkpointTx(t *testing.T, pool *pgxpool.Pool, name string) uint64 {
	t.Helper()
	return txID(t, pool.QueryRow(context.Background(), `SELECT last_tx::text FROM projections
		WHERE name = $1 AND state = 'live'`, name))
}

// txID scans a transaction id sent as text, since xid8 has no Go type.
func txID(t *testing.T, row pgx.Row) uint64 {
	t.Helper()
	var s string
	if err := row.Scan(&s); err != nil {
		t.Fatal(err)
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// eventuallyOK polls cond until it holds or fails, failing the test with what after
// failAfter.
func eventuallyOK(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(failAfter)
	for {
		ok, err := cond()
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", failAfter, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
