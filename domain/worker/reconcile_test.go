package worker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/domain/worker/asynqtest"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

// reconcileFixture is a reconciler's world: a real event store, a real asynq
// queue of the test's own, and a list of unfinished jobs that stands in for
// the read model.
type reconcileFixture struct {
	t         *testing.T
	ctx       context.Context
	store     *postgres.Store
	rdb       *redis.Client
	queueName string
	queue     *worker.Queue
	client    *asynq.Client
	inspector *asynq.Inspector
	tasks     *worker.Tasks
	jobs      *unfinishedList
}

func newReconcileFixture(t *testing.T) *reconcileFixture {
	t.Helper()
	rdb, name := asynqtest.NewQueue(t)
	client := asynq.NewClientFromRedisClient(rdb)
	return &reconcileFixture{t: t, ctx: context.Background(), store: postgres.New(pgtest.NewPool(t)),
		rdb: rdb, queueName: name, queue: worker.NewQueue(client, name), client: client,
		inspector: asynq.NewInspectorFromRedisClient(rdb), tasks: worker.NewTasks(rdb, name), jobs: &unfinishedList{}}
}

// reconciler returns a reconciler with the default grace period.
func (f *reconcileFixture) reconciler(store events.Store, tasks *worker.Tasks) *worker.Reconciler {
	return worker.NewReconciler(f.jobs, store, f.queue, tasks, slog.New(slog.DiscardHandler))
}

// reconcile runs one pass of r and fails the test on an error.
func (f *reconcileFixture) reconcile(r *worker.Reconciler) worker.Report {
	f.t.Helper()
	rep, err := r.ReconcileOnce(f.ctx)
	if err != nil {
		f.t.Fatalf("ReconcileOnce: %v", err)
	}
	return rep
}

// submitAt records the JobSubmitted of a job uploaded at the given time
// and lists the job as unfinished.
func (f *reconcileFixture) submitAt(at time.Time) uuid.UUID {
	f.t.Helper()
	id := uuid.New()
	f.append(id, &events.JobSubmitted{JobID: id, Owner: "alice", FileName: "app.log", Size: 4 << 20,
		BlobKey: "jobs/" + id.String(), SubmittedAt: at.UTC()}, events.Metadata{CorrelationID: "req-" + id.String()})
	f.jobs.add(id)
	return id
}

// processing submits a job ten minutes ago and records a first attempt.
func (f *reconcileFixture) processing() uuid.UUID {
	f.t.Helper()
	id := f.submitAt(time.Now().Add(-10 * time.Minute))
	f.append(id, &events.JobStarted{Attempt: 1, Worker: "w1", At: time.Now().UTC()}, events.Metadata{})
	return id
}

// append appends one event to the job's stream at its current version.
func (f *reconcileFixture) append(id uuid.UUID, p events.Payload, md events.Metadata) {
	f.t.Helper()
	if err := appendNow(f.ctx, f.store, id, p, md); err != nil {
		f.t.Fatal(err)
	}
}

func appendNow(ctx context.Context, store events.Store, id uuid.UUID, p events.Payload, md events.Metadata) error {
	recs, err := store.ReadStream(ctx, events.JobStream(id), 0, 10000)
	if err != nil {
		return err
	}
	e, err := events.New(uuid.New(), p, md)
	if err != nil {
		return err
	}
	_, err = store.AppendToStream(ctx, events.JobStream(id), int64(len(recs)), e)
	return err
}

// records returns the job's stream.
func (f *reconcileFixture) records(id uuid.UUID) []events.Record {
	f.t.Helper()
	recs, err := f.store.ReadStream(f.ctx, events.JobStream(id), 0, 10000)
	if err != nil {
		f.t.Fatal(err)
	}
	return recs
}

func (f *reconcileFixture) eventTypes(id uuid.UUID) []string {
	f.t.Helper()
	var types []string
	for _, r := range f.records(id) {
		types = append(types, r.Type)
	}
	return types
}

