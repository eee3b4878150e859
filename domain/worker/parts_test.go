package worker_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
)

// partQueue records the part tasks a handler enqueues, as asynq would hold
// them: one per part, whatever the number of enqueues.
type partQueue struct {
	mu    sync.Mutex
	parts map[uuid.UUID][]int
}

func (q *partQueue) EnqueuePart(_ context.Context, id uuid.UUID, part int, _ int64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.parts == nil {
		q.parts = map[uuid.UUID][]int{}
	}
	if !slices.Contains(q.parts[id], part) {
		q.parts[id] = append(q.parts[id], part)
	}
	return nil
}

func (q *partQueue) of(id uuid.UUID) []int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.parts[id])
}

// partsLog is a log of about 1 MiB with levels, errors whose words vary,
// Java stack traces and IP addresses.
func partsLog() []byte {
	var b strings.Builder
	t0 := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	users := []string{"alice", "bob", "carol", "dave", "erin"}
	for i := 0; b.Len() < 1<<20; i++ {
		at := t0.Add(time.Duration(i) * 300 * time.Millisecond).Format("2006-01-02 15:04:05.000")
		switch {
		case i%97 == 0:
			fmt.Fprintf(&b, "%s ERROR [worker-%d] Task %d crashed\njava.io.IOException: disk full\n\tat a.B.write(B.java:%d)\n", at, i%3, i, i%2)
		case i%31 == 0:
			fmt.Fprintf(&b, "%s ERROR [auth] Login of %s from 10.1.%d.%d refused\n", at, users[(i/31)%len(users)], i%7, i%250)
		case i%13 == 0:
			fmt.Fprintf(&b, "%s WARN [pool] Queue depth %d over %d\n", at, i%500, 400)
		default:
			fmt.Fprintf(&b, "%s INFO [http] GET /items/%d 200 %dms from 10.2.%d.%d\n", at, i, i%90, i%5, i%200)
		}
	}
	return []byte(b.String())
}

// partsFixture runs jobs with small parts on the memory store.
type partsFixture struct {
	*fixture
	queue *partQueue
}

func newPartsFixture(t *testing.T) *partsFixture {
	return &partsFixture{fixture: newFixture(t), queue: &partQueue{}}
}

func (f *partsFixture) partHandler(a worker.Analyzer) *worker.Handler {
	h := f.handler(a)
	h.PartBytes, h.Parts = 128<<10, f.queue
	return h
}

// wholeAndPlanned submits content twice, in chunks of chunkLines lines:
// one job is analysed whole by engine, the other's task plans it in parts
// on h, a parts handler of engine, which it returns with the parts
// enqueued.
func (f *partsFixture) wholeAndPlanned(engine worker.Analyzer, content []byte, chunkLines int) (whole, parted uuid.UUID, parts []int, h *worker.Handler) {
	f.t.Helper()
	whole, parted = f.submit(content, chunkLines), f.submit(content, chunkLines)
	if err := f.handler(engine).ProcessTask(f.ctx, task(f.t, whole)); err != nil {
		f.t.Fatal(err)
	}
	h = f.partHandler(engine)
	if err := h.ProcessTask(f.ctx, task(f.t, parted)); err != nil {
		f.t.Fatal(err)
	}
	return whole, parted, f.queue.of(parted), h
}

// plannedParts is a job of partsLog in chunks of 500 lines, planned in four
// parts or more on h, beside the same file analysed whole.
type plannedParts struct {
	*partsFixture
	engine        worker.Analyzer
	content       []byte
	whole, parted uuid.UUID
	parts         []int
	h             *worker.Handler
}

// planOn plans plannedParts on a fixture whose event store is store.
func planOn(t *testing.T, store events.Store) plannedParts {
	t.Helper()
	pp := plannedParts{partsFixture: &partsFixture{fixture: newFixtureOn(t, store), queue: &partQueue{}},
		engine: worker.NewEngine(nil), content: partsLog()}
	pp.whole, pp.parted, pp.parts, pp.h = pp.wholeAndPlanned(pp.engine, pp.content, 500)
	if len(pp.parts) < 4 {
		t.Fatalf("planned parts %v; want 4 or more", pp.parts)
	}
	return pp
}

