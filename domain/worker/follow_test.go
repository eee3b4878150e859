package worker_test

import (
	"bytes"
	"context"
	"errors"
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
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/domain/worker/asynqtest"
)

// followedUpload is an upload whose job was submitted as it began: its file
// is written by the test through a pipe into a growing Put.
type followedUpload struct {
	f    *fixture
	id   uuid.UUID
	w    *io.PipeWriter
	done chan struct{}
	blob domain.Blob
	err  error
}

// follow begins a followed upload with first, and records its job.
func (f *fixture) follow(first []byte, chunkLines int) *followedUpload {
	f.t.Helper()
	id, at := uuid.New(), time.Now()
	key := domain.BlobKey(id, at)
	r, w := io.Pipe()
	u := &followedUpload{f: f, id: id, w: w, done: make(chan struct{})}
	go func() {
		defer close(u.done)
		u.blob, u.err = f.blobs.PutGrowing(f.ctx, key, r, "text/plain")
		r.CloseWithError(u.err)
	}()
	f.t.Cleanup(func() { w.CloseWithError(errors.New("test over")); <-u.done })
	job, err := domain.Submit(id, domain.Upload{Owner: "alice", FileName: "app.log", Blob: domain.Blob{Key: key},
		RequestID: "req-1", ChunkLines: chunkLines, Following: true}, at)
	if err == nil {
		err = domain.NewJobs(f.store).Save(f.ctx, job)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	u.write(first)
	return u
}

func (u *followedUpload) write(b []byte) {
	u.f.t.Helper()
	if _, err := u.w.Write(b); err != nil {
		u.f.t.Fatalf("write the upload: %v", err)
	}
}

// end ends the upload's body with err (nil: its end) and records what the
// API would: the upload's end, or its failure.
func (u *followedUpload) end(err error) {
	u.f.t.Helper()
	u.close(err)
	u.record(err)
}

// close ends the upload's body with err, and waits for its Put.
func (u *followedUpload) close(err error) {
	u.w.CloseWithError(err)
	<-u.done
}

// record records the end of the upload, or its failure for err.
func (u *followedUpload) record(err error) {
	u.f.t.Helper()
	jobs := domain.NewJobs(u.f.store)
	j, loadErr := jobs.Load(u.f.ctx, u.id)
	if loadErr != nil {
		u.f.t.Fatal(loadErr)
	}
	if err == nil && u.err == nil {
		err = jobs.Update(u.f.ctx, j, func(j *domain.Job) error { return j.CompleteUpload(u.blob, nil, time.Now()) })
	} else {
		err = jobs.Update(u.f.ctx, j, func(j *domain.Job) error { return j.AbandonUpload(err, "", time.Now()) })
	}
	if err != nil {
		u.f.t.Fatalf("record the upload's end: %v", err)
	}
}

// runTask runs the job's task in the background; its error arrives on the
// channel.
func (f *fixture) runTask(h *worker.Handler, id uuid.UUID) <-chan error {
	done := make(chan error, 1)
	go func() { done <- h.ProcessTask(f.ctx, task(f.t, id)) }()
	return done
}

// waitChunks waits until the job has recorded chunks. The deadline only
// guards against a hang.
func (f *fixture) waitChunks(id uuid.UUID, chunks int) {
	f.t.Helper()
	for give := time.Now().Add(time.Minute); f.job(id).Chunks < chunks; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(give) {
			f.t.Fatalf("job %s recorded %d chunks, want %d", id, f.job(id).Chunks, chunks)
		}
	}
}

// analysedWhole submits content stored whole and analyses it, for a
// followed job to be compared with.
func (f *fixture) analysedWhole(h *worker.Handler, content []byte) *domain.Job {
	f.t.Helper()
	id := f.submit(content, 1000)
	if err := h.ProcessTask(f.ctx, task(f.t, id)); err != nil {
		f.t.Fatal(err)
	}
	return f.job(id)
}

// followedLog is sampleLog many times over: about 3 MiB, more than a local
// store holds back before it writes.
func followedLog() []byte { return bytes.Repeat(sampleLog(), 30) }

