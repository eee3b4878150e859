package worker_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/domain/worker/asynqtest"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

// fixture is a worker over an event store and a blob store on disk. The
// rules of deliveries run on the memory event store, which passes the same
// conformance suite as PostgreSQL's; what needs asynq runs on the real ones.
type fixture struct {
	t     testing.TB
	ctx   context.Context
	store events.Store
	blobs *storage.Local
	log   *slog.Logger
}

func newFixture(t *testing.T) *fixture { return newFixtureOn(t, memory.New()) }

func newFixtureOn(t testing.TB, store events.Store) *fixture {
	t.Helper()
	blobs, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	return &fixture{t: t, ctx: context.Background(), store: store, blobs: blobs, log: slog.New(slog.DiscardHandler)}
}

// submit stores content and records its job, as an upload does, with a
// chunk size of chunkLines lines (the default for 0).
func (f *fixture) submit(content []byte, chunkLines int) uuid.UUID {
	f.t.Helper()
	return f.submitPlanned(content, chunkLines, nil)
}

// submitPlanned is submit, with the plan in parts the upload made.
func (f *fixture) submitPlanned(content []byte, chunkLines int, plan *events.UploadPlan) uuid.UUID {
	f.t.Helper()
	id, at := uuid.New(), time.Now()
	blob, err := f.blobs.Put(f.ctx, domain.BlobKey(id, at), bytes.NewReader(content), "text/plain")
	if err != nil {
		f.t.Fatal(err)
	}
	job, err := domain.Submit(id, domain.Upload{Owner: "alice", FileName: "app.log", Blob: blob, RequestID: "req-1",
		ChunkLines: chunkLines, Plan: plan}, at)
	if err == nil {
		err = domain.NewJobs(f.store).Save(f.ctx, job)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) handler(a worker.Analyzer) *worker.Handler {
	return worker.NewHandler(f.store, f.blobs, a, f.log)
}

func task(t testing.TB, id uuid.UUID) *asynq.Task {
	t.Helper()
	tk, err := worker.NewAnalyzeJobTask(id, 0, "q")
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (f *fixture) job(id uuid.UUID) *domain.Job {
	f.t.Helper()
	j, err := domain.NewJobs(f.store).Load(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return j
}

// eventTypes lists the job's event types in order.
func (f *fixture) eventTypes(id uuid.UUID) []string {
	f.t.Helper()
	recs, err := f.store.ReadStream(f.ctx, events.JobStream(id), 0, 10000)
	if err != nil {
		f.t.Fatal(err)
	}
	var types []string
	for _, r := range recs {
		types = append(types, r.Type)
	}
	return types
}

// sampleLog has 2,000 entries over 2,400 lines, with levels, errors and
// Java stack traces, so a chunk size of 300 makes several chunks.
func sampleLog() []byte {
	var b strings.Builder
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for i := 0; i < 2000; i++ {
		at := t0.Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05")
		switch {
		case i%100 == 0:
			fmt.Fprintf(&b, "%s ERROR worker-%d Task %d crashed\njava.io.IOException: disk full\n\tat a.B.write(B.java:1)\n", at, i%3, i)
		case i%50 == 0:
			fmt.Fprintf(&b, "%s ERROR worker-%d Timeout after %d ms talking to 10.1.2.%d\n", at, i%3, i*3, i%200)
		case i%10 == 0:
			fmt.Fprintf(&b, "%s WARN worker-%d Queue depth %d\n", at, i%3, i)
		default:
			fmt.Fprintf(&b, "%s INFO worker-%d Processed item %d\n", at, i%3, i)
		}
	}
	return []byte(b.String())
}

// comparable drops what differs between runs of the same job: ids, times
// of processing and attempts.
var comparable = cmp.Options{
	cmpopts.IgnoreFields(domain.Job{}, "ID", "Version", "Attempts", "StartedAt", "FinishedAt", "DurationMS",
		"BlobKey", "SubmittedAt", "SubmittedEventID"),
	cmpopts.IgnoreUnexported(domain.Job{}, domain.Part{}),
}

func TestRedeliveredTaskCountsOnce(t *testing.T) {
	f := newFixture(t)
	h := f.handler(worker.NewEngine(nil))
	once, twice := f.submit(sampleLog(), 300), f.submit(sampleLog(), 300)
	if err := h.ProcessTask(f.ctx, task(t, once)); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := h.ProcessTask(f.ctx, task(t, twice)); err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	a, b := f.job(once), f.job(twice)
	if b.Status != domain.StatusCompleted || b.Entries != 2000 || b.Lines != 2040 {
		t.Fatalf("job after two deliveries: %s, %d entries, %d lines", b.Status, b.Entries, b.Lines)
	}
	if diff := cmp.Diff(a, b, comparable); diff != "" {
		t.Errorf("two deliveries differ from one (-once +twice):\n%s", diff)
	}
	if fmt.Sprint(f.eventTypes(once)) != fmt.Sprint(f.eventTypes(twice)) {
		t.Errorf("events differ:\n once  %v\n twice %v", f.eventTypes(once), f.eventTypes(twice))
	}
}

// interrupting wraps an analyzer and cancels the task after some chunks, as
// a worker that is stopped or killed mid-file.
type interrupting struct {
	worker.Analyzer
	after  int
	cancel context.CancelFunc
}

func (a *interrupting) Analyze(ctx context.Context, r io.Reader, s domain.AnalysisSettings, emit func(domain.Chunk) error) error {
	seen := 0
	return a.Analyzer.Analyze(ctx, r, s, func(c domain.Chunk) error {
		if err := emit(c); err != nil {
			return err
		}
		if seen++; seen == a.after {
			a.cancel()
		}
		return ctx.Err()
	})
}

func TestTaskInterruptedMidFileResumesWithoutDoubleCounting(t *testing.T) {
	f := newFixture(t)
	engine := worker.NewEngine(nil)
	clean, resumed := f.submit(sampleLog(), 300), f.submit(sampleLog(), 300)
	if err := f.handler(engine).ProcessTask(f.ctx, task(t, clean)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(f.ctx)
	err := f.handler(&interrupting{Analyzer: engine, after: 3, cancel: cancel}).ProcessTask(ctx, task(t, resumed))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted task: err %v, want context.Canceled", err)
	}
	mid := f.job(resumed)
	if mid.Status != domain.StatusProcessing || mid.Chunks != 3 {
		t.Fatalf("after the interruption: %s with %d chunks, want processing with 3", mid.Status, mid.Chunks)
	}
	if err := f.handler(engine).ProcessTask(f.ctx, task(t, resumed)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f.job(clean), f.job(resumed), comparable); diff != "" {
		t.Errorf("resumed job differs from a clean run (-clean +resumed):\n%s", diff)
	}
	if got := f.job(resumed).Attempts; got != 2 {
		t.Errorf("attempts = %d, want 2", got)
	}
}

// TestTwinDeliveriesAtOnceCountOnce runs two deliveries of one task at
// once, on the memory store and on PostgreSQL, whose row locks make the
// twins lose races to each other for real: one twin may fail to record its
// start many times in a row while the other appends chunk after chunk.
func TestTwinDeliveriesAtOnceCountOnce(t *testing.T) {
	t.Run("memory", func(t *testing.T) { testTwinDeliveries(t, newFixture(t)) })
	t.Run("postgres", func(t *testing.T) { testTwinDeliveries(t, newFixtureOn(t, postgres.New(pgtest.NewPool(t)))) })
}

func testTwinDeliveries(t *testing.T, f *fixture) {
	engine := worker.NewEngine(nil)
	clean, twin := f.submit(sampleLog(), 100), f.submit(sampleLog(), 100)
	if err := f.handler(engine).ProcessTask(f.ctx, task(t, clean)); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.handler(engine).ProcessTask(f.ctx, task(t, twin))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("delivery %d: %v", i, err)
		}
	}
	if diff := cmp.Diff(f.job(clean), f.job(twin), comparable); diff != "" {
		t.Errorf("twin deliveries differ from one (-one +twins):\n%s", diff)
	}
}

func TestFinishedJobIsLeftAlone(t *testing.T) {
	f := newFixture(t)
	id := f.submit(sampleLog(), 0)
	h := f.handler(worker.NewEngine(nil))
	if err := h.ProcessTask(f.ctx, task(t, id)); err != nil {
		t.Fatal(err)
	}
	before := f.eventTypes(id)
	if err := h.ProcessTask(f.ctx, task(t, id)); err != nil {
		t.Fatal(err)
	}
	if after := f.eventTypes(id); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a finished job got events: %v -> %v", before, after)
	}
	want := []string{"JobSubmitted", "JobStarted", "LinesParsed", "ErrorsDetected", "JobCompleted"}
	if fmt.Sprint(before) != fmt.Sprint(want) {
		t.Errorf("history = %v, want %v", before, want)
	}
}

