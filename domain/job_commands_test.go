package domain_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
)

var (
	ctx    = context.Background()
	engine = domain.Attempt{Number: 1, Worker: "host:1", Engine: "2.0.0"}
)

// submitted saves a new job of a file of two chunks (100 bytes) in a memory
// store and returns the store's jobs and the job's id.
func submitted(t *testing.T) (*domain.Jobs, *memory.Store, uuid.UUID) {
	t.Helper()
	return submittedOfSize(t, 100)
}

// submittedOfSize is submitted with a file of size bytes: each chunk reads
// 50.
func submittedOfSize(t *testing.T, size int64) (*domain.Jobs, *memory.Store, uuid.UUID) {
	t.Helper()
	store := memory.New()
	jobs := domain.NewJobs(store)
	id := uuid.New()
	j, err := domain.Submit(id, domain.Upload{Owner: "alice", FileName: "logs/app.log", RequestID: "req-1",
		Blob: domain.Blob{Key: domain.BlobKey(id, at), Size: size, SHA256: "ab"}}, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobs.Save(ctx, j); err != nil {
		t.Fatal(err)
	}
	return jobs, store, id
}

func load(t *testing.T, jobs *domain.Jobs, id uuid.UUID) *domain.Job {
	t.Helper()
	j, err := jobs.Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// history lists the types of the job's stored events.
func history(t *testing.T, store events.Store, id uuid.UUID) string {
	t.Helper()
	recs, err := store.ReadStream(ctx, events.JobStream(id), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, r := range recs {
		types = append(types, r.Type)
	}
	return strings.Join(types, " ")
}

// chunk is the n-th chunk of a file: ten lines of 50 bytes, one error.
func chunk(n int) domain.Chunk {
	return domain.Chunk{
		Lines: events.LinesParsed{Chunk: n, FirstLine: int64(n)*10 + 1, LastLine: int64(n)*10 + 10,
			BytesRead: int64(n+1) * 50, Counts: events.Counts{Lines: 10, Entries: 10, Bytes: 50,
				Levels: map[string]int64{"INFO": 9, "ERROR": 1}}},
		Errors: []events.ErrorGroup{{ID: "E1", Template: "boom <*>", Level: "ERROR", Count: 1,
			FirstLine: int64(n)*10 + 5, LastLine: int64(n)*10 + 5, Sample: fmt.Sprintf("boom %d", n)}},
	}
}

func TestSubmitRecordsTheUpload(t *testing.T) {
	jobs, store, id := submitted(t)
	j := load(t, jobs, id)
	if j.Status != domain.StatusQueued || j.Owner != "alice" || j.FileName != "app.log" || j.Size != 100 ||
		j.Options.ChunkLines != domain.DefaultChunkLines || j.CorrelationID != "req-1" || j.Version != 1 {
		t.Errorf("submitted job = %+v", j)
	}
	if j.BlobKey != "jobs/2026/11/27/"+id.String() {
		t.Errorf("blob key = %q", j.BlobKey)
	}
	recs, _ := store.ReadStream(ctx, events.JobStream(id), 0, 10)
	if recs[0].ID != events.DeterministicID(events.JobStream(id), events.TypeJobSubmitted) || recs[0].Metadata.Actor != "alice" {
		t.Errorf("JobSubmitted = %+v", recs[0])
	}
}

func TestSubmitRefusesWhatCannotBeAJob(t *testing.T) {
	cases := map[string]domain.Upload{
		"no owner":                 {FileName: "a.log", Blob: domain.Blob{Size: 1}},
		"empty file":               {Owner: "alice", FileName: "a.log"},
		"CRLF in the file name":    {Owner: "alice", FileName: "a\r\nINJECTED line", Blob: domain.Blob{Size: 1}},
		"escape in the file name":  {Owner: "alice", FileName: "a\x1b[2Jb.log", Blob: domain.Blob{Size: 1}},
		"bidi override in a name":  {Owner: "alice", FileName: "gol.\u202eexe", Blob: domain.Blob{Size: 1}},
		"CRLF in the owner":        {Owner: "alice\r\nroot", FileName: "a.log", Blob: domain.Blob{Size: 1}},
		"an owner of 100 KB":       {Owner: strings.Repeat("a", 100<<10), FileName: "a.log", Blob: domain.Blob{Size: 1}},
		"an owner not UTF-8":       {Owner: "al\xffice", FileName: "a.log", Blob: domain.Blob{Size: 1}},
		"a line separator in name": {Owner: "alice", FileName: "a\u2028b.log", Blob: domain.Blob{Size: 1}},
	}
	for name, u := range cases {
		if _, err := domain.Submit(uuid.New(), u, at); domain.ErrorCode(err) != domain.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}

func TestNamesThatAreFine(t *testing.T) {
	for _, name := range []string{"app.log", "日志 2026.log", "a b (1).log.gz", "émoji 😀.log", "C:\\logs\\app.log"} {
		if err := domain.CheckFileName(name); err != nil {
			t.Errorf("CheckFileName(%q) = %v", name, err)
		}
	}
	for _, owner := range []string{"alice", "8f14e45f-ceea-467f-a0e6-7f4a1b2c3d4e", "bob@example.com", strings.Repeat("x", domain.MaxOwnerBytes)} {
		if err := domain.CheckOwner(owner); err != nil {
			t.Errorf("CheckOwner(%q) = %v", owner, err)
		}
	}
}

func TestSubmittingTheSameJobTwiceRecordsItOnce(t *testing.T) {
	jobs, _, id := submitted(t)
	again, _ := domain.Submit(id, domain.Upload{Owner: "mallory", FileName: "b.log", Blob: domain.Blob{Size: 9}}, at)
	if err := jobs.Save(ctx, again); !errors.Is(err, events.ErrConcurrency) {
		t.Errorf("second submit of job %s: err = %v, want a concurrency error", id, err)
	}
	if j := load(t, jobs, id); j.Owner != "alice" || j.Version != 1 {
		t.Errorf("job after a second submit = owner %s, version %d", j.Owner, j.Version)
	}
}

func TestCleanFileName(t *testing.T) {
	cases := map[string]string{
		"app.log": "app.log", "../../etc/passwd": "passwd", `C:\logs\a.log`: "a.log", "": "upload.log",
		"  ": "upload.log", "/": "upload.log", "bad\xffname": "bad_name", strings.Repeat("x", 300): strings.Repeat("x", 255),
	}
	for in, want := range cases {
		if got := domain.CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAWholeRunRecordsEachFactOnce(t *testing.T) {
	jobs, store, id := submitted(t)
	j := load(t, jobs, id)
	steps := []func(*domain.Job) error{
		func(j *domain.Job) error { return j.Start(engine, at) },
		func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) },
		func(j *domain.Job) error { return j.RecordChunk(engine, chunk(1), at) },
		func(j *domain.Job) error { return j.RecordChunk(engine, chunk(1), at) }, // again: nothing new
		func(j *domain.Job) error { return j.Complete(engine, 2, 1500*time.Millisecond, at) },
	}
	for i, step := range steps {
		if err := jobs.Update(ctx, j, step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	want := "JobSubmitted JobStarted LinesParsed ErrorsDetected LinesParsed ErrorsDetected JobCompleted"
	if got := history(t, store, id); got != want {
		t.Errorf("history = %s, want %s", got, want)
	}
	got := load(t, jobs, id)
	if diff := cmp.Diff(j, got, cmp.AllowUnexported(domain.Job{}, domain.Part{})); diff != "" {
		t.Errorf("the job as decided differs from the job as stored (-decided +stored):\n%s", diff)
	}
	if got.Status != domain.StatusCompleted || got.Lines != 20 || got.Errors != 2 || got.AnalyzerVersion != "2.0.0" ||
		got.DurationMS != 1500 {
		t.Errorf("completed job = %+v", got)
	}
	if err := got.Start(engine, at); !errors.Is(err, domain.ErrJobFinished) {
		t.Errorf("start of a finished job: err = %v, want ErrJobFinished", err)
	}
}

func TestCommandsRefuseWhatTheStateForbids(t *testing.T) {
	newer := domain.Attempt{Number: 2, Worker: "host:2", Engine: "9.9.9"}
	cases := []struct {
		name    string
		prepare []func(*domain.Job) error
		command func(*domain.Job) error
		code    string
		err     error
	}{
		{"a chunk past the next", nil, func(j *domain.Job) error { return j.RecordChunk(engine, chunk(1), at) },
			domain.EINTERNAL, nil},
		{"completion with chunks missing", []func(*domain.Job) error{
			func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) }},
			func(j *domain.Job) error { return j.Complete(engine, 2, 0, at) }, domain.EINTERNAL, nil},
		{"another engine resuming a half-done job", []func(*domain.Job) error{
			func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) }},
			func(j *domain.Job) error { return j.Start(newer, at) }, domain.ECONFLICT, nil},
		{"another engine recording a chunk", []func(*domain.Job) error{
			func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) }},
			func(j *domain.Job) error { return j.RecordChunk(newer, chunk(1), at) }, domain.ECONFLICT, nil},
		{"another engine completing", []func(*domain.Job) error{
			func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) }},
			func(j *domain.Job) error { return j.Complete(newer, 1, 0, at) }, domain.ECONFLICT, nil},
		{"a chunk of a failed job", []func(*domain.Job) error{
			func(j *domain.Job) error { return j.Fail(engine, errors.New("x"), true, at) }},
			func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) }, "", domain.ErrJobFinished},
		{"a second failure", []func(*domain.Job) error{
			func(j *domain.Job) error { return j.Fail(engine, errors.New("x"), true, at) }},
			func(j *domain.Job) error { return j.LoseTask(domain.LostWorker, 0, 1, at) }, "", domain.ErrJobFinished},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jobs, _, id := submitted(t)
			j := load(t, jobs, id)
			for _, p := range c.prepare {
				if err := jobs.Update(ctx, j, p); err != nil {
					t.Fatal(err)
				}
			}
			before := j.Version
			err := jobs.Update(ctx, j, c.command)
			if err == nil || (c.err != nil && !errors.Is(err, c.err)) || (c.code != "" && domain.ErrorCode(err) != c.code) {
				t.Errorf("err = %v, want %v %s", err, c.err, c.code)
			}
			if after := load(t, jobs, id).Version; after != before {
				t.Errorf("a refused command moved the stream from version %d to %d", before, after)
			}
		})
	}
}

