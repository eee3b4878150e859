package worker_test

import (
	"context"
	"strings"
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

// loseQueueBookkeeping removes the test's queue from the set of queues
// asynq's Inspector knows, as a Redis that restarted empty leaves it once
// a long-running client, which adds a queue on its first enqueue only,
// enqueues to it again.
func (f *reconcileFixture) loseQueueBookkeeping() {
	f.t.Helper()
	if err := f.rdb.SRem(f.ctx, "asynq:queues", f.queueName).Err(); err != nil {
		f.t.Fatal(err)
	}
}

func TestReconcilerSeesTasksAsTheyAreAfterRedisLostItsBookkeeping(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	archived, pending := f.processing(), f.processing()
	for _, id := range []uuid.UUID{archived, pending} {
		if err := f.queue.EnqueueJob(f.ctx, id, 1); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.inspector.ArchiveTask(f.queueName, archived.String()); err != nil {
		t.Fatal(err)
	}
	f.loseQueueBookkeeping()
	rep := f.reconcile(f.reconciler(f.store, f.tasks))
	if diff := cmp.Diff(worker.Report{Checked: 2, Failed: 1, Left: 1}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	checkLostTaskFailure(t, f, archived, reasonOperator, 1)
	if got := f.taskState(pending); got != asynq.TaskStatePending {
		t.Errorf("pending task is %v", got)
	}
}

func TestQueueStatusCountsTasksAfterRedisLostItsBookkeeping(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	for range 2 {
		if err := f.queue.EnqueueJob(f.ctx, uuid.New(), 1); err != nil {
			t.Fatal(err)
		}
	}
	f.loseQueueBookkeeping()
	st, err := worker.NewInspector(f.rdb, f.queueName).QueueStatus(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Queues) != 1 || st.Queues[0].Pending != 2 || st.Queues[0].Size != 2 {
		t.Errorf("queue status = %+v, want 2 pending", st.Queues)
	}
}

// orphan puts the job's task in the state a worker killed mid-task leaves
// it: active, with a lease last extended by a worker that is gone, as
// asynq v0.26 dequeues a task. leaseLeft is how long the lease has to run.
func (f *reconcileFixture) orphan(id uuid.UUID, leaseLeft time.Duration) {
	f.t.Helper()
	f.enqueue(id)
	prefix := "asynq:{" + f.queueName + "}:"
	_, err := f.rdb.TxPipelined(f.ctx, func(p redis.Pipeliner) error {
		p.LRem(f.ctx, prefix+"pending", 0, id.String())
		p.LPush(f.ctx, prefix+"active", id.String())
		p.HSet(f.ctx, prefix+"t:"+id.String(), "state", "active")
		p.HDel(f.ctx, prefix+"t:"+id.String(), "pending_since")
		p.ZAdd(f.ctx, prefix+"lease", redis.Z{Score: float64(time.Now().Add(leaseLeft).Unix()), Member: id.String()})
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	if got := f.taskState(id); got != asynq.TaskStateActive {
		f.t.Fatalf("task is %v, want active", got)
	}
}

func TestReconcilerHandsBackTheTaskOfADeadWorkerAtOnce(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	dead, alive := f.processing(), f.processing()
	f.orphan(dead, -time.Second)
	f.orphan(alive, 20*time.Second) // a worker extended it 10 s ago
	r := f.reconciler(f.store, f.tasks)
	if diff := cmp.Diff(worker.Report{Checked: 2, Recovered: 1, Left: 1}, f.reconcile(r)); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	if got := f.taskState(dead); got != asynq.TaskStatePending {
		t.Errorf("dead worker's task is %v, want pending", got)
	}
	if got := f.taskState(alive); got != asynq.TaskStateActive {
		t.Errorf("task with a live lease is %v, want left active", got)
	}
	// A live worker takes the handed back task and completes the job.
	f.work(dead, nil)
	if got := f.taskState(dead); got != asynq.TaskStateCompleted {
		t.Errorf("handed back task is %v after a worker ran it, want completed", got)
	}
}

func TestJobWhoseWorkerDiesEveryTimeFails(t *testing.T) {
	t.Parallel()
	f := newReconcileFixture(t)
	id := f.processing()
	for n := 2; n <= domain.MaxAttempts; n++ {
		f.append(id, &events.JobStarted{Attempt: 1, Worker: "w1", At: time.Now().UTC()}, events.Metadata{})
	}
	f.orphan(id, -time.Second)
	rep := f.reconcile(f.reconciler(f.store, f.tasks))
	if diff := cmp.Diff(worker.Report{Checked: 1, Failed: 1}, rep); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	job, err := domain.NewJobs(f.store).Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != domain.StatusFailed || job.FailureCode != domain.CodeTaskLost || !strings.Contains(job.FailureReason, "worker stopped") {
		t.Errorf("job = %s %s %q, want failed, its worker lost", job.Status, job.FailureCode, job.FailureReason)
	}
}