func TestUnreadableFileFailsTheJobWithoutRetry(t *testing.T) {
	f := newFixture(t)
	binary := f.submit(append([]byte("\x7fELF\x02\x01\x01"), bytes.Repeat([]byte{0, 1, 2, 3}, 4096)...), 0)
	missing := f.submit([]byte("a line\n"), 0)
	if err := f.blobs.Delete(f.ctx, f.job(missing).BlobKey); err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]uuid.UUID{"binary": binary, "missing": missing} {
		err := f.handler(worker.NewEngine(nil)).ProcessTask(f.ctx, task(t, id))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("%s: err = %v, want SkipRetry", name, err)
		}
		j := f.job(id)
		if j.Status != domain.StatusFailed || j.FailureReason == "" {
			t.Errorf("%s: job %s with reason %q, want failed with a reason", name, j.Status, j.FailureReason)
		}
	}
}

// failing is an analyzer that always fails, as a dependency outage would.
type failing struct{ worker.Analyzer }

func (failing) Analyze(context.Context, io.Reader, domain.AnalysisSettings, func(domain.Chunk) error) error {
	return errors.New("analysis blew up")
}

func TestLastRetryFailsTheJob(t *testing.T) {
	f := newFixtureOn(t, postgres.New(pgtest.NewPool(t)))
	rdb, queue := asynqtest.NewQueue(t)
	id := f.submit([]byte("x\n"), 0)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Queues: map[string]int{queue: 1}, Concurrency: 1,
		LogLevel: asynq.FatalLevel})
	mux := asynq.NewServeMux()
	mux.Handle(worker.TypeAnalyzeJob, f.handler(failing{worker.NewEngine(nil)}))
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	tk, _ := worker.NewAnalyzeJobTask(id, 0, queue)
	if _, err := asynq.NewClientFromRedisClient(rdb).Enqueue(tk, asynq.MaxRetry(0)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for f.job(id).Status != domain.StatusFailed {
		if time.Now().After(deadline) {
			t.Fatalf("job never failed: %+v", f.job(id))
		}
		time.Sleep(20 * time.Millisecond)
	}
	j := f.job(id)
	if j.FailureReason != "gave up after 1 attempts: internal error" || j.FailureCode != domain.EINTERNAL {
		t.Errorf("failure = %q (%s)", j.FailureReason, j.FailureCode)
	}
}