// taskState returns the state of the job's task, 0 when there is none.
func (f *reconcileFixture) taskState(id uuid.UUID) asynq.TaskState {
	f.t.Helper()
	info, err := f.inspector.GetTaskInfo(f.queueName, id.String())
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return 0
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return info.State
}

// enqueue enqueues the job's task as the dispatcher does, with extra
// options.
func (f *reconcileFixture) enqueue(id uuid.UUID, opts ...asynq.Option) {
	f.t.Helper()
	task, err := worker.NewAnalyzeJobTask(id, 4<<20, f.queueName)
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.client.Enqueue(task, opts...); err != nil {
		f.t.Fatal(err)
	}
}

// runWorker enqueues the job's task and lets a real asynq server run it
// once with a handler that returns handlerErr and records nothing, then
// stops the server. Retries wait an hour, so a retried task stays in retry.
func (f *reconcileFixture) runWorker(id uuid.UUID, handlerErr error, opts ...asynq.Option) {
	f.t.Helper()
	f.enqueue(id, opts...)
	f.work(id, handlerErr)
}

// work lets a real asynq server run the job's task, already in the queue,
// once with a handler that returns handlerErr, then stops the server.
func (f *reconcileFixture) work(id uuid.UUID, handlerErr error) {
	f.t.Helper()
	srv := asynq.NewServerFromRedisClient(f.rdb, asynq.Config{
		Queues: map[string]int{f.queueName: 1}, Concurrency: 1, TaskCheckInterval: 20 * time.Millisecond,
		RetryDelayFunc: func(int, error, *asynq.Task) time.Duration { return time.Hour },
		LogLevel:       asynq.FatalLevel,
	})
	if err := srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return handlerErr })); err != nil {
		f.t.Fatal(err)
	}
	defer srv.Shutdown()
	f.waitUntilRun(id)
}

// waitUntilRun waits for the server to have run the task once.
func (f *reconcileFixture) waitUntilRun(id uuid.UUID) {
	f.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s := f.taskState(id); s != asynq.TaskStatePending && s != asynq.TaskStateActive {
			return
		}
	}
	f.t.Fatalf("the asynq server did not run task %s within 30 s", id)
}

// unfinishedList is worker.UnfinishedJobs over the ids a test added. Unlike
// the read model it lists jobs whatever their age or status, so the tests
// show what the reconciler itself checks; it records the cutoffs asked for.
type unfinishedList struct {
	mu      sync.Mutex
	ids     []uuid.UUID
	cutoffs []time.Time
	limits  []int
	called  chan struct{}
}

func (l *unfinishedList) add(id uuid.UUID) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids = append(l.ids, id)
	slices.SortFunc(l.ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
}

// UnfinishedJobs implements worker.UnfinishedJobs.
func (l *unfinishedList) UnfinishedJobs(_ context.Context, olderThan time.Time, after uuid.UUID, limit int) ([]uuid.UUID, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cutoffs, l.limits = append(l.cutoffs, olderThan), append(l.limits, limit)
	if l.called != nil {
		select {
		case l.called <- struct{}{}:
		default:
		}
	}
	var page []uuid.UUID
	for _, id := range l.ids {
		if bytes.Compare(id[:], after[:]) > 0 && len(page) < limit {
			page = append(page, id)
		}
	}
	return page, nil
}

const (
	reasonKilled   = "the worker stopped (killed or lost) during its last attempt; upload the file again"
	reasonOperator = "an operator stopped the job's task before it finished; upload the file again"
	reasonFailed   = "the job's last attempt failed and its failure could not be recorded; upload the file again"
)