// A job analysed whole completes only when its chunks read its file to the
// last byte and no further, whatever the file: a read that ended early
// without an error, or counts past the file's end, would be a silent
// miscount. The attempt is retried, and a failure that lasts tells the
// job's owner what went wrong.
func TestACompletionMustHaveReadTheWholeFile(t *testing.T) {
	cases := []struct {
		name   string
		size   int64
		chunks int // each reads 50 bytes
		reason string
	}{
		{"short of the end", 120, 2, "gave up after 6 attempts: the analysis did not read the whole file: it read 100 bytes where the file holds 120"},
		{"past the end", 80, 2, "gave up after 6 attempts: the analysis did not read the whole file: it read 100 bytes where the file holds 80"},
		{"nothing of it", 30, 0, "gave up after 6 attempts: the analysis did not read the whole file: it read 0 bytes where the file holds 30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jobs, _, id := submittedOfSize(t, c.size)
			j := load(t, jobs, id)
			for n := range c.chunks {
				if err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.RecordChunk(engine, chunk(n), at) }); err != nil {
					t.Fatal(err)
				}
			}
			before := j.Version
			err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.Complete(engine, c.chunks, 0, at) })
			if domain.ErrorCode(err) != domain.EINTERNAL || domain.Permanent(err) {
				t.Fatalf("completion: err = %v, want EINTERNAL, which is retried", err)
			}
			if after := load(t, jobs, id).Version; after != before {
				t.Errorf("a refused completion moved the stream from version %d to %d", before, after)
			}
			last := domain.Attempt{Number: domain.MaxAttempts, Worker: "host:1", Engine: engine.Engine}
			if err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.Fail(last, err, true, at) }); err != nil {
				t.Fatal(err)
			}
			if got := load(t, jobs, id); got.FailureReason != c.reason || got.FailureCode != domain.EINTERNAL {
				t.Errorf("failure = %q (%s), want %q", got.FailureReason, got.FailureCode, c.reason)
			}
		})
	}
}

