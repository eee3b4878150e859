package worker_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

// hostileLogs are files whose bytes have tripped the path from a log to a
// stored event: each must end as a completed job, or as a job failed for a
// reason its owner can act on, never as a retried internal error.
var hostileLogs = map[string][]byte{
	"NUL in an error line":               withLines("2026-11-27 10:00:01 ERROR [db] query \x00 failed for user \x00\x00 bob\n"),
	"NUL in a component and a keyword":   withLines("2026-11-27 10:00:01 ERROR [d\x00b] timeout\x00 refused\n"),
	"an escaped NUL as text":             withLines(`2026-11-27 10:00:01 ERROR payload {"k":"\u0000"} refused` + "\n"),
	"invalid UTF-8 and a lone surrogate": withLines("2026-11-27 10:00:01 ERROR bad \xff\xfe bytes \xed\xa0\x80 here\n"),
	"control characters":                 withLines("2026-11-27 10:00:01 ERROR \x1b[31mred\x1b[0m \r\x07 bell\n"),
}

// withLines puts a hostile line among ordinary ones, as in a real log: few
// enough odd bytes that the file passes for text.
func withLines(line string) []byte {
	var b bytes.Buffer
	for i := range 200 {
		fmt.Fprintf(&b, "2026-11-27 10:00:00 INFO [main] request %d served\n", i)
	}
	b.WriteString(line)
	b.WriteString("2026-11-27 10:00:02 INFO [main] done\n")
	return b.Bytes()
}

// analyseOnPostgres runs one upload of content through the real engine into
// the PostgreSQL event store and returns the job as its stored events fold.
func analyseOnPostgres(t testing.TB, f fixture, content []byte) (*domain.Job, error) {
	t.Helper()
	f.t = t
	id := f.submit(content, 0)
	err := f.handler(worker.NewEngine(nil)).ProcessTask(f.ctx, task(t, id))
	return f.job(id), err
}

func TestHostileBytesReachTheEventStore(t *testing.T) {
	f := newFixtureOn(t, postgres.New(pgtest.NewPool(t)))
	for name, content := range hostileLogs {
		t.Run(name, func(t *testing.T) {
			job, err := analyseOnPostgres(t, *f, content)
			if err != nil || job.Status != domain.StatusCompleted {
				t.Fatalf("job = %s (%s), handler error %v; want completed", job.Status, job.FailureReason, err)
			}
			if job.Errors == 0 {
				t.Errorf("job found no errors in %q", content)
			}
		})
	}
}

// FuzzBytesToStoredEvents feeds any bytes through the whole path a log takes
// after its upload: the engine, the job's commands and the PostgreSQL event
// store. Whatever a file holds, its job ends completed, or failed because
// the file is not a log, and every stored event decodes.
func FuzzBytesToStoredEvents(f *testing.F) {
	for _, content := range hostileLogs {
		f.Add(content)
	}
	f.Add(sampleLog())
	fx := newFixtureOn(f, postgres.New(pgtest.NewPool(f)))
	f.Fuzz(func(t *testing.T, content []byte) {
		if len(bytes.TrimSpace(content)) == 0 {
			return // an empty file is refused at upload
		}
		job, err := analyseOnPostgres(t, *fx, content)
		switch {
		case job.Status == domain.StatusCompleted:
		case job.Status == domain.StatusFailed && job.FailureCode == domain.EUNSUPPORTED:
			if !errors.Is(err, asynq.SkipRetry) {
				t.Errorf("a file refused as %q would be retried: %v", job.FailureReason, err)
			}
		default:
			t.Fatalf("job = %s %s (%s), handler error %v", job.Status, job.FailureCode, job.FailureReason, err)
		}
		recs, err := fx.store.ReadStream(fx.ctx, events.JobStream(job.ID), 0, 10000)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range recs {
			if _, err := events.Decode(rec.Event); err != nil {
				t.Errorf("stored event %s does not decode: %v", rec.Type, err)
			}
		}
	})
}

// refusingStore is an event store that refuses every chunk's events, as
// PostgreSQL refuses content it cannot store.
type refusingStore struct{ events.Store }

