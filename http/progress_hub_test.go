package http

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// versions is a read model whose job moves one version per read.
type versions struct {
	StatsReader
	mu    sync.Mutex
	reads int64
}

func (v *versions) Job(_ context.Context, id uuid.UUID, _ string) (*domain.Job, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reads++
	j := domain.NewJob(id)
	j.Version, j.Status = v.reads, domain.StatusProcessing
	return j, nil
}

func (v *versions) JobErrorGroups(context.Context, uuid.UUID, int) ([]events.ErrorGroup, error) {
	return nil, nil
}

// TestAFollowerThatReadsNothingNeverBlocksTheHub changes a job many times
// while one follower reads nothing: the hub delivers every change at once
// to the others, and the idle follower's mailbox holds only the newest.
func TestAFollowerThatReadsNothingNeverBlocksTheHub(t *testing.T) {
	stats := &versions{}
	hub := NewProgressHub(stats, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go hub.Run(ctx)
	id := uuid.New()
	idle, _ := hub.follow(id, "alice")
	busy, _ := hub.follow(id, "bob")
	var last int64
	for range 100 {
		hub.Changed(id)
		select {
		case v := <-busy.mailbox:
			if v.Version <= last {
				t.Fatalf("version %d after %d", v.Version, last)
			}
			last = v.Version
		case <-time.After(time.Minute): // a failure guard, not a timing
			t.Fatal("the hub stopped delivering while a follower read nothing")
		}
	}
	if v := <-idle.mailbox; v.Version != last {
		t.Errorf("the idle follower's mailbox holds version %d, want the newest, %d", v.Version, last)
	}
	if len(idle.mailbox) != 0 {
		t.Error("the idle follower's mailbox held more than one snapshot")
	}
}