func TestCanResume(t *testing.T) {
	jobs, _, id := submitted(t)
	j := load(t, jobs, id)
	if !j.CanResume("1.0.0") || !j.CanResume("2.0.0") {
		t.Error("a job with no chunks cannot be started by any engine")
	}
	if err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) }); err != nil {
		t.Fatal(err)
	}
	if !j.CanResume("2.0.0") || j.CanResume("2.0.1") {
		t.Errorf("a job cut by 2.0.0: resume by 2.0.0 %v, by 2.0.1 %v; want true, false", j.CanResume("2.0.0"), j.CanResume("2.0.1"))
	}
}

func TestFailureReasonsSayWhatAUserCanDo(t *testing.T) {
	cases := []struct {
		name    string
		fail    func(*domain.Job) error
		reason  string
		code    string
		retried bool
	}{
		{"permanent, with a message for users", func(j *domain.Job) error {
			return j.Fail(engine, domain.Errorf(domain.EUNSUPPORTED, "the file is binary"), false, at)
		}, "the file is binary", domain.EUNSUPPORTED, false},
		{"retries exhausted on an internal error", func(j *domain.Job) error {
			return j.Fail(domain.Attempt{Number: 6, Engine: "2.0.0"}, errors.New("pq: secret detail"), true, at)
		}, "gave up after 6 attempts: internal error", domain.EINTERNAL, true},
		{"task lost with its worker", func(j *domain.Job) error { return j.LoseTask(domain.LostWorker, 0, 3, at) },
			"the worker stopped (killed or lost) during its last attempt; upload the file again", domain.CodeTaskLost, false},
		{"task stopped by an operator", func(j *domain.Job) error { return j.LoseTask(domain.LostByOperator, 0, 0, at) },
			"an operator stopped the job's task before it finished; upload the file again", domain.CodeTaskLost, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			jobs, _, id := submitted(t)
			j := load(t, jobs, id)
			if err := jobs.Update(ctx, j, c.fail); err != nil {
				t.Fatal(err)
			}
			got := load(t, jobs, id)
			if got.Status != domain.StatusFailed || got.FailureReason != c.reason || got.FailureCode != c.code {
				t.Errorf("failed job = %s %q (%s), want %q (%s)", got.Status, got.FailureReason, got.FailureCode, c.reason, c.code)
			}
		})
	}
}

