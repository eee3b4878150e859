package projections

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/logproc/logproc/events/postgres/pgtest"
)

// idsV2 is idsProjector as a newer release has it.
type idsV2 struct{ idsProjector }

func (idsV2) Version() int { return 2 }

// subscriberAt is a subscriber without tables at a version.
type subscriberAt struct{ v int }

func (subscriberAt) Name() string                                         { return "sub" }
func (p subscriberAt) Version() int                                       { return p.v }
func (subscriberAt) Tables() []Table                                      { return nil }
func (subscriberAt) Apply(context.Context, pgx.Tx, Tables, []Event) error { return nil }

// oldLeader is a runner of the older release in a rolling upgrade, which
// keeps its generations for as long as a test runs.
func oldLeader(t *testing.T, reg *prometheus.Registry, p Projector) *Runner {
	t.Helper()
	r := NewRunner(pgtest.NewPool(t), nil, slog.New(slog.DiscardHandler))
	r.PollInterval, r.Metrics = time.Hour, NewMetrics(reg, nil, nil)
	if err := r.Setup(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return r
}

// A newer release switches its generation live and drops the old one's
// tables while the older release's leader keeps the old generation as
// live: the leader's next batch fails on a table that is gone, which is the
// upgrade, not a failure: the step reports no error and counts none, and
// the leader then sees the newer generation.
func TestAKeptGenerationRetiredAndDroppedIsNoFailure(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	old := oldLeader(t, reg, idsProjector{})
	appendTested(t, old.pool, 3)
	err := old.withLock(ctx, idsProjector{}, func(s *session) error {
		if err := s.stepUntil(func(live *generation) bool { return live.Applied == 3 }); err != nil {
			return err
		}
		newer := NewRunner(old.pool, nil, slog.New(slog.DiscardHandler))
		if err := newer.withLock(ctx, idsV2{}, func(s2 *session) error {
			for range 50 {
				if _, err := s2.step(); err != nil {
					return err
				}
				if s2.live != nil && s2.live.Generation == 2 && s2.dropped == 2 {
					return nil
				}
			}
			t.Fatalf("the newer release never switched and dropped: %+v", s2.live)
			return nil
		}); err != nil {
			return err
		}
		appendTested(t, old.pool, 2)
		// Until the new events are readable the older leader finds
		// nothing to do; then its batch fails, and it must step on.
		if err := s.stepUntil(func(live *generation) bool { return live.Generation == 2 }); err != nil {
			t.Fatalf("the older leader's step after the switch: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := countersSum(t, reg); n != 0 {
		t.Errorf("%v apply errors counted", n)
	}
}

// A newer release takes a subscriber's live generation to its version and
// moves its checkpoint while the older release's leader keeps it: the
// older leader's batch finds the checkpoint moved, which is the upgrade,
// not a failure.
func TestAKeptSubscriberTakenAndMovedIsNoFailure(t *testing.T) {
	ctx := context.Background()
	reg := prometheus.NewRegistry()
	old := oldLeader(t, reg, subscriberAt{1})
	appendTested(t, old.pool, 3)
	err := old.withLock(ctx, subscriberAt{1}, func(s *session) error {
		if err := s.stepUntil(func(live *generation) bool { return live.Applied == 3 }); err != nil {
			return err
		}
		appendTested(t, old.pool, 2)
		newer := NewRunner(old.pool, nil, slog.New(slog.DiscardHandler))
		if err := newer.withLock(ctx, subscriberAt{2}, func(s2 *session) error {
			return s2.stepUntil(func(live *generation) bool { return live.Version == 2 && live.Applied == 5 })
		}); err != nil {
			return err
		}
		appendTested(t, old.pool, 1)
		if err := s.stepUntil(func(live *generation) bool { return live.Version == 2 }); err != nil {
			t.Errorf("the older leader's step after the newer release took the generation: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := countersSum(t, reg); n != 0 {
		t.Errorf("%v apply errors counted", n)
	}
}

// countersSum adds up every counter in reg.
func countersSum(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			n += m.GetCounter().GetValue()
		}
	}
	return n
}