// A followed job is analysed while its file arrives: chunks are recorded
// before the upload ends, and the job ends as the same file analysed
// once stored whole does.
func TestAFollowedJobIsAnalysedAsItsFileArrives(t *testing.T) {
	f := newFixture(t)
	h := f.handler(worker.NewEngine(nil))
	content := followedLog()
	want := f.analysedWhole(h, content)
	half := len(content) * 3 / 4
	u := f.follow(content[:half], 1000)
	done := f.runTask(h, u.id)
	f.waitChunks(u.id, 2)
	if j := f.job(u.id); !j.Uploading() || j.Status != domain.StatusProcessing {
		t.Fatalf("job with chunks recorded: uploading %v, %s; want its upload still arriving", j.Uploading(), j.Status)
	}
	u.write(content[half:])
	u.end(nil)
	if err := <-done; err != nil {
		t.Fatalf("followed task: %v", err)
	}
	got := f.job(u.id)
	if got.Status != domain.StatusCompleted {
		t.Fatalf("followed job: %s %s", got.Status, got.FailureReason)
	}
	opts := cmp.Options{comparable, cmpopts.IgnoreFields(domain.Job{}, "Following", "ExpectedSize")}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("followed job differs from the file analysed whole (-whole +followed):\n%s", diff)
	}
}

// A worker that read a followed file to its end waits for the upload's end
// to be recorded before it completes the job.
func TestAFollowedJobWaitsForItsUploadToBeRecorded(t *testing.T) {
	f := newFixture(t)
	h := f.handler(worker.NewEngine(nil))
	content := followedLog()
	whole := f.analysedWhole(h, content)
	u := f.follow(content, 1000)
	u.close(nil)
	done := f.runTask(h, u.id)
	f.waitChunks(u.id, whole.Chunks)
	select {
	case err := <-done:
		t.Fatalf("the task ended (%v) before the upload's end was recorded", err)
	default:
	}
	u.record(nil)
	if err := <-done; err != nil {
		t.Fatalf("followed task: %v", err)
	}
	if j := f.job(u.id); j.Status != domain.StatusCompleted {
		t.Errorf("job = %s %s, want completed", j.Status, j.FailureReason)
	}
}

// A followed upload that fails midway fails its job with the upload's
// reason, and the task that followed it ends without an error.
func TestAFailedFollowedUploadFailsItsJob(t *testing.T) {
	f := newFixture(t)
	h := f.handler(worker.NewEngine(nil))
	content := followedLog()
	u := f.follow(content[:len(content)/2], 1000)
	done := f.runTask(h, u.id)
	f.waitChunks(u.id, 1)
	u.end(domain.Errorf(domain.EINVALID, "the upload ended early or is malformed: unexpected EOF"))
	if err := <-done; err != nil {
		t.Fatalf("task of a failed upload: %v", err)
	}
	j := f.job(u.id)
	if j.Status != domain.StatusFailed || j.FailureCode != domain.CodeUploadIncomplete {
		t.Fatalf("job of a failed upload: %s %q %q", j.Status, j.FailureCode, j.FailureReason)
	}
	types := f.eventTypes(u.id)
	if types[len(types)-1] != "JobFailed" || j.Chunks == 0 {
		t.Errorf("events of a failed upload: %v, want chunks, then the failure last", types)
	}
}

// When the API dies mid-upload, nothing records the upload's end: the
// worker waits for the file to grow, and then for the end to be recorded,
// and gives the upload up itself.
func TestAWorkerGivesUpAnUploadWhoseAPIDied(t *testing.T) {
	f := newFixture(t)
	h := f.handler(worker.NewEngine(nil))
	h.FollowStall, h.VerdictWait = 50*time.Millisecond, 50*time.Millisecond
	u := f.follow(followedLog()[:2<<20], 1000)
	if err := h.ProcessTask(f.ctx, task(t, u.id)); err != nil {
		t.Fatalf("task of a stalled upload: %v", err)
	}
	j := f.job(u.id)
	if j.Status != domain.StatusFailed || j.FailureCode != domain.CodeUploadIncomplete {
		t.Fatalf("job of a stalled upload: %s %q %q", j.Status, j.FailureCode, j.FailureReason)
	}
	recs, err := f.store.ReadStream(f.ctx, "job-"+u.id.String(), j.Version-1, 1)
	if err != nil || len(recs) != 1 || recs[0].Metadata.Actor != "worker "+h.Name {
		t.Errorf("the failure was not recorded by the worker: %+v %v", recs, err)
	}
}

// A followed job whose upload ended before its task ran is analysed as any
// stored file.
func TestAFollowedJobWhoseUploadEndedRunsAsAnyJob(t *testing.T) {
	f := newFixture(t)
	h := f.handler(worker.NewEngine(nil))
	content := followedLog()
	u := f.follow(content, 1000)
	u.end(nil)
	ctx, cancel := context.WithTimeout(f.ctx, time.Minute)
	defer cancel()
	if err := h.ProcessTask(ctx, task(t, u.id)); err != nil {
		t.Fatal(err)
	}
	if j := f.job(u.id); j.Status != domain.StatusCompleted || j.Size != int64(len(content)) || j.Entries != 30*2000 {
		t.Errorf("job = %s, %d bytes, %d entries", j.Status, j.Size, j.Entries)
	}
}