func TestPermanentFailures(t *testing.T) {
	for code, want := range map[string]bool{domain.EUNSUPPORTED: true, domain.ENOTFOUND: true, domain.EINVALID: true,
		domain.ECONFLICT: true, domain.ETOOLARGE: true, domain.EUNAVAILABLE: false, domain.EINTERNAL: false} {
		if got := domain.Permanent(domain.Errorf(code, "x")); got != want {
			t.Errorf("Permanent(%s) = %v, want %v", code, got, want)
		}
	}
	if domain.Permanent(errors.New("plain")) {
		t.Error("a plain error is permanent")
	}
	refused := fmt.Errorf("append: %w: SQLSTATE 22P05", events.ErrRefused)
	if !domain.Permanent(refused) || domain.Permanent(fmt.Errorf("read: %w", events.ErrUnavailable)) {
		t.Error("the event store's refusal is not permanent, or its absence is")
	}
}

func TestChunkEventsAreBounded(t *testing.T) {
	jobs, store, id := submitted(t)
	j := load(t, jobs, id)
	c := chunk(0)
	c.Errors = nil
	var total int64
	for i := range domain.MaxGroupsPerEvent + 100 {
		n := int64(i%7 + 1)
		total += n
		c.Errors = append(c.Errors, events.ErrorGroup{ID: fmt.Sprintf("E%d", i), Template: "t", Level: "ERROR",
			Count: n, FirstLine: int64(i + 1), LastLine: int64(i + 1), Sample: strings.Repeat("é", domain.MaxSampleBytes)})
	}
	if err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.RecordChunk(engine, c, at) }); err != nil {
		t.Fatal(err)
	}
	recs, _ := store.ReadStream(ctx, events.JobStream(id), 1, 10)
	p, err := events.Decode(recs[1].Event)
	if err != nil {
		t.Fatal(err)
	}
	groups := p.(*events.ErrorsDetected).Groups
	var sum int64
	for _, g := range groups {
		sum += g.Count
		if len(g.Sample) > domain.MaxSampleBytes || !strings.HasSuffix(g.Sample, "é") {
			t.Fatalf("group %s sample of %d bytes, cut mid-rune or over the cap", g.ID, len(g.Sample))
		}
	}
	last := groups[len(groups)-1]
	if len(groups) != domain.MaxGroupsPerEvent || last.ID != domain.OverflowGroup || sum != total {
		t.Errorf("%d groups, last %s, %d errors; want %d, %s, %d", len(groups), last.ID, sum, domain.MaxGroupsPerEvent,
			domain.OverflowGroup, total)
	}
	if got := load(t, jobs, id); got.Errors != total {
		t.Errorf("job errors = %d, want %d", got.Errors, total)
	}
}

