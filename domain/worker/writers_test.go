package worker_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
)

// conflictCountingStore counts the appends that found their stream moved.
type conflictCountingStore struct {
	events.Store
	conflicts atomic.Int64
}

func (s *conflictCountingStore) AppendToStream(ctx context.Context, stream string, expected int64, evs ...events.Event) (int64, error) {
	v, err := s.Store.AppendToStream(ctx, stream, expected, evs...)
	if errors.Is(err, events.ErrConcurrency) {
		s.conflicts.Add(1)
	}
	return v, err
}

// barrier holds each party at arrive until every party still in has
// arrived; a party that leaves is no longer waited for.
type barrier struct {
	mu              sync.Mutex
	cond            *sync.Cond
	parties, waited int
	round           int
}

func newBarrier(parties int) *barrier {
	b := &barrier{parties: parties}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *barrier) arrive() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.waited++
	round := b.round
	b.release()
	for round == b.round {
		b.cond.Wait()
	}
}

func (b *barrier) leave() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.parties--
	b.release()
}

func (b *barrier) release() {
	if b.waited > 0 && b.waited >= b.parties {
		b.waited = 0
		b.round++
		b.cond.Broadcast()
	}
}

// stepParts runs parts in step: each part hands its chunks over to be
// saved at the same moment as the others, so their saves race.
type stepParts struct {
	worker.Analyzer
	step *barrier
}

func (a stepParts) AnalyzePart(ctx context.Context, head, body io.Reader, p events.PartPlan,
	s domain.AnalysisSettings, emit func(domain.Chunk) error) (domain.PartResult, error) {
	defer a.step.leave()
	a.step.arrive()
	return a.Analyzer.AnalyzePart(ctx, head, body, p, s, func(c domain.Chunk) error {
		a.step.arrive()
		return emit(c)
	})
}

// Two parts of a job that one worker runs at once, in step, take turns at
// appending: no append of theirs finds the stream moved, and the job ends
// as a whole run does.
func TestPartsOfAJobOnOneWorkerTakeTurnsAtAppending(t *testing.T) {
	store := &conflictCountingStore{Store: memory.New()}
	pp := planOn(t, store)
	f, engine, content, whole, parted, parts, h := pp.partsFixture, pp.engine, pp.content, pp.whole, pp.parted, pp.parts, pp.h
	step := newBarrier(2)
	stepped := f.partHandler(stepParts{Analyzer: engine, step: step})
	run := func(ps []int) {
		var wg sync.WaitGroup
		for _, p := range ps {
			wg.Go(func() {
				if err := stepped.ProcessTask(f.ctx, partTask(t, parted, p)); err != nil {
					t.Errorf("part %d: %v", p, err)
					step.leave() // a part that failed before its analysis must not hold the other
				}
			})
		}
		wg.Wait()
	}
	run(parts[:2])
	if n := store.conflicts.Load(); n != 0 {
		t.Errorf("%d appends of two parts on one worker found the stream moved; want none", n)
	}
	if n := stepped.TurnsHeld(); n != 0 {
		t.Errorf("the worker holds turns of %d jobs after their tasks ended", n)
	}
	for _, p := range parts[2:] {
		if err := h.ProcessTask(f.ctx, partTask(t, parted, p)); err != nil {
			t.Fatalf("part %d: %v", p, err)
		}
	}
	if diff := sameResult(t, content, f.job(whole), f.job(parted)); diff != "" {
		t.Errorf("parts that took turns differ from a whole run (-whole +parts):\n%s", diff)
	}
}
