package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"time"

	lphttp "github.com/logproc/logproc/http"
	"github.com/logproc/logproc/projections"
)

// What the tests of Redis beyond one node (Sentinel and Cluster) share.

// onRedis points the app at redisURL, with no rate limits: these tests poll
// and upload more than a client would, and limits are tested elsewhere.
func onRedis(redisURL string) func(*Config) {
	return func(c *Config) {
		c.RedisURL = redisURL
		c.RateLimits = lphttp.RateLimits{}
	}
}

// quickRetries has the projectors and the dispatcher retry within half a
// second, so a job submitted while Redis has no master is enqueued soon
// after it has one again.
func quickRetries(app *App) {
	app.Tune = func(r *projections.Runner) { r.LockRetry, r.MaxBackoff = 100*time.Millisecond, 500*time.Millisecond }
}

// tryUpload posts a file and returns the status, the Retry-After header and
// the job id of a 202.
func (a *testApp) tryUpload(token, name string, content []byte) (status int, retryAfter, jobID string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest("POST", a.url+"/api/upload-logs", &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, "", err.Error()
	}
	defer resp.Body.Close()
	var body struct {
		JobID string `json:"job_id"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), body.JobID
}

// statusAndRetryAfter fetches path without a token.
func (a *testApp) statusAndRetryAfter(path string) (int, string) {
	a.t.Helper()
	resp, err := a.client.Get(a.url + path)
	if err != nil {
		a.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// waitReady polls /readyz until it answers 200. The deadline only guards
// against a hang.
func (a *testApp) waitReady() {
	a.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		status, _ := a.statusAndRetryAfter("/readyz")
		if status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("/readyz still %d a minute on", status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkQueueUI reads the queue list of the queue UI's own API as an admin
// and checks that it shows the app's queue.
func (a *testApp) checkQueueUI(admin string) {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.url+QueueUIPath+"/api/queues", nil)
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Queues []struct {
			Queue string `json:"queue"`
		} `json:"queues"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		a.t.Fatalf("queue UI's queue list = %d, %v", resp.StatusCode, err)
	}
	names := make([]string, len(body.Queues))
	for i, q := range body.Queues {
		names[i] = q.Queue
	}
	if !slices.Contains(names, a.app.Config.Queue) {
		a.t.Errorf("queue UI lists %v, want %s among them", names, a.app.Config.Queue)
	}
}

// waitWorkerHealthy runs `logproc healthcheck --worker` with the app's
// REDIS_URL, REDIS_TLS_CA_FILE and QUEUE until it passes: the worker
// registers with its next heartbeat (every few seconds) on whatever node
// now holds asynq's list of servers. The deadline only guards against a
// hang.
func (a *testApp) waitWorkerHealthy() {
	a.t.Helper()
	a.t.Setenv("REDIS_URL", a.app.Config.RedisURL)
	a.t.Setenv("REDIS_TLS_CA_FILE", a.app.Config.RedisTLSCAFile)
	a.t.Setenv("QUEUE", a.app.Config.Queue)
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if err = run(context.Background(), []string{"healthcheck", "--worker"}, io.Discard, io.Discard); err == nil {
			return
		}
	}
	a.t.Errorf("healthcheck --worker on %s: %v", redactURL(a.app.Config.RedisURL), err)
}