func partTask(t *testing.T, id uuid.UUID, part int) *asynq.Task {
	t.Helper()
	tk, err := worker.NewAnalyzePartTask(id, part, 0, "q")
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// result is what a job's read model shows, with the error groups as a
// partition: counts by template and exception, whatever the ids. The top
// addresses are left out: each chunk lists its busiest, so their sums are
// lower bounds that depend on where chunks end (see sameResult).
type result struct {
	Status                        domain.JobStatus
	Lines, Entries, Bytes, Errors int64
	ErrorGroups, DistinctIPs      int64
	Levels, Keywords, Comps       map[string]int64
	Groups                        map[string]int64
	Minutes                       map[int64]domain.MinuteCounts
	MinTime, MaxTime              time.Time
	GroupLines                    map[string][2]int64
}

func resultOf(j *domain.Job) result {
	r := result{Status: j.Status, Lines: j.Lines, Entries: j.Entries, Bytes: j.Bytes, Errors: j.Errors,
		ErrorGroups: j.ErrorGroups, DistinctIPs: j.DistinctIPs, Levels: j.Levels, Keywords: j.Keywords,
		Comps: j.Components, Groups: map[string]int64{}, Minutes: j.Timeline,
		MinTime: *j.MinTime, MaxTime: *j.MaxTime, GroupLines: map[string][2]int64{}}
	for _, g := range j.Groups {
		key := g.Exception + " " + g.Template
		r.Groups[key] += g.Count
		r.GroupLines[key] = [2]int64{g.FirstLine, g.LastLine}
	}
	return r
}

// sameResult reports how a job analysed in parts differs from one analysed
// whole, and checks that the top addresses each shows are lower bounds of
// their counts in the file.
func sameResult(t *testing.T, content []byte, whole, parted *domain.Job) string {
	t.Helper()
	counts := map[string]int64{}
	for _, ip := range regexp.MustCompile(`\b\d+\.\d+\.\d+\.\d+\b`).FindAll(content, -1) {
		counts[string(ip)]++
	}
	for _, j := range []*domain.Job{whole, parted} {
		if len(j.TopIPs) == 0 {
			t.Errorf("job %s shows no top addresses", j.ID)
		}
		for ip, n := range j.TopIPs {
			if n < 1 || n > counts[ip] {
				t.Errorf("job %s shows %s %d times; the file holds it %d times", j.ID, ip, n, counts[ip])
			}
		}
	}
	return cmp.Diff(resultOf(whole), resultOf(parted))
}

func TestAJobInPartsEndsAsAWholeRunDoes(t *testing.T) {
	f := newPartsFixture(t)
	engine := worker.NewEngine(nil)
	content := partsLog()
	whole, parted, parts, h := f.wholeAndPlanned(engine, content, 2000)
	if j := f.job(parted); len(parts) < 6 || len(j.Parts) != len(parts) || j.Status != domain.StatusProcessing {
		t.Fatalf("planned %d parts, enqueued %v; job %s", len(j.Parts), parts, j.Status)
	}
	for _, p := range slices.Backward(parts) { // the last part first: order must not matter
		if err := h.ProcessTask(f.ctx, partTask(t, parted, p)); err != nil {
			t.Fatalf("part %d: %v", p, err)
		}
	}
	a, b := f.job(whole), f.job(parted)
	if b.Status != domain.StatusCompleted || !b.Merged {
		t.Fatalf("job in parts = %s, merged %v", b.Status, b.Merged)
	}
	if diff := sameResult(t, content, a, b); diff != "" {
		t.Errorf("a job in parts differs from a whole run (-whole +parts):\n%s", diff)
	}
	if a.BytesRead != b.BytesRead || b.BytesRead != int64(len(content)) {
		t.Errorf("bytes read: whole %d, in parts %d, file %d", a.BytesRead, b.BytesRead, len(content))
	}
}

func TestARedeliveredPartCountsOnce(t *testing.T) {
	f := newPartsFixture(t)
	h := f.partHandler(worker.NewEngine(nil))
	id := f.submit(partsLog(), 2000)
	if err := h.ProcessTask(f.ctx, task(t, id)); err != nil {
		t.Fatal(err)
	}
	parts := f.queue.of(id)
	for _, p := range parts[:2] {
		for range 2 {
			if err := h.ProcessTask(f.ctx, partTask(t, id, p)); err != nil {
				t.Fatal(err)
			}
		}
	}
	before := f.eventTypes(id)
	if err := h.ProcessTask(f.ctx, partTask(t, id, parts[0])); err != nil {
		t.Fatal(err)
	}
	if after := f.eventTypes(id); len(after) != len(before) {
		t.Errorf("a completed part's task recorded %d more events", len(after)-len(before))
	}
	if err := h.ProcessTask(f.ctx, task(t, id)); err != nil { // the job's task again: enqueues what is left
		t.Fatal(err)
	}
	for _, p := range parts[2:] {
		if err := h.ProcessTask(f.ctx, partTask(t, id, p)); err != nil {
			t.Fatal(err)
		}
	}
	j := f.job(id)
	var parsed, planned int
	for _, typ := range f.eventTypes(id) {
		switch typ {
		case events.TypeLinesParsed:
			parsed++
		case events.TypeJobPlanned:
			planned++
		}
	}
	if j.Status != domain.StatusCompleted || parsed != j.Chunks || planned != 1 {
		t.Errorf("job %s with %d chunks, %d LinesParsed, %d plans", j.Status, j.Chunks, parsed, planned)
	}
}

// TestPartsAtOnceOnTwoWorkers runs every part, and twins of each, at once:
// the last to end all try to join the parts, and the job completes once.
func TestPartsAtOnceOnTwoWorkers(t *testing.T) {
	f := newPartsFixture(t)
	engine := worker.NewEngine(nil)
	content := partsLog()
	whole, parted, parts, _ := f.wholeAndPlanned(engine, content, 2000)
	// Each part is delivered twice to one shared worker, where the tasks
	// take turns, and once to a worker of its own, whose appends race
	// theirs.
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	shared := f.partHandler(engine)
	for _, p := range parts {
		for _, h := range []*worker.Handler{shared, shared, f.partHandler(engine)} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- h.ProcessTask(f.ctx, partTask(t, parted, p))
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	completed := 0
	for _, typ := range f.eventTypes(parted) {
		if typ == events.TypeJobCompleted || typ == events.TypeGroupsJoined {
			completed++
		}
	}
	if completed != 2 {
		t.Errorf("%d GroupsJoined and JobCompleted events, want one of each", completed)
	}
	if diff := sameResult(t, content, f.job(whole), f.job(parted)); diff != "" {
		t.Errorf("parts at once differ from a whole run (-whole +parts):\n%s", diff)
	}
}

// interruptingParts cancels a part's analysis after its first chunk, as a
// worker stopped or killed mid-part.
type interruptingParts struct {
	worker.Analyzer
	cancel context.CancelFunc
}

func (a *interruptingParts) AnalyzePart(ctx context.Context, head, body io.Reader, p events.PartPlan,
	s domain.AnalysisSettings, emit func(domain.Chunk) error) (domain.PartResult, error) {
	return a.Analyzer.AnalyzePart(ctx, head, body, p, s, func(c domain.Chunk) error {
		if err := emit(c); err != nil {
			return err
		}
		a.cancel()
		return ctx.Err()
	})
}

func TestAnInterruptedPartResumesOnAnotherWorker(t *testing.T) {
	f := newPartsFixture(t)
	engine := worker.NewEngine(nil)
	content := partsLog()
	whole, parted, parts, _ := f.wholeAndPlanned(engine, content, 2000)
	ctx, cancel := context.WithCancel(f.ctx)
	err := f.partHandler(&interruptingParts{Analyzer: engine, cancel: cancel}).ProcessTask(ctx, partTask(t, parted, parts[1]))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted part: %v", err)
	}
	if p := f.job(parted).Parts[parts[1]-1]; p.Chunks != 1 || p.Done {
		t.Fatalf("part after the interruption: %+v", p)
	}
	for _, p := range parts {
		if err := f.partHandler(engine).ProcessTask(f.ctx, partTask(t, parted, p)); err != nil {
			t.Fatal(err)
		}
	}
	if diff := sameResult(t, content, f.job(whole), f.job(parted)); diff != "" {
		t.Errorf("a resumed part differs from a whole run (-whole +parts):\n%s", diff)
	}
}

// failingPart refuses one part's bytes, as a file whose later part turns
// out unreadable.
type failingPart struct {
	worker.Analyzer
	part int
}

func (a failingPart) AnalyzePart(ctx context.Context, head, body io.Reader, p events.PartPlan,
	s domain.AnalysisSettings, emit func(domain.Chunk) error) (domain.PartResult, error) {
	if p.Part == a.part {
		return domain.PartResult{}, domain.Errorf(domain.EUNSUPPORTED, "the file is binary from byte %d", p.Offset)
	}
	return a.Analyzer.AnalyzePart(ctx, head, body, p, s, emit)
}

func TestAPartThatFailsForGoodFailsTheJobNamingIt(t *testing.T) {
	f := newPartsFixture(t)
	engine := worker.NewEngine(nil)
	id := f.submit(partsLog(), 2000)
	if err := f.partHandler(engine).ProcessTask(f.ctx, task(t, id)); err != nil {
		t.Fatal(err)
	}
	parts := f.queue.of(id)
	sort.Ints(parts)
	err := f.partHandler(failingPart{engine, 3}).ProcessTask(f.ctx, partTask(t, id, 3))
	if !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("failing part: %v, want SkipRetry", err)
	}
	j := f.job(id)
	want := fmt.Sprintf("part 3 of %d: the file is binary", len(parts))
	if j.Status != domain.StatusFailed || !strings.HasPrefix(j.FailureReason, want) {
		t.Errorf("job = %s %q, want failed with %q", j.Status, j.FailureReason, want)
	}
	if err := f.partHandler(engine).ProcessTask(f.ctx, partTask(t, id, 4)); err != nil {
		t.Errorf("another part of the failed job: %v, want nothing to do", err)
	}
}

