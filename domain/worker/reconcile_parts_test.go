package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
)

// planned submits a job ten minutes ago whose own task planned it in n
// parts of 1 MiB and completed, as the handler leaves it.
func (f *reconcileFixture) planned(n int) uuid.UUID {
	f.t.Helper()
	id := f.processing()
	plan := events.JobPlanned{}
	for k := 1; k <= n; k++ {
		plan.Parts = append(plan.Parts, events.PartPlan{Part: k, Offset: int64(k-1) << 20, Length: 1 << 20,
			FirstLine: int64(k-1)*1000 + 1})
	}
	f.append(id, &plan, events.Metadata{})
	f.runWorker(id, nil)
	return id
}

// partStarted records an attempt at a part.
func (f *reconcileFixture) partStarted(id uuid.UUID, part int) {
	f.t.Helper()
	f.append(id, &events.JobStarted{Attempt: 1, Worker: "w1", Part: part, At: time.Now().UTC()}, events.Metadata{})
}

// partDone records that a part completed.
func (f *reconcileFixture) partDone(id uuid.UUID, part int) {
	f.t.Helper()
	f.append(id, &events.PartCompleted{Part: part, At: time.Now().UTC()}, events.Metadata{})
}

// enqueueTask enqueues a task of the job other than its own.
func (f *reconcileFixture) enqueueTask(task *asynq.Task, err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.client.Enqueue(task); err != nil {
		f.t.Fatal(err)
	}
}