func TestReconcilerSettlesJobByTaskState(t *testing.T) {
	var (
		failedOnce = []worker.Report{{Checked: 1, Failed: 1}, {Checked: 1, Skipped: 1}}
		requeued   = []worker.Report{{Checked: 1, Requeued: 1}, {Checked: 1, Left: 1}}
		left       = []worker.Report{{Checked: 1, Left: 1}, {Checked: 1, Left: 1}}
		started    = []string{events.TypeJobSubmitted, events.TypeJobStarted}
		failed     = append(slices.Clone(started), events.TypeJobFailed)
	)
	tests := []struct {
		name string
		// queued leaves the job without a JobStarted.
		queued bool
		task   func(f *reconcileFixture, id uuid.UUID)
		passes []worker.Report
		events []string
		state  asynq.TaskState
		// reason and attempt are the JobFailed's, when one is appended.
		reason  string
		attempt int
	}{{
		// asynq's recoverer archives the task of a killed worker on its
		// last attempt with ErrLeaseExpired as the last error. A handler
		// returning that error on its last attempt leaves the same state,
		// without waiting minutes for a lease to expire.
		name:   "archived after the worker was killed on its last attempt",
		task:   func(f *reconcileFixture, id uuid.UUID) { f.runWorker(id, asynq.ErrLeaseExpired, asynq.MaxRetry(0)) },
		passes: failedOnce, events: failed, state: asynq.TaskStateArchived, reason: reasonKilled, attempt: 1,
	}, {
		name: "archived after a last attempt whose failure was not recorded",
		task: func(f *reconcileFixture, id uuid.UUID) {
			f.runWorker(id, errors.New("blob store timeout"), asynq.MaxRetry(0))
		},
		passes: failedOnce, events: failed, state: asynq.TaskStateArchived, reason: reasonFailed, attempt: 1,
	}, {
		name: "archived by an operator after the job started",
		task: func(f *reconcileFixture, id uuid.UUID) {
			f.enqueue(id)
			if err := f.inspector.ArchiveTask(f.queueName, id.String()); err != nil {
				f.t.Fatal(err)
			}
		},
		passes: failedOnce, events: failed, state: asynq.TaskStateArchived, reason: reasonOperator, attempt: 1,
	}, {
		name:   "archived by an operator before it ran",
		queued: true,
		task: func(f *reconcileFixture, id uuid.UUID) {
			f.enqueue(id, asynq.ProcessIn(time.Hour))
			if err := f.inspector.ArchiveTask(f.queueName, id.String()); err != nil {
				f.t.Fatal(err)
			}
		},
		passes: failedOnce, events: []string{events.TypeJobSubmitted, events.TypeJobFailed},
		state: asynq.TaskStateArchived, reason: reasonOperator, attempt: 0,
	}, {
		name: "deleted by an operator",
		task: func(f *reconcileFixture, id uuid.UUID) {
			f.enqueue(id)
			if err := f.inspector.DeleteTask(f.queueName, id.String()); err != nil {
				f.t.Fatal(err)
			}
		},
		passes: requeued, events: started, state: asynq.TaskStatePending,
	}, {
		name:   "lost with its whole queue",
		task:   func(*reconcileFixture, uuid.UUID) {},
		passes: requeued, events: started, state: asynq.TaskStatePending,
	}, {
		name:   "pending",
		task:   func(f *reconcileFixture, id uuid.UUID) { f.enqueue(id) },
		passes: left, events: started, state: asynq.TaskStatePending,
	}, {
		name:   "scheduled",
		task:   func(f *reconcileFixture, id uuid.UUID) { f.enqueue(id, asynq.ProcessIn(time.Hour)) },
		passes: left, events: started, state: asynq.TaskStateScheduled,
	}, {
		name:   "waiting for a retry",
		task:   func(f *reconcileFixture, id uuid.UUID) { f.runWorker(id, errors.New("blob store timeout")) },
		passes: left, events: started, state: asynq.TaskStateRetry,
	}, {
		name:   "completed although the job is not",
		task:   func(f *reconcileFixture, id uuid.UUID) { f.runWorker(id, nil) },
		passes: left, events: started, state: asynq.TaskStateCompleted,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newReconcileFixture(t)
			id := f.submitAt(time.Now().Add(-10 * time.Minute))
			if !tt.queued {
				f.append(id, &events.JobStarted{Attempt: 1, Worker: "w1", At: time.Now().UTC()}, events.Metadata{})
			}
			tt.task(f, id)
			r := f.reconciler(f.store, f.tasks)
			for i, want := range tt.passes {
				if diff := cmp.Diff(want, f.reconcile(r)); diff != "" {
					t.Errorf("pass %d report (-want +got):\n%s", i+1, diff)
				}
			}
			if diff := cmp.Diff(tt.events, f.eventTypes(id)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			if got := f.taskState(id); got != tt.state {
				t.Errorf("task state %v, want %v", got, tt.state)
			}
			if tt.reason != "" {
				checkLostTaskFailure(t, f, id, tt.reason, tt.attempt)
			}
		})
	}
}

