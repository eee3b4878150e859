package worker_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
)

// readCountingStore counts the events read from streams.
type readCountingStore struct {
	events.Store
	read atomic.Int64
}

func (s *readCountingStore) ReadStream(ctx context.Context, stream string, after int64, limit int) ([]events.Record, error) {
	recs, err := s.Store.ReadStream(ctx, stream, after, limit)
	s.read.Add(int64(len(recs)))
	return recs, err
}

// The parts of a job that one worker runs one after another fold the job
// on from where the last of them ended: together they read each event of
// the job's stream at most once, where folding afresh reads every earlier
// part's chunks again for each part. A second worker, which ran none of
// them, folds the job afresh. The job ends as a whole run does.
func TestPartsOnOneWorkerFoldTheJobOnFromTheLastPart(t *testing.T) {
	store := &readCountingStore{Store: memory.New()}
	pp := planOn(t, store)
	f, engine, content, whole, parted, parts, h := pp.partsFixture, pp.engine, pp.content, pp.whole, pp.parted, pp.parts, pp.h
	store.read.Store(0)
	for _, p := range parts[:len(parts)-1] {
		if err := h.ProcessTask(f.ctx, partTask(t, parted, p)); err != nil {
			t.Fatalf("part %d: %v", p, err)
		}
	}
	stream, err := store.Store.ReadStream(f.ctx, events.JobStream(parted), 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if n := store.read.Load(); n > int64(len(stream)) {
		t.Errorf("the parts run on one worker read %d events of a stream of %d; want each read once at most", n, len(stream))
	}
	store.read.Store(0)
	other := f.partHandler(engine)
	if err := other.ProcessTask(f.ctx, partTask(t, parted, parts[len(parts)-1])); err != nil {
		t.Fatalf("last part: %v", err)
	}
	if n := store.read.Load(); n < int64(len(stream)) {
		t.Errorf("a worker that ran no part of the job read %d events of its stream of %d; want all of them", n, len(stream))
	}
	if diff := sameResult(t, content, f.job(whole), f.job(parted)); diff != "" {
		t.Errorf("parts that folded on differ from a whole run (-whole +parts):\n%s", diff)
	}
}
