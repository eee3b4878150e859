package projections_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
	"github.com/logproc/logproc/projections"
)

// These tests hold a leader to the statements it issues per unit of work,
// and prove that what it no longer asks at each step still reaches it: an
// operator's rebuild, and events that come just after a batch.

// statementCounter counts the statements a pool's connections send, by
// kind. It is the pool's pgx tracer.
type statementCounter struct {
	mu sync.Mutex
	n  map[string]int
}

// Statement kinds a leader's step is made of.
const (
	loadGenerations = "load generations"
	begin           = "begin"
	commit          = "commit"
	rollback        = "rollback"
)

func statementKind(sql string) string {
	switch s := strings.TrimSpace(sql); {
	case s == begin, s == commit, s == rollback:
		return s
	case strings.Contains(s, "FROM projections WHERE name = $1 AND state <> 'retired'"):
		return loadGenerations
	}
	return "other"
}

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[statementKind(data.SQL)]++
	return ctx
}

func (*statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *statementCounter) counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := map[string]int{}
	for _, k := range []string{loadGenerations, begin, commit, rollback} {
		out[k] = c.n[k]
	}
	return out
}

// countingPool returns a pool on the database at url whose statements are
// counted.
func countingPool(t *testing.T, url string) (*pgxpool.Pool, *statementCounter) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	c := &statementCounter{n: map[string]int{}}
	cfg.ConnConfig.Tracer = c
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool, c
}

// notifier returns a waker that wakes on every append to the database of
// pool, as serve's does, listening until the test ends.
func notifier(t *testing.T, pool *pgxpool.Pool) *postgres.Notifier {
	t.Helper()
	n := postgres.NewNotifier(pool, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); n.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return n
}

