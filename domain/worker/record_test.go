package worker_test

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
)

// breakingStore refuses every chunk's append after the first ok ones.
type breakingStore struct {
	events.Store
	ok, chunks atomic.Int64
}

var errStoreBroke = errors.New("the event store broke")

func (s *breakingStore) AppendToStream(ctx context.Context, stream string, expected int64, evs ...events.Event) (int64, error) {
	for _, e := range evs {
		if e.Type == events.TypeLinesParsed && s.chunks.Add(1) > s.ok.Load() {
			return 0, errStoreBroke
		}
	}
	return s.Store.AppendToStream(ctx, stream, expected, evs...)
}

// countingEmits counts the chunks the analysis cut.
type countingEmits struct {
	worker.Analyzer
	emitted atomic.Int64
}

func (a *countingEmits) Analyze(ctx context.Context, r io.Reader, s domain.AnalysisSettings, emit func(domain.Chunk) error) error {
	return a.Analyzer.Analyze(ctx, r, s, func(c domain.Chunk) error {
		a.emitted.Add(1)
		return emit(c)
	})
}

// Chunks are saved beside the analysis; a save that fails stops the
// analysis within a few chunks, the attempt fails with the save's error,
// and the next attempt resumes after the last chunk saved.
func TestAChunkThatCannotBeSavedStopsTheAnalysis(t *testing.T) {
	store := &breakingStore{Store: memory.New()}
	store.ok.Store(1 << 30)
	f := newFixtureOn(t, store)
	engine := worker.NewEngine(nil)
	clean, broken := f.submit(sampleLog(), 50), f.submit(sampleLog(), 50)
	if err := f.handler(engine).ProcessTask(f.ctx, task(t, clean)); err != nil {
		t.Fatal(err)
	}
	all := int64(f.job(clean).Chunks)
	store.chunks.Store(0)
	store.ok.Store(4)
	counting := &countingEmits{Analyzer: engine}
	err := f.handler(counting).ProcessTask(f.ctx, task(t, broken))
	if !errors.Is(err, errStoreBroke) {
		t.Fatalf("attempt with a broken store: err %v, want %v", err, errStoreBroke)
	}
	mid := f.job(broken)
	if mid.Status != domain.StatusProcessing || mid.Chunks != 4 {
		t.Fatalf("after the failed save: %s with %d chunks, want processing with 4", mid.Status, mid.Chunks)
	}
	// The fifth chunk's save failed; at most the chunks waiting for their
	// save and the one being handed over were cut after it.
	if n := counting.emitted.Load(); n >= all || n > 5+worker.RecordAhead+1 {
		t.Errorf("the analysis cut %d of %d chunks after its fifth could not be saved", n, all)
	}
	store.ok.Store(1 << 30)
	if err := f.handler(engine).ProcessTask(f.ctx, task(t, broken)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f.job(clean), f.job(broken), comparable); diff != "" {
		t.Errorf("resumed job differs from a clean run (-clean +resumed):\n%s", diff)
	}
}