// checkLostTaskFailure checks the JobFailed the reconciler appended and the
// job it folds to.
func checkLostTaskFailure(t *testing.T, f *reconcileFixture, id uuid.UUID, reason string, attempt int) {
	t.Helper()
	recs := f.records(id)
	submitted, last := recs[0], recs[len(recs)-1]
	p, err := events.Decode(last.Event)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := p.(*events.JobFailed)
	if !ok {
		t.Fatalf("last event is %s, want %s", last.Type, events.TypeJobFailed)
	}
	want := events.JobFailed{Reason: reason, Code: domain.CodeTaskLost, Attempt: attempt, Retryable: false, At: got.At}
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("JobFailed (-want +got):\n%s", diff)
	}
	wantMD := events.Metadata{CorrelationID: "req-" + id.String(), CausationID: submitted.ID.String(), Actor: "reconciler"}
	if diff := cmp.Diff(wantMD, last.Metadata); diff != "" {
		t.Errorf("JobFailed metadata (-want +got):\n%s", diff)
	}
	job, err := domain.NewJobs(f.store).Load(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != domain.StatusFailed || job.FailureReason != reason || job.FailureCode != domain.CodeTaskLost {
		t.Errorf("job folds to %s (%s: %q), want failed (%s: %q)", job.Status, job.FailureCode, job.FailureReason,
			domain.CodeTaskLost, reason)
	}
}