// Two deliveries of a followed job's task at once both follow the file, and
// the job counts each chunk once.
func TestTwinDeliveriesOfAFollowedJobCountOnce(t *testing.T) {
	f := newFixture(t)
	engine := worker.NewEngine(nil)
	content := followedLog()
	want := f.analysedWhole(f.handler(engine), content)
	half := len(content) / 2
	u := f.follow(content[:half], 1000)
	first, second := f.handler(engine), f.handler(engine)
	second.Name = "twin:2"
	done1, done2 := f.runTask(first, u.id), f.runTask(second, u.id)
	f.waitChunks(u.id, 1)
	u.write(content[half:])
	u.end(nil)
	for _, done := range []<-chan error{done1, done2} {
		if err := <-done; err != nil {
			t.Fatalf("a twin delivery: %v", err)
		}
	}
	got := f.job(u.id)
	opts := cmp.Options{comparable, cmpopts.IgnoreFields(domain.Job{}, "Following", "ExpectedSize")}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("twin deliveries differ from the file analysed whole (-whole +twins):\n%s", diff)
	}
}

// A worker stopped while it follows an upload leaves its chunks; the next
// attempt follows the file again from its start, while it still arrives,
// and records only what is left.
func TestAFollowedJobResumesAfterItsWorkerStops(t *testing.T) {
	f := newFixture(t)
	engine := worker.NewEngine(nil)
	content := followedLog()
	want := f.analysedWhole(f.handler(engine), content)
	half := len(content) * 3 / 4
	u := f.follow(content[:half], 1000)
	ctx, cancel := context.WithCancel(f.ctx)
	stopped := f.handler(&interrupting{Analyzer: engine, after: 3, cancel: cancel})
	if err := stopped.ProcessTask(ctx, task(t, u.id)); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped attempt: %v, want context.Canceled", err)
	}
	if j := f.job(u.id); j.Chunks == 0 || !j.Uploading() {
		t.Fatalf("after the stop: %d chunks, uploading %v; want some chunks while the file arrives", j.Chunks, j.Uploading())
	}
	done := f.runTask(f.handler(engine), u.id)
	u.write(content[half:])
	u.end(nil)
	if err := <-done; err != nil {
		t.Fatalf("resumed attempt: %v", err)
	}
	opts := cmp.Options{comparable, cmpopts.IgnoreFields(domain.Job{}, "Following", "ExpectedSize")}
	if diff := cmp.Diff(want, f.job(u.id), opts); diff != "" {
		t.Errorf("resumed followed job differs from the file analysed whole (-whole +resumed):\n%s", diff)
	}
}

// A worker follows at most FollowSlots uploads at once: the task of another
// job whose upload arrives is put off without a trace in the job, while a
// job whose file is stored runs; once the slot is free, the put-off job
// runs as any.
func TestAWorkerFollowsAtMostItsSlotsOfUploads(t *testing.T) {
	f := newFixture(t)
	h := f.handler(worker.NewEngine(nil))
	h.SetFollowSlots(1)
	content := followedLog()
	first := f.follow(content[:len(content)/2], 1000)
	done := f.runTask(h, first.id)
	f.waitChunks(first.id, 1)

	second := f.follow(content[:len(content)/2], 1000)
	if err := h.ProcessTask(f.ctx, task(t, second.id)); !errors.Is(err, worker.ErrFollowersBusy) {
		t.Fatalf("a second followed task: %v, want ErrFollowersBusy", err)
	}
	if types := f.eventTypes(second.id); len(types) != 1 {
		t.Errorf("events of the put-off job = %v, want only its JobSubmitted", types)
	}
	stored := f.submit(sampleLog(), 300)
	if err := h.ProcessTask(f.ctx, task(t, stored)); err != nil || f.job(stored).Status != domain.StatusCompleted {
		t.Errorf("a stored job beside the followed one: %v, %s", err, f.job(stored).Status)
	}

	first.write(content[len(content)/2:])
	first.end(nil)
	if err := <-done; err != nil {
		t.Fatalf("first followed task: %v", err)
	}
	second.write(content[len(content)/2:])
	second.end(nil)
	if err := h.ProcessTask(f.ctx, task(t, second.id)); err != nil || f.job(second.id).Status != domain.StatusCompleted {
		t.Errorf("the put-off job once the slot is free: %v, %s", err, f.job(second.id).Status)
	}
}