// start applies p with r in the background until stop is called or the
// test ends; stop returns once the runner has.
func start(t *testing.T, r *projections.Runner, p projections.Projector) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, p) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// TestLeaderLoadsItsGenerationsOncePerPollInterval has a leader apply ten
// batches in a row, then events it is woken for: it loads its generations
// once, not at every step, and opens a transaction only for a batch it
// applies.
func TestLeaderLoadsItsGenerationsOncePerPollInterval(t *testing.T) {
	url := pgtest.NewDatabase(t)
	pool := newPool(t, url)
	counted, statements := countingPool(t, url)
	store := postgres.New(pool)
	p := &recorder{tag: "r"}
	if err := testRunner(pool, 10).Setup(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	r := projections.NewRunner(counted, notifier(t, pool), slog.New(slog.DiscardHandler))
	r.BatchSize = 10
	appendBatch(t, store, "s-1", 95)
	began := time.Now()
	stop := start(t, r, p)
	eventually(t, "95 events to be applied", func() bool { return len(recorded(t, pool)) == 95 })
	appendBatch(t, store, "s-2", 3)
	eventually(t, "the 3 woken for to be applied", func() bool { return len(recorded(t, pool)) == 98 })
	stop()

	// Events are readable once every transaction older than theirs has
	// ended, in any database of the server: a read may come up short until
	// the next poll, and a poll loads the generations again.
	got := statements.counts()
	if most := 1 + int(time.Since(began)/r.PollInterval); got[loadGenerations] > most {
		t.Errorf("the leader loaded its generations %d times in %s; want at most %d, once per poll interval",
			got[loadGenerations], time.Since(began).Round(time.Millisecond), most)
	}
	// A transaction for each batch, and one for the session's first look
	// for retired generations; none for a step that found nothing.
	delete(got, loadGenerations)
	want := map[string]int{begin: 12, commit: 12, rollback: 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("transactions of a leader that applied 11 batches (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{10, 10, 10, 10, 10, 10, 10, 10, 10, 5, 3}, p.batchSizes()); diff != "" {
		t.Errorf("batch sizes (-want +got):\n%s", diff)
	}
}

// TestAnOperatorsRebuildIsPickedUpByTheLeader starts a rebuild, as
// `logproc projections rebuild` does, while another process leads the
// projection, idle or busy applying batches: the leader builds the new
// generation and switches to it, and the rebuild returns, without waiting
// for a busy leader to catch up first.
func TestAnOperatorsRebuildIsPickedUpByTheLeader(t *testing.T) {
	tests := []struct {
		name   string
		events int
		// batchTakes is how long the leader spends on each batch.
		batchTakes time.Duration
	}{
		{"leader idle", 20, 0},
		{"leader busy", 1000, 10 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.NewDatabase(t)
			pool := newPool(t, url)
			leader := testRunner(pool, 5)
			leader.PollInterval = 200 * time.Millisecond
			p := &recorder{tag: "leader", beforeWrite: func(context.Context, projections.Tables, []projections.Event) error {
				time.Sleep(tt.batchTakes)
				return nil
			}}
			if err := leader.Setup(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			ids := appendBatch(t, postgres.New(pool), "s-1", tt.events)
			start(t, leader, p)
			eventually(t, "the leader to apply", func() bool { return len(recorded(t, pool)) > 0 })
			if tt.batchTakes == 0 {
				eventually(t, "the leader to be idle", func() bool { return len(recorded(t, pool)) == len(ids) })
			}

			operator := testRunner(newPool(t, url), 5)
			ctx, cancel := context.WithTimeout(context.Background(), failAfter)
			defer cancel()
			if n, err := operator.Rebuild(ctx, &recorder{tag: "operator"}, nil); err != nil || n != 2 {
				t.Fatalf("rebuild = generation %d, %v; want 2", n, err)
			}
			if applied := appliedTo(t, pool, p.Name(), 1); tt.batchTakes > 0 && applied >= int64(len(ids)) {
				t.Errorf("generation 1 had applied all %d events before the switch: the leader only "+
					"picked the rebuild up once idle", applied)
			}
			eventually(t, "generation 2 to hold every event", func() bool { return len(recorded(t, pool)) == len(ids) })
			for id, e := range recorded(t, pool) {
				if e != (recordedEvent{Tag: "leader", Applies: 1}) {
					t.Errorf("event %s in generation 2 = %+v; want applied once by the leader", id, e)
				}
			}
		})
	}
}

// appliedTo returns how many events the projection's generation n applied.
func appliedTo(t *testing.T, pool *pgxpool.Pool, name string, n int) int64 {
	t.Helper()
	var applied int64
	if err := pool.QueryRow(context.Background(), `SELECT applied FROM projections WHERE name = $1 AND generation = $2`,
		name, n).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	return applied
}

// TestEventsAppendedDuringAPartialBatchAreApplied appends events while the
// leader applies a batch shorter than its batch size: they are applied
// next, when the leader is woken for them and when it only polls.
func TestEventsAppendedDuringAPartialBatchAreApplied(t *testing.T) {
	for _, woken := range []bool{true, false} {
		t.Run(fmt.Sprintf("woken %v", woken), func(t *testing.T) {
			t.Parallel()
			url := pgtest.NewDatabase(t)
			pool := newPool(t, url)
			store := postgres.New(pool)
			// With a waker the poll is serve's, one second. A poll that
			// never comes would make the test hang whenever a transaction
			// elsewhere on the server hides the events from one read.
			var wake projections.Waker
			poll := 50 * time.Millisecond
			if woken {
				wake, poll = notifier(t, pool), time.Second
			}
			r := projections.NewRunner(pool, wake, slog.New(slog.DiscardHandler))
			r.PollInterval = poll
			// The first batch waits in Apply while the test appends.
			inBatch, appended := make(chan struct{}), make(chan struct{})
			var first sync.Once
			p := &recorder{tag: "r", beforeWrite: func(ctx context.Context, _ projections.Tables, _ []projections.Event) error {
				first.Do(func() {
					close(inBatch)
					select {
					case <-appended:
					case <-ctx.Done():
					}
				})
				return ctx.Err()
			}}
			if err := r.Setup(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			appendBatch(t, store, "s-1", 3)
			start(t, r, p)
			select {
			case <-inBatch:
			case <-time.After(failAfter):
				t.Fatal("the first batch was never applied")
			}
			appendBatch(t, store, "s-2", 2)
			close(appended)
			eventually(t, "all 5 events to be applied", func() bool { return len(recorded(t, pool)) == 5 })
			if diff := cmp.Diff([]int{3, 2}, p.batchSizes()); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
		})
	}
}