// TestUpdateDecidesAgainWhenTheStreamMoved covers twin deliveries: two
// workers hold the same job; what the second decides on a stale view is
// decided again on the stream as it is.
func TestUpdateDecidesAgainWhenTheStreamMoved(t *testing.T) {
	jobs, store, id := submittedOfSize(t, 50) // one chunk
	a, b := load(t, jobs, id), load(t, jobs, id)
	twin := domain.Attempt{Number: 1, Worker: "host:2", Engine: "2.0.0"}
	run := func(j *domain.Job, who domain.Attempt, cmd func(*domain.Job) error) {
		t.Helper()
		if err := jobs.Update(ctx, j, cmd); err != nil {
			t.Fatalf("%s: %v", who.Worker, err)
		}
	}
	run(a, engine, func(j *domain.Job) error { return j.Start(engine, at) })
	run(b, twin, func(j *domain.Job) error { return j.Start(twin, at) }) // recorded too: one per delivery
	run(a, engine, func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) })
	run(b, twin, func(j *domain.Job) error { return j.RecordChunk(twin, chunk(0), at) }) // a recorded it
	run(b, twin, func(j *domain.Job) error { return j.Complete(twin, 1, 2*time.Second, at) })
	err := jobs.Update(ctx, a, func(j *domain.Job) error { return j.Complete(engine, 1, time.Second, at) })
	if !errors.Is(err, domain.ErrJobFinished) {
		t.Errorf("completion after the twin's: err = %v, want ErrJobFinished", err)
	}
	want := "JobSubmitted JobStarted JobStarted LinesParsed ErrorsDetected JobCompleted"
	if got := history(t, store, id); got != want {
		t.Errorf("history = %s, want %s", got, want)
	}
	if j := load(t, jobs, id); j.Attempts != 2 || j.Lines != 10 || j.Errors != 1 {
		t.Errorf("job = %d attempts, %d lines, %d errors; want 2, 10, 1", j.Attempts, j.Lines, j.Errors)
	}
	// Each writer folded what the other appended onto its state before its
	// own command, and holds what a fresh fold holds.
	for _, j := range []*domain.Job{a, b} {
		if diff := cmp.Diff(load(t, jobs, id), j, cmpopts.IgnoreUnexported(domain.Job{}, domain.Part{})); diff != "" {
			t.Errorf("a writer's state (-fold +writer):\n%s", diff)
		}
	}
}

// TestARepeatOfEventsATwinStoredElsewhereReloads has a twin store a chunk's
// events at other versions than the job counted: the save succeeds as a
// repeat, and the next command decides on the stream as it is.
func TestARepeatOfEventsATwinStoredElsewhereReloads(t *testing.T) {
	jobs, store, id := submittedOfSize(t, 50) // one chunk
	a, b := load(t, jobs, id), load(t, jobs, id)
	if err := jobs.Update(ctx, b, func(j *domain.Job) error { return j.Start(engine, at) }); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Update(ctx, b, func(j *domain.Job) error { return j.RecordChunk(engine, chunk(0), at) }); err != nil {
		t.Fatal(err)
	}
	// a never saw b's start: its chunk events repeat b's at versions 3 and 4.
	if err := a.RecordChunk(engine, chunk(0), at); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Save(ctx, a); err != nil {
		t.Fatalf("repeat of stored events: %v", err)
	}
	if err := jobs.Update(ctx, a, func(j *domain.Job) error { return j.Complete(engine, 1, 0, at) }); err != nil {
		t.Fatal(err)
	}
	if a.Attempts != 1 || a.Status != domain.StatusCompleted || a.Version != 5 {
		t.Errorf("job after the reload = %d attempts, %s, version %d; want 1, completed, 5", a.Attempts, a.Status, a.Version)
	}
	if got := history(t, store, id); got != "JobSubmitted JobStarted LinesParsed ErrorsDetected JobCompleted" {
		t.Errorf("history = %s", got)
	}
}

