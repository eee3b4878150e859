package http_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain/worker"
)

// runningTask has a real asynq server run one task of the env's queue until
// the test ends, and waits until the server reports it.
func (e *env) runningTask() uuid.UUID {
	e.t.Helper()
	release := make(chan struct{})
	srv := asynq.NewServerFromRedisClient(e.rdb, asynq.Config{Queues: map[string]int{e.queue: 1}, Concurrency: 1,
		TaskCheckInterval: 20 * time.Millisecond, LogLevel: asynq.FatalLevel})
	if err := srv.Start(asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return nil
	})); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { close(release); srv.Shutdown() })
	id := uuid.New()
	if err := worker.NewQueue(asynq.NewClientFromRedisClient(e.rdb), e.queue).EnqueueJob(context.Background(), id, 1); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func TestQueueStatusShowsWhatRunsAndHostsToAdminsOnly(t *testing.T) {
	e := newEnv(t, "")
	id := e.runningTask()
	deadline := time.Now().Add(time.Minute)
	var anyone map[string]any
	for {
		// The worker reports its task with its next heartbeat, within 5 s.
		_, anyone = e.do("GET", "/api/queue-status", "", nil, "")
		if tasks, _ := anyone["active_tasks"].([]any); len(tasks) == 1 && tasks[0].(map[string]any)["state"] == "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the running task never showed: %v", anyone)
		}
		time.Sleep(100 * time.Millisecond)
	}
	queue := anyone["queues"].([]any)[0].(map[string]any)
	task := anyone["active_tasks"].([]any)[0].(map[string]any)
	server := anyone["servers"].([]any)[0].(map[string]any)
	if queue["active"] != float64(1) || task["job_id"] != nil || task["server_id"] != nil || task["started"] == nil {
		t.Errorf("anyone sees queue %v and task %v; want 1 active, running since a time, without ids", queue, task)
	}
	if server["id"] != nil || server["host"] != nil || server["pid"] != nil {
		t.Errorf("anyone sees the server's identity: %v", server)
	}
	_, admin := e.do("GET", "/api/queue-status", e.token("root", "admin"), nil, "")
	task = admin["active_tasks"].([]any)[0].(map[string]any)
	server = admin["servers"].([]any)[0].(map[string]any)
	if task["job_id"] != id.String() || server["host"] == nil || server["pid"] == nil || task["server_id"] != server["id"] {
		t.Errorf("an admin sees task %v on server %v; want the job id and the server's identity", task, server)
	}
	_, user := e.do("GET", "/api/queue-status", e.token("alice", ""), nil, "")
	if s := user["servers"].([]any)[0].(map[string]any); s["host"] != nil {
		t.Errorf("a user who is not an admin sees the server's host: %v", s)
	}
	if status, _ := e.do("GET", "/api/queue-status", "garbage", nil, ""); status != http.StatusOK {
		t.Errorf("queue status with a bad token = %d, want 200 as without one", status)
	}
}