func TestReconcilerSkipsFinishedJobs(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	failed, completed := f.processing(), f.processing()
	// The handler recorded the failure, then asynq archived the task.
	f.append(failed, &events.JobFailed{Reason: "file unreadable", Code: domain.EUNSUPPORTED, Attempt: 1,
		At: time.Now().UTC()}, events.Metadata{})
	f.enqueue(failed)
	if err := f.inspector.ArchiveTask(f.queueName, failed.String()); err != nil {
		t.Fatal(err)
	}
	// The job completed and asynq has since dropped its task.
	f.append(completed, &events.JobCompleted{At: time.Now().UTC()}, events.Metadata{})

	rep := f.reconcile(f.reconciler(f.store, f.tasks))
	if diff := cmp.Diff(worker.Report{Checked: 2, Skipped: 2}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if got := len(f.records(failed)); got != 3 {
		t.Errorf("failed job has %d events, want 3", got)
	}
	if got := f.taskState(completed); got != 0 {
		t.Errorf("completed job was enqueued again: its task is %v", got)
	}
}

func TestReconcilerLeavesJobsWithinGracePeriod(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	r := f.reconciler(f.store, f.tasks)
	fresh, old := f.submitAt(time.Now().Add(-r.Grace/2)), f.submitAt(time.Now().Add(-2*r.Grace))

	before := time.Now()
	rep := f.reconcile(r)
	after := time.Now()
	if diff := cmp.Diff(worker.Report{Checked: 2, Skipped: 1, Requeued: 1}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if got := f.taskState(fresh); got != 0 {
		t.Errorf("a job within the grace period was enqueued: its task is %v", got)
	}
	if got := f.taskState(old); got != asynq.TaskStatePending {
		t.Errorf("an old job without a task: task %v, want pending", got)
	}
	cutoff := f.jobs.cutoffs[0]
	if cutoff.Before(before.Add(-r.Grace)) || cutoff.After(after.Add(-r.Grace)) {
		t.Errorf("asked for jobs older than %v, want now - %v, between %v and %v", cutoff, r.Grace,
			before.Add(-r.Grace), after.Add(-r.Grace))
	}
}

func TestReconcilerReadsEveryPage(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	var ids []uuid.UUID
	for range 5 {
		ids = append(ids, f.processing())
	}
	r := f.reconciler(f.store, f.tasks)
	r.PageSize = 2
	if diff := cmp.Diff(worker.Report{Checked: 5, Requeued: 5}, f.reconcile(r)); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{2, 2, 2}, f.jobs.limits); diff != "" {
		t.Errorf("page reads (-want +got):\n%s", diff)
	}
	for _, id := range ids {
		if got := f.taskState(id); got != asynq.TaskStatePending {
			t.Errorf("job %s: task %v, want pending", id, got)
		}
	}
}

// racingStore completes the job, as a twin worker would, just before the
// reconciler's first append.
type racingStore struct {
	events.Store
	once sync.Once
	race func() error
	err  error
}

func (s *racingStore) AppendToStream(ctx context.Context, stream string, expected int64, evs ...events.Event) (int64, error) {
	s.once.Do(func() { s.err = s.race() })
	if s.err != nil {
		return 0, s.err
	}
	return s.Store.AppendToStream(ctx, stream, expected, evs...)
}

func TestReconcilerRedecidesWhenTheJobMovedMeanwhile(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	id := f.processing()
	f.enqueue(id)
	if err := f.inspector.ArchiveTask(f.queueName, id.String()); err != nil {
		t.Fatal(err)
	}
	store := &racingStore{Store: f.store, race: func() error {
		return appendNow(f.ctx, f.store, id, &events.JobCompleted{At: time.Now().UTC()}, events.Metadata{})
	}}
	rep := f.reconcile(f.reconciler(store, f.tasks))
	if diff := cmp.Diff(worker.Report{Checked: 1, Skipped: 1}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	want := []string{events.TypeJobSubmitted, events.TypeJobStarted, events.TypeJobCompleted}
	if diff := cmp.Diff(want, f.eventTypes(id)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

// closedPort returns the address of a port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestReconcilerWithRedisDownAppendsNothing(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	archived, missing := f.processing(), f.processing()
	f.enqueue(archived)
	if err := f.inspector.ArchiveTask(f.queueName, archived.String()); err != nil {
		t.Fatal(err)
	}
	down := redis.NewClient(&redis.Options{Addr: closedPort(t)})
	t.Cleanup(func() { down.Close() })

	rep, err := f.reconciler(f.store, worker.NewTasks(down, f.queueName)).ReconcileOnce(f.ctx)
	if code := domain.ErrorCode(err); code != domain.EUNAVAILABLE {
		t.Fatalf("ReconcileOnce with Redis down: error %v (code %q), want code %q", err, code, domain.EUNAVAILABLE)
	}
	if diff := cmp.Diff(worker.Report{}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	for _, id := range []uuid.UUID{archived, missing} {
		if got := len(f.records(id)); got != 2 {
			t.Errorf("job %s has %d events, want 2", id, got)
		}
	}
	if got := f.taskState(missing); got != 0 {
		t.Errorf("job without a task was enqueued: its task is %v", got)
	}
}

func TestReconcilerRunStopsWithItsContext(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	f.jobs.called = make(chan struct{}, 1)
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.reconciler(f.store, f.tasks).Run(ctx, time.Hour)
	}()
	<-f.jobs.called // the first pass runs at once
	cancel()
	<-done
}
