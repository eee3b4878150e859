package projections

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

// flakyProjector fails while failing is set, as the dispatcher does while
// Redis is down.
type flakyProjector struct {
	failing atomic.Bool
	applied atomic.Int64
}

func (*flakyProjector) Name() string    { return "flaky" }
func (*flakyProjector) Version() int    { return 1 }
func (*flakyProjector) Tables() []Table { return nil }

func (p *flakyProjector) Apply(_ context.Context, _ pgx.Tx, _ Tables, batch []Event) error {
	if p.failing.Load() {
		return errors.New("dependency down")
	}
	p.applied.Add(int64(len(batch)))
	return nil
}

func TestBackoffStartsOverAfterAGoodRun(t *testing.T) {
	pool := pgtest.NewPool(t)
	store := postgres.New(pool)
	add := func() {
		e := events.Event{ID: uuid.New(), Type: "Tested", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
		if _, err := store.AppendToStream(context.Background(), "s-"+uuid.NewString(), 0, e); err != nil {
			t.Fatal(err)
		}
	}
	p := &flakyProjector{}
	p.failing.Store(true)
	r := NewRunner(pool, nil, slog.New(slog.DiscardHandler))
	r.PollInterval = 10 * time.Millisecond
	var mu sync.Mutex
	var waits []time.Duration
	r.wait = func(ctx context.Context, d time.Duration) {
		mu.Lock()
		waits = append(waits, d)
		if len(waits) == 3 {
			p.failing.Store(false) // the dependency is back
		}
		mu.Unlock()
		sleep(ctx, time.Millisecond)
	}
	if err := r.Setup(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	add()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx, p) }()
	defer func() { stop(); <-done }()

	eventuallyTrue(t, "the projector to apply after three failures", func() bool { return p.applied.Load() == 1 })
	p.failing.Store(true) // the dependency fails again, after a good run
	add()
	eventuallyTrue(t, "a fourth failure", func() bool { mu.Lock(); defer mu.Unlock(); return len(waits) >= 4 })
	mu.Lock()
	defer mu.Unlock()
	want := []time.Duration{r.LockRetry, 2 * r.LockRetry, 4 * r.LockRetry, r.LockRetry}
	if !slices.Equal(waits[:4], want) {
		t.Errorf("waits between tries = %v, want %v", waits[:4], want)
	}
}

func eventuallyTrue(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
