package projections

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/logproc/logproc/events/postgres/pgtest"
)

// A rebuild whose generation is abandoned before it goes live, as a newer
// release does when it begins building its own, ends with an error instead
// of waiting for a generation that never will.
func TestARebuildWhoseGenerationIsAbandonedEnds(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a guard against a hang, not a timing
	defer cancel()
	r := NewRunner(pool, nil, slog.New(slog.DiscardHandler))
	r.LockRetry = 10 * time.Millisecond
	if err := r.Setup(ctx, idsProjector{}); err != nil {
		t.Fatal(err)
	}
	appendTested(t, pool, 3)
	// A leader holds the lock, so the rebuild only watches its generation
	// (no step of it can switch it live first, as a step that reads no
	// event yet, with older transactions running on the server, would).
	locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- NewRunner(pool, nil, slog.New(slog.DiscardHandler)).withLock(ctx, idsProjector{}, func(*session) error {
			close(locked)
			<-release
			return nil
		})
	}()
	select {
	case <-locked:
	case err := <-held:
		t.Fatalf("the leader could not take the lock: %v", err)
	}
	defer func() {
		close(release)
		if err := <-held; err != nil {
			t.Error(err)
		}
	}()
	abandoned := 0
	_, err := r.Rebuild(ctx, idsProjector{}, func(st []Status) {
		for _, s := range st {
			if s.State == StateBuilding && abandoned == 0 {
				if err := abandonGeneration(ctx, pool, idsProjector{}, s.Generation); err != nil {
					t.Error(err)
				}
				abandoned = s.Generation
			}
		}
	})
	if abandoned == 0 {
		t.Fatal("the rebuild reported no building generation")
	}
	if !errors.Is(err, ErrRebuildAbandoned) {
		t.Fatalf("rebuild after its generation %d was abandoned: %v, want ErrRebuildAbandoned", abandoned, err)
	}
}