func (s refusingStore) AppendToStream(ctx context.Context, stream string, expected int64, evs ...events.Event) (int64, error) {
	if evs[0].Type == events.TypeLinesParsed {
		return 0, fmt.Errorf("append to %s: %w: ERROR: unsupported Unicode escape sequence (SQLSTATE 22P05)",
			stream, events.ErrRefused)
	}
	return s.Store.AppendToStream(ctx, stream, expected, evs...)
}

func TestEventsTheStoreRefusesFailTheJobAtOnce(t *testing.T) {
	f := newFixtureOn(t, refusingStore{memory.New()})
	id := f.submit(sampleLog(), 0)
	err := f.handler(worker.NewEngine(nil)).ProcessTask(f.ctx, task(t, id))
	if !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("handler error = %v, want SkipRetry", err)
	}
	j := f.job(id)
	if j.Status != domain.StatusFailed || !strings.Contains(j.FailureReason, "event store refused") || j.Attempts != 1 {
		t.Errorf("job = %s after %d attempts, reason %q; want failed at once with a reason", j.Status, j.Attempts, j.FailureReason)
	}
}

// flakyStore is an event store that cannot be reached for its first calls,
// as while PostgreSQL restarts.
type flakyStore struct {
	events.Store
	mu       sync.Mutex
	failures int
}

func (s *flakyStore) down() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures--
	return s.failures >= 0
}

func (s *flakyStore) AppendToStream(ctx context.Context, stream string, expected int64, evs ...events.Event) (int64, error) {
	if evs[0].Type != events.TypeJobSubmitted && s.down() {
		return 0, fmt.Errorf("append to %s: %w: connection refused", stream, events.ErrUnavailable)
	}
	return s.Store.AppendToStream(ctx, stream, expected, evs...)
}

func (s *flakyStore) ReadStream(ctx context.Context, stream string, after int64, limit int) ([]events.Record, error) {
	if s.down() {
		return nil, fmt.Errorf("read stream %s: %w: connection refused", stream, events.ErrUnavailable)
	}
	return s.Store.ReadStream(ctx, stream, after, limit)
}

func TestAttemptWaitsForTheEventStoreToComeBack(t *testing.T) {
	store := &flakyStore{Store: memory.New()}
	f := newFixtureOn(t, store)
	id := f.submit(sampleLog(), 300)
	store.mu.Lock()
	store.failures = 4
	store.mu.Unlock()
	if err := f.handler(worker.NewEngine(nil)).ProcessTask(f.ctx, task(t, id)); err != nil {
		t.Fatalf("the attempt failed instead of waiting: %v", err)
	}
	j := f.job(id)
	if j.Status != domain.StatusCompleted || j.Attempts != 1 || j.Entries != 2000 {
		t.Errorf("job = %s after %d attempts with %d entries; want completed in one, 2000 entries", j.Status, j.Attempts, j.Entries)
	}
}

// refusingBlobs is a blob store that refuses to read a file as such, as
// Supabase Storage answers a request it will never serve (an HTTP 4xx).
type refusingBlobs struct{ domain.BlobStore }

func (refusingBlobs) Open(context.Context, string) (io.ReadCloser, error) {
	return nil, domain.Wrap(fmt.Errorf("%w: HTTP 400 InvalidKey", domain.ErrRefused), domain.EINTERNAL,
		"blob storage refused the request")
}

func TestABlobStoreRefusalFailsTheJobAtOnce(t *testing.T) {
	f := newFixture(t)
	id := f.submit(sampleLog(), 0)
	h := worker.NewHandler(f.store, refusingBlobs{f.blobs}, worker.NewEngine(nil), f.log)
	if err := h.ProcessTask(f.ctx, task(t, id)); !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("handler error = %v, want SkipRetry", err)
	}
	j := f.job(id)
	if j.Status != domain.StatusFailed || j.FailureReason != "blob storage refused the request" || j.Attempts != 1 {
		t.Errorf("job = %s after %d attempts, reason %q; want failed at once", j.Status, j.Attempts, j.FailureReason)
	}
}
