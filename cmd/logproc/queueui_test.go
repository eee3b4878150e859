package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
	lphttp "github.com/logproc/logproc/http"
	"github.com/logproc/logproc/projections"
)

// get sends a GET with a bearer token or a session cookie.
func (a *testApp) get(path, token string, cookie bool) *http.Response {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.url+path, nil)
	switch {
	case cookie:
		req.AddCookie(&http.Cookie{Name: lphttp.SessionCookie, Value: token})
	case token != "":
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestQueueUIIsForAdminsOnly(t *testing.T) {
	a := startTestApp(t, nil)
	cases := []struct {
		name   string
		token  string
		cookie bool
		status int
	}{
		{"no token", "", false, http.StatusUnauthorized},
		{"a user", a.token("alice", ""), false, http.StatusForbidden},
		{"an admin", a.token("root", "admin"), false, http.StatusOK},
		{"an admin signed in with the session cookie", a.token("root", "admin"), true, http.StatusOK},
	}
	for _, c := range cases {
		resp := a.get(QueueUIPath, c.token, c.cookie)
		if resp.StatusCode != c.status {
			t.Errorf("%s: GET %s = %d, want %d", c.name, QueueUIPath, resp.StatusCode, c.status)
		}
		if c.status == http.StatusOK && !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: the queue UI answered %s", c.name, resp.Header.Get("Content-Type"))
		}
	}
	if resp := a.get(QueueUIPath+"/api/queues", a.token("alice", ""), false); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user on the queue UI's API = %d, want 403", resp.StatusCode)
	}
	if resp := a.get("/api/stats", a.token("root", "admin"), true); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the API with only the session cookie = %d, want 401: the API takes the header alone", resp.StatusCode)
	}
}

// TestTaskDeletedInTheQueueUIIsSettledByTheReconciler deletes a job's task
// through the queue UI's own API, as an operator would, and checks that the
// reconciler puts the job back in the queue and that it then completes:
// nothing the UI does can lose a job.
func TestTaskDeletedInTheQueueUIIsSettledByTheReconciler(t *testing.T) {
	a := startTestAppParts(t, true, false, nil)
	alice, admin := a.token("alice", ""), a.token("root", "admin")
	id := a.upload(alice, "app.log", fixtureLog())
	a.deleteTaskAndReconcile(id, admin)
	if err := a.app.StartWork(context.Background()); err != nil {
		t.Fatal(err)
	}
	if js := a.waitFinished(id, alice); js.Status != "completed" || js.Lines != 109 {
		t.Errorf("job after its task was deleted and settled = %+v, want completed with 109 lines", js)
	}
}

// deleteTaskAndReconcile deletes a job's pending task through the queue
// UI's API, as an operator would, and checks that one reconciler pass
// enqueues the job again.
func (a *testApp) deleteTaskAndReconcile(id, admin string) {
	a.t.Helper()
	inspector := asynq.NewInspectorFromRedisClient(a.app.Redis)
	queue := a.app.Config.Queue
	a.waitTaskState(inspector, id, asynq.TaskStatePending)
	req, _ := http.NewRequest("DELETE", a.url+QueueUIPath+"/api/queues/"+queue+"/pending_tasks/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		a.t.Fatalf("delete through the queue UI = %d", resp.StatusCode)
	}
	if _, err := inspector.GetTaskInfo(queue, id); err == nil {
		a.t.Fatal("the task is still there after the delete")
	}
	reconciler := worker.NewReconciler(projections.NewReader(a.app.Pool), a.app.Store,
		worker.NewQueue(asynq.NewClientFromRedisClient(a.app.Redis), queue), worker.NewTasks(a.app.Redis, queue),
		slog.New(slog.DiscardHandler))
	reconciler.Grace = 0
	deadline := time.Now().Add(time.Minute) // the reconciler lists jobs from the read model, which may lag
	for {
		rep, err := reconciler.ReconcileOnce(context.Background())
		if err != nil {
			a.t.Fatalf("reconcile: %v", err)
		}
		// The app's own reconciler, every few seconds, may have been first.
		if rep.Requeued == 1 || rep.Left == 1 {
			break
		}
		if rep.Checked != 0 || time.Now().After(deadline) {
			a.t.Fatalf("reconcile = %+v; want the job enqueued again", rep)
		}
		time.Sleep(20 * time.Millisecond)
	}
	a.waitTaskState(inspector, id, asynq.TaskStatePending)
}

// waitTaskState waits until the job's task is in the state want.
func (a *testApp) waitTaskState(inspector *asynq.Inspector, id string, want asynq.TaskState) {
	a.t.Helper()
	deadline := time.Now().Add(time.Minute) // a failure guard, not a timing
	for {
		info, err := inspector.GetTaskInfo(a.app.Config.Queue, id)
		if err == nil && info.State == want {
			return
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("task of job %s never %s: %+v %v", id, want, info, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// An operator who runs again, from the queue UI, the archived task of a job
// that has finished changes nothing: the worker finds the job finished and
// records nothing.
func TestTaskRunAgainInTheQueueUIOfAFinishedJobRecordsNothing(t *testing.T) {
	a := startTestApp(t, nil)
	alice, admin := a.token("alice", ""), a.token("root", "admin")
	id := a.upload(alice, "app.log", fixtureLog())
	if js := a.waitFinished(id, alice); js.Status != "completed" {
		t.Fatalf("job = %+v, want completed", js)
	}
	jobID := uuid.MustParse(id)
	before, err := a.app.Store.ReadStream(context.Background(), events.JobStream(jobID), 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	// The finished task, kept for a day, makes way for one the queue gave
	// up on: scheduled far ahead, so no worker takes it, then archived.
	inspector := asynq.NewInspectorFromRedisClient(a.app.Redis)
	queue := a.app.Config.Queue
	a.waitTaskState(inspector, id, asynq.TaskStateCompleted)
	if err := inspector.DeleteTask(queue, id); err != nil {
		t.Fatal(err)
	}
	task, err := worker.NewAnalyzeJobTask(jobID, 0, queue)
	if err != nil {
		t.Fatal(err)
	}
	client := asynq.NewClientFromRedisClient(a.app.Redis)
	if _, err := client.Enqueue(task, asynq.ProcessIn(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := inspector.ArchiveTask(queue, id); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", a.url+QueueUIPath+"/api/queues/"+queue+"/archived_tasks/"+id+":run", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent && resp.StatusCode != http.StatusOK {
		t.Fatalf("run through the queue UI = %d", resp.StatusCode)
	}
	a.waitTaskState(inspector, id, asynq.TaskStateCompleted)
	after, err := a.app.Store.ReadStream(context.Background(), events.JobStream(jobID), 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("the task run again added %d events to the finished job", len(after)-len(before))
	}
	if js := a.waitFinished(id, alice); js.Status != "completed" || js.Lines != 109 {
		t.Errorf("job after its task ran again = %+v, want completed with 109 lines", js)
	}
}