func TestASmallFileStaysWhole(t *testing.T) {
	f := newPartsFixture(t)
	id := f.submit(sampleLog(), 0)
	if err := f.partHandler(worker.NewEngine(nil)).ProcessTask(f.ctx, task(t, id)); err != nil {
		t.Fatal(err)
	}
	if j := f.job(id); j.Status != domain.StatusCompleted || j.Planned() || len(f.queue.of(id)) != 0 {
		t.Errorf("a file under two parts: %s, planned %v, parts enqueued %v", j.Status, j.Planned(), f.queue.of(id))
	}
}

// countingPlanner counts the planning passes over a job's file.
type countingPlanner struct {
	worker.Analyzer
	passes int
}

func (a *countingPlanner) Plan(ctx context.Context, r io.Reader, size, partBytes int64, s domain.AnalysisSettings) ([]events.PartPlan, error) {
	a.passes++
	return a.Analyzer.Plan(ctx, r, size, partBytes, s)
}

// TestTheUploadsPlanSparesTheWorkerAPass submits a job with the plan its
// upload made: the worker cuts the file where the plan says without reading
// it to plan it, and the job ends as a whole run does. A plan another
// engine made is not taken: the worker plans the file itself.
func TestTheUploadsPlanSparesTheWorkerAPass(t *testing.T) {
	engine := worker.NewEngine(nil)
	content := partsLog()
	plan, err := engine.Plan(context.Background(), bytes.NewReader(content), int64(len(content)), 128<<10,
		domain.SettingsOf(0, time.Now()))
	if err != nil || len(plan) < 6 {
		t.Fatalf("the engine's plan: %d parts, %v", len(plan), err)
	}
	for _, c := range []struct {
		engine string
		passes int
	}{{engine.Version(), 0}, {"0.0.1", 1}} {
		t.Run("plan by "+c.engine, func(t *testing.T) {
			f := newPartsFixture(t)
			whole := f.submit(content, 2000)
			parted := f.submitPlanned(content, 2000, &events.UploadPlan{Engine: c.engine, Parts: plan})
			if err := f.handler(engine).ProcessTask(f.ctx, task(t, whole)); err != nil {
				t.Fatal(err)
			}
			counting := &countingPlanner{Analyzer: engine}
			h := f.partHandler(counting)
			if err := h.ProcessTask(f.ctx, task(t, parted)); err != nil {
				t.Fatal(err)
			}
			var got []events.PartPlan
			for _, p := range f.job(parted).Parts {
				got = append(got, p.PartPlan)
			}
			if counting.passes != c.passes || !slices.Equal(got, plan) {
				t.Fatalf("%d planning passes, want %d; parts %+v, want %+v", counting.passes, c.passes, got, plan)
			}
			for _, p := range f.queue.of(parted) {
				if err := h.ProcessTask(f.ctx, partTask(t, parted, p)); err != nil {
					t.Fatalf("part %d: %v", p, err)
				}
			}
			if b := f.job(parted); b.Status != domain.StatusCompleted {
				t.Fatalf("job in parts = %s", b.Status)
			}
			if diff := sameResult(t, content, f.job(whole), f.job(parted)); diff != "" {
				t.Errorf("a job in the upload's parts differs from a whole run (-whole +parts):\n%s", diff)
			}
		})
	}
}