// A worker whose blob store cannot be read while it is written follows no
// upload: the task of a job whose file arrives is put off, recording
// nothing, until its file is stored.
func TestAWorkerThatCannotFollowPutsOffAFollowedJob(t *testing.T) {
	f := newFixture(t)
	content := followedLog()
	u := f.follow(content[:len(content)/2], 1000)
	wholeOnly := struct{ domain.BlobStore }{f.blobs} // hides PutGrowing and OpenGrowing
	h := worker.NewHandler(f.store, wholeOnly, worker.NewEngine(nil), f.log)
	if err := h.ProcessTask(f.ctx, task(t, u.id)); !errors.Is(err, worker.ErrFollowersBusy) {
		t.Fatalf("a followed task on a worker that cannot follow: %v, want ErrFollowersBusy", err)
	}
	if types := f.eventTypes(u.id); len(types) != 1 {
		t.Errorf("events of the put-off job = %v, want only its JobSubmitted", types)
	}
	u.write(content[len(content)/2:])
	u.end(nil)
	if err := h.ProcessTask(f.ctx, task(t, u.id)); err != nil || f.job(u.id).Status != domain.StatusCompleted {
		t.Errorf("the job once its file is stored: %v, %s", err, f.job(u.id).Status)
	}
}

// A task put off on its last attempt would be archived by asynq, and its
// job lost: that attempt waits for the file to be stored and analyses it.
// The task runs on a real asynq server with no retry left, on a worker
// that cannot follow an upload, and the upload ends only once the worker
// has logged that it waits.
func TestALastAttemptWaitsForAnUploadItCannotFollow(t *testing.T) {
	for _, c := range []struct {
		name string
		ok   bool // the upload succeeds
	}{{"stored", true}, {"upload failed", false}} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			content := followedLog()
			u := f.follow(content[:len(content)/2], 1000)
			wholeOnly := struct{ domain.BlobStore }{f.blobs} // hides PutGrowing and OpenGrowing
			var logged logBuffer
			h := worker.NewHandler(f.store, wholeOnly, worker.NewEngine(nil), slog.New(slog.NewTextHandler(&logged, nil)))

			rdb, queue := asynqtest.NewQueue(t)
			srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Queues: map[string]int{queue: 1}, Concurrency: 1,
				LogLevel: asynq.FatalLevel, IsFailure: worker.IsFailure, RetryDelayFunc: worker.RetryDelay})
			mux := asynq.NewServeMux()
			mux.Handle(worker.TypeAnalyzeJob, h)
			if err := srv.Start(mux); err != nil {
				t.Fatal(err)
			}
			defer srv.Shutdown()
			tk, _ := worker.NewAnalyzeJobTask(u.id, 0, queue)
			info, err := asynq.NewClientFromRedisClient(rdb).Enqueue(tk, asynq.MaxRetry(0), asynq.Retention(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			inspector := asynq.NewInspectorFromRedisClient(rdb)
			state := func() asynq.TaskState {
				ti, err := inspector.GetTaskInfo(queue, info.ID)
				if err != nil {
					t.Fatalf("task %s: %v", info.ID, err)
				}
				return ti.State
			}
			for deadline := time.Now().Add(time.Minute); !strings.Contains(logged.String(), "waiting for its file"); time.Sleep(5 * time.Millisecond) {
				if s := state(); s == asynq.TaskStateArchived || time.Now().After(deadline) {
					t.Fatalf("the task is %s before its upload ended, want it waiting for the file", s)
				}
			}
			if c.ok {
				u.write(content[len(content)/2:])
				u.end(nil)
			} else {
				u.end(errors.New("client went away"))
			}
			want := map[bool]domain.JobStatus{true: domain.StatusCompleted, false: domain.StatusFailed}[c.ok]
			for deadline := time.Now().Add(time.Minute); f.job(u.id).Status != want; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("job %s, task %s; want the job %s", f.job(u.id).Status, state(), want)
				}
			}
			if j := f.job(u.id); c.ok && j.BytesRead != int64(len(content)) {
				t.Errorf("bytes read = %d, want the whole file's %d", j.BytesRead, len(content))
			}
			for deadline := time.Now().Add(time.Minute); state() == asynq.TaskStateActive; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("the task never ended")
				}
			}
			if s := state(); s != asynq.TaskStateCompleted {
				t.Errorf("task %s, want completed", s)
			}
		})
	}
}

// logBuffer is a log's output that tests read while it is written.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