// A task that no live worker runs is settled by the job: enqueued again
// when gone, the job failed when the queue gave up on it or when an
// orphaned task's attempts are spent, handed back to the queue otherwise;
// a finished job's tasks are left.
func TestSettleTask(t *testing.T) {
	jobs, _, id := submitted(t)
	j := load(t, jobs, id)
	want := map[domain.TaskCondition]domain.TaskAction{
		domain.TaskIsWaiting:  domain.LeaveTask,
		domain.TaskIsMissing:  domain.RequeueTask,
		domain.TaskIsArchived: domain.FailJob,
		domain.TaskIsOrphaned: domain.RecoverTask,
	}
	for c, a := range want {
		if got := j.SettleTask(0, c); got != a {
			t.Errorf("queued job, condition %d: action %d, want %d", c, got, a)
		}
	}
	for n := 1; n <= domain.MaxAttempts; n++ {
		if err := jobs.Update(ctx, j, func(j *domain.Job) error {
			return j.Start(domain.Attempt{Number: n, Worker: "host:1", Engine: engine.Engine}, at)
		}); err != nil {
			t.Fatal(err)
		}
		got, want := j.SettleTask(0, domain.TaskIsOrphaned), domain.RecoverTask
		if n == domain.MaxAttempts {
			want = domain.FailJob
		}
		if got != want {
			t.Errorf("orphaned after %d attempts: action %d, want %d", n, got, want)
		}
	}
	if err := jobs.Update(ctx, j, func(j *domain.Job) error { return j.LoseTask(domain.LostWorker, 0, 6, at) }); err != nil {
		t.Fatal(err)
	}
	for c := range want {
		if got := j.SettleTask(0, c); got != domain.LeaveTask {
			t.Errorf("failed job, condition %d: action %d, want to leave it", c, got)
		}
	}
}

func TestCheckPlanTakesOnlyPartsThatCutTheWholeFile(t *testing.T) {
	good := []events.PartPlan{{Part: 1, Offset: 0, Length: 40, FirstLine: 1}, {Part: 2, Offset: 40, Length: 60, FirstLine: 5}}
	if err := domain.CheckPlan(good, 100); err != nil {
		t.Fatalf("a good plan: %v", err)
	}
	bad := map[string]func(p []events.PartPlan) ([]events.PartPlan, int64){
		"one part":         func(p []events.PartPlan) ([]events.PartPlan, int64) { return p[:1], 40 },
		"misnumbered":      func(p []events.PartPlan) ([]events.PartPlan, int64) { p[1].Part = 3; return p, 100 },
		"a gap":            func(p []events.PartPlan) ([]events.PartPlan, int64) { p[1].Offset, p[1].Length = 41, 59; return p, 100 },
		"an overlap":       func(p []events.PartPlan) ([]events.PartPlan, int64) { p[1].Offset, p[1].Length = 39, 61; return p, 100 },
		"an empty part":    func(p []events.PartPlan) ([]events.PartPlan, int64) { p[0].Length, p[1].Offset = 0, 0; return p, 60 },
		"lines going back": func(p []events.PartPlan) ([]events.PartPlan, int64) { p[1].FirstLine = 1; return p, 100 },
		"short of the end": func(p []events.PartPlan) ([]events.PartPlan, int64) { return p, 101 },
		"past the end":     func(p []events.PartPlan) ([]events.PartPlan, int64) { return p, 99 },
		"too many parts": func([]events.PartPlan) ([]events.PartPlan, int64) {
			var many []events.PartPlan
			for i := range domain.MaxParts + 1 {
				many = append(many, events.PartPlan{Part: i + 1, Offset: int64(i), Length: 1, FirstLine: int64(i + 1)})
			}
			return many, domain.MaxParts + 1
		},
	}
	for name, spoil := range bad {
		parts, size := spoil(slices.Clone(good))
		if err := domain.CheckPlan(parts, size); err == nil {
			t.Errorf("%s: CheckPlan(%+v, %d) = nil, want an error", name, parts, size)
		}
	}
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	_, err := domain.Submit(uuid.New(), domain.Upload{Owner: "alice", FileName: "a.log", Blob: domain.Blob{Key: "k", Size: 99},
		Plan: &events.UploadPlan{Engine: "2.6.0", Parts: good}}, at)
	if err == nil {
		t.Error("Submit took a plan that does not cut the file")
	}
}