// renamed is an analyzer that reports another version, as a newer release.
type renamed struct{ worker.Analyzer }

func (renamed) Version() string { return "9.9.9" }

func TestJobCutByAnotherEngineVersionFailsInsteadOfMixingChunks(t *testing.T) {
	f := newFixture(t)
	engine := worker.NewEngine(nil)
	id := f.submit(sampleLog(), 300)
	ctx, cancel := context.WithCancel(f.ctx)
	f.handler(&interrupting{Analyzer: engine, after: 2, cancel: cancel}).ProcessTask(ctx, task(t, id))
	err := f.handler(renamed{engine}).ProcessTask(f.ctx, task(t, id))
	if !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("resume by another version: err %v, want SkipRetry", err)
	}
	j := f.job(id)
	if j.Status != domain.StatusFailed || j.FailureCode != domain.ECONFLICT || !strings.Contains(j.FailureReason, "upload the file again") {
		t.Errorf("job = %s %s %q", j.Status, j.FailureCode, j.FailureReason)
	}
	if j.Chunks != 2 {
		t.Errorf("chunks = %d, want the 2 the first engine recorded", j.Chunks)
	}
}

// twinStarts is an analyzer after whose last chunk a twin delivery of the
// task records its start, moving the stream under the first one.
type twinStarts struct {
	worker.Analyzer
	f  *fixture
	id uuid.UUID
}

func (a twinStarts) Analyze(ctx context.Context, r io.Reader, s domain.AnalysisSettings, emit func(domain.Chunk) error) error {
	if err := a.Analyzer.Analyze(ctx, r, s, emit); err != nil {
		return err
	}
	jobs := domain.NewJobs(a.f.store)
	twin, err := jobs.Load(ctx, a.id)
	if err != nil {
		return err
	}
	return jobs.Update(ctx, twin, func(j *domain.Job) error {
		return j.Start(domain.Attempt{Number: 1, Worker: "twin", Engine: a.Version()}, time.Now())
	})
}

func TestCompletionIsRecordedWhenATwinMovedTheStream(t *testing.T) {
	f := newFixture(t)
	id := f.submit(sampleLog(), 0)
	if err := f.handler(twinStarts{worker.NewEngine(nil), f, id}).ProcessTask(f.ctx, task(t, id)); err != nil {
		t.Fatal(err)
	}
	if j := f.job(id); j.Status != domain.StatusCompleted {
		t.Errorf("job = %s, want completed", j.Status)
	}
}