// stateOf returns the state of the task of the given id, 0 when there is
// none.
func (f *reconcileFixture) stateOf(id string) asynq.TaskState {
	f.t.Helper()
	info, err := f.tasks.Lookup(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	if info == nil {
		return 0
	}
	return info.State
}

// orphanTask puts a pending task in the state its killed worker leaves it
// (see orphan).
func (f *reconcileFixture) orphanTask(id string, leaseLeft time.Duration) {
	f.t.Helper()
	prefix := "asynq:{" + f.queueName + "}:"
	_, err := f.rdb.TxPipelined(f.ctx, func(p redis.Pipeliner) error {
		p.LRem(f.ctx, prefix+"pending", 0, id)
		p.LPush(f.ctx, prefix+"active", id)
		p.HSet(f.ctx, prefix+"t:"+id, "state", "active")
		p.HDel(f.ctx, prefix+"t:"+id, "pending_since")
		p.ZAdd(f.ctx, prefix+"lease", redis.Z{Score: float64(time.Now().Add(leaseLeft).Unix()), Member: id})
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func TestReconcilerSettlesTheTasksOfAJobInParts(t *testing.T) {
	const parts = 3
	partTask := func(f *reconcileFixture, id uuid.UUID, k int) {
		f.enqueueTask(worker.NewAnalyzePartTask(id, k, 1<<20, f.queueName))
	}
	tests := []struct {
		name string
		// setup leaves the job's tasks and parts as a failure leaves them.
		setup  func(f *reconcileFixture, id uuid.UUID)
		passes []worker.Report
		// states are the states of the parts' tasks after the passes, and
		// finish the state of the finishing task.
		states []asynq.TaskState
		finish asynq.TaskState
		// reason is the JobFailed's, when one is appended.
		reason string
	}{{
		name:   "parts' tasks lost with Redis' data",
		setup:  func(*reconcileFixture, uuid.UUID) {},
		passes: []worker.Report{{Checked: 1, Requeued: 1}, {Checked: 1, Left: 1}},
		states: []asynq.TaskState{asynq.TaskStatePending, asynq.TaskStatePending, asynq.TaskStatePending},
	}, {
		name: "one part's task lost, the others waiting or completed",
		setup: func(f *reconcileFixture, id uuid.UUID) {
			partTask(f, id, 1)
			f.partDone(id, 3)
		},
		passes: []worker.Report{{Checked: 1, Requeued: 1}, {Checked: 1, Left: 1}},
		states: []asynq.TaskState{asynq.TaskStatePending, asynq.TaskStatePending, 0},
	}, {
		name: "a part's worker died",
		setup: func(f *reconcileFixture, id uuid.UUID) {
			for k := 1; k <= parts; k++ {
				partTask(f, id, k)
			}
			f.partStarted(id, 2)
			f.orphanTask(worker.PartTaskID(id, 2), -time.Second)
		},
		passes: []worker.Report{{Checked: 1, Recovered: 1}, {Checked: 1, Left: 1}},
		states: []asynq.TaskState{asynq.TaskStatePending, asynq.TaskStatePending, asynq.TaskStatePending},
	}, {
		name: "a part's worker died on its last attempt",
		setup: func(f *reconcileFixture, id uuid.UUID) {
			for k := 1; k <= parts; k++ {
				partTask(f, id, k)
			}
			for range domain.MaxAttempts {
				f.partStarted(id, 2)
			}
			f.orphanTask(worker.PartTaskID(id, 2), -time.Second)
		},
		passes: []worker.Report{{Checked: 1, Failed: 1}, {Checked: 1, Skipped: 1}},
		states: []asynq.TaskState{asynq.TaskStatePending, asynq.TaskStateActive, asynq.TaskStatePending},
		reason: "part 2 of 3: " + reasonKilled,
	}, {
		name: "a part's task archived by an operator",
		setup: func(f *reconcileFixture, id uuid.UUID) {
			for k := 1; k <= parts; k++ {
				partTask(f, id, k)
			}
			f.partStarted(id, 3)
			if err := f.inspector.ArchiveTask(f.queueName, worker.PartTaskID(id, 3)); err != nil {
				f.t.Fatal(err)
			}
		},
		passes: []worker.Report{{Checked: 1, Failed: 1}, {Checked: 1, Skipped: 1}},
		states: []asynq.TaskState{asynq.TaskStatePending, asynq.TaskStatePending, asynq.TaskStateArchived},
		reason: "part 3 of 3: " + reasonOperator,
	}, {
		name: "every part completed, the job not finished",
		setup: func(f *reconcileFixture, id uuid.UUID) {
			for k := 1; k <= parts; k++ {
				f.partDone(id, k)
			}
		},
		passes: []worker.Report{{Checked: 1, Requeued: 1}, {Checked: 1, Left: 1}},
		states: []asynq.TaskState{0, 0, 0}, finish: asynq.TaskStatePending,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newReconcileFixture(t)
			id := f.planned(parts)
			tt.setup(f, id)
			r := f.reconciler(f.store, f.tasks)
			for i, want := range tt.passes {
				if diff := cmp.Diff(want, f.reconcile(r)); diff != "" {
					t.Errorf("pass %d report (-want +got):\n%s", i+1, diff)
				}
			}
			for k := 1; k <= parts; k++ {
				if got := f.stateOf(worker.PartTaskID(id, k)); got != tt.states[k-1] {
					t.Errorf("part %d's task is %v, want %v", k, got, tt.states[k-1])
				}
			}
			if got := f.stateOf(worker.FinishTaskID(id)); got != tt.finish {
				t.Errorf("finishing task is %v, want %v", got, tt.finish)
			}
			if got := f.taskState(id); got != asynq.TaskStateCompleted {
				t.Errorf("the job's own task is %v, want left completed", got)
			}
			job, err := domain.NewJobs(f.store).Load(f.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.reason == "" && job.Status != domain.StatusProcessing:
				t.Errorf("job is %s, want processing", job.Status)
			case tt.reason != "" && (job.Status != domain.StatusFailed || job.FailureReason != tt.reason):
				t.Errorf("job is %s (%q), want failed: %q", job.Status, job.FailureReason, tt.reason)
			}
		})
	}
}

// A part's task that a live worker runs is left, and so is a job whose
// parts are all completed while the last part's task still runs: that task
// finishes the job.
func TestReconcilerLeavesTheRunningPartsOfAJob(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	id := f.planned(2)
	f.partDone(id, 1)
	f.enqueueTask(worker.NewAnalyzePartTask(id, 2, 1<<20, f.queueName))
	release := make(chan struct{})
	running := make(chan struct{})
	srv := asynq.NewServerFromRedisClient(f.rdb, asynq.Config{
		Queues: map[string]int{f.queueName: 1}, Concurrency: 1, TaskCheckInterval: 20 * time.Millisecond,
		LogLevel: asynq.FatalLevel,
	})
	err := srv.Start(asynq.HandlerFunc(func(context.Context, *asynq.Task) error {
		close(running)
		<-release
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	defer close(release)
	<-running
	// asynq's servers publish what they run every 5 s.
	r := f.reconciler(f.store, f.tasks)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		servers, err := f.inspector.Servers()
		if err != nil {
			t.Fatal(err)
		}
		if len(servers) > 0 && len(servers[0].ActiveWorkers) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the asynq server did not report its running task within 30 s")
		}
	}
	// Its lease looks expired, yet a live server runs it.
	lease := "asynq:{" + f.queueName + "}:lease"
	past := redis.Z{Score: float64(time.Now().Add(-time.Second).Unix()), Member: worker.PartTaskID(id, 2)}
	if err := f.rdb.ZAdd(f.ctx, lease, past).Err(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(worker.Report{Checked: 1, Left: 1}, f.reconcile(r)); diff != "" {
		t.Errorf("report with a part running (-want +got):\n%s", diff)
	}
	f.partDone(id, 2)
	if diff := cmp.Diff(worker.Report{Checked: 1, Left: 1}, f.reconcile(r)); diff != "" {
		t.Errorf("report with every part done, the last one's task running (-want +got):\n%s", diff)
	}
	if got := f.stateOf(worker.FinishTaskID(id)); got != 0 {
		t.Errorf("finishing task is %v; none was needed", got)
	}
	if job, err := domain.NewJobs(f.store).Load(f.ctx, id); err != nil || job.Status != domain.StatusProcessing {
		t.Errorf("job = %v, %v; want processing", job.Status, err)
	}
}
