package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain/storage"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/domain/worker/asynqtest"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
	lphttp "github.com/logproc/logproc/http"
	"github.com/logproc/logproc/http/apitest"
	"github.com/logproc/logproc/projections"
)

var testSecret = []byte("test-secret-that-is-at-least-32-bytes-long")

// env is an API served over real PostgreSQL, Redis and a local blob store.
type env struct {
	t     *testing.T
	url   string
	auth  *lphttp.Auth
	stats *projections.Reader
	blobs *storage.Local
	dir   string
	// server is a copy of the API's settings, for tests that vary them.
	server lphttp.Server
	store  *postgres.Store
	hub    *lphttp.ProgressHub
	// client checks every response against the API's OpenAPI document.
	client *http.Client
	// rdb and queue are the job queue's Redis and name.
	rdb   *redis.Client
	queue string
}

func newEnv(t *testing.T, audience string) *env { return newEnvWith(t, audience, true) }

// newEnvWith is newEnv, with the projectors running or not: without them,
// the read models stay empty, as while a projection lags.
func newEnvWith(t *testing.T, audience string, projecting bool) *env {
	t.Helper()
	pool := pgtest.NewPool(t)
	rdb, queue := asynqtest.NewQueue(t)
	dir := t.TempDir()
	blobs, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	auth, err := lphttp.NewAuth(testSecret, audience)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	runner := projections.NewRunner(pool, nil, log)
	runner.PollInterval = 10 * time.Millisecond
	ps := []projections.Projector{projections.NewJobStats(), projections.AggregateStats{}}
	if err := runner.Setup(context.Background(), ps...); err != nil {
		t.Fatal(err)
	}
	reader := projections.NewReader(pool)
	hub := lphttp.NewProgressHub(reader, log)
	listener := postgres.NewListener(pool, projections.ProjectedChannel, log, func(payload string) {
		_, stream, _ := projections.ParseProjected(payload)
		if id, ok := events.ParseJobStream(stream); ok {
			hub.Changed(id)
		}
	})
	listener.OnConnect = hub.ChangedAll
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	runs := []func(context.Context){listener.Run, hub.Run}
	if projecting {
		runs = append(runs, func(ctx context.Context) { runner.Run(ctx, ps...) })
	}
	for _, run := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(ctx)
		}()
	}
	t.Cleanup(func() {
		stop()
		wg.Wait()
	})
	srv := &lphttp.Server{
		Events: postgres.New(pool), Blobs: blobs, Stats: reader, Progress: hub,
		Queue: worker.NewInspector(rdb, queue),
		Auth:  auth, MaxUploadBytes: 64 << 10, Log: log,
		Ready: map[string]lphttp.Check{"postgres": pool.Ping},
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	client, err := apitest.Client()
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: ts.URL, auth: auth, stats: reader, blobs: blobs, dir: dir, server: *srv,
		store: postgres.New(pool), hub: hub, client: client,
		rdb: rdb, queue: queue}
}

// projected waits until the read models hold the job at the given version,
// as the projectors running in the background write them. The deadline
// only turns a hang into a failure.
func (e *env) projected(id uuid.UUID, version int64) {
	e.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		job, err := e.stats.Job(context.Background(), id, "")
		if err == nil && job.Version >= version {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s not projected at version %d: %v", id, version, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// aggregated waits until the aggregate read model counts n jobs in all.
func (e *env) aggregated(n int64) {
	e.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		totals, err := e.stats.Totals(context.Background(), "")
		if err == nil && totals.JobsTotal >= n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("aggregate not at %d jobs: %+v, %v", n, totals, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *env) token(sub, role string) string {
	e.t.Helper()
	tok, err := e.auth.Mint(lphttp.Claims{Subject: sub, Role: role}, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// restart serves the API again with settings changed by edit, on a new
// address that the env's requests go to from then on.
func (e *env) restart(edit func(*lphttp.Server)) {
	e.t.Helper()
	srv := e.server
	edit(&srv)
	ts := httptest.NewServer(srv.Handler())
	e.t.Cleanup(ts.Close)
	e.url, e.server = ts.URL, srv
}

// do sends a request and returns the status and the decoded JSON body.
func (e *env) do(method, path, token string, body io.Reader, contentType string) (int, map[string]any) {
	e.t.Helper()
	status, out, _ := e.request(method, path, token, body, contentType)
	return status, out
}

// doWithHeader sends a GET and returns the status, the decoded body and the
// response's headers.
func (e *env) doWithHeader(method, path, token string) (int, map[string]any, http.Header) {
	e.t.Helper()
	return e.request(method, path, token, nil, "")
}

func (e *env) request(method, path, token string, body io.Reader, contentType string) (int, map[string]any, http.Header) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
	}
	return resp.StatusCode, out, resp.Header
}

// upload posts content as the multipart part "file".
func (e *env) upload(token, name string, content []byte) (int, map[string]any) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return e.do("POST", "/api/upload-logs", token, &buf, mw.FormDataContentType())
}

// errorCode returns the code of a JSON error body.
func errorCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func errorMessage(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	msg, _ := e["message"].(string)
	return msg
}

func TestHealthAndQueueStatusNeedNoToken(t *testing.T) {
	e := newEnv(t, "")
	for _, path := range []string{"/healthz", "/readyz", "/api/queue-status"} {
		status, body := e.do("GET", path, "", nil, "")
		if status != http.StatusOK {
			t.Errorf("GET %s = %d %v, want 200", path, status, body)
		}
	}
	_, body := e.do("GET", "/api/queue-status", "", nil, "")
	queues, _ := body["queues"].([]any)
	if len(queues) != 1 {
		t.Fatalf("queue-status lists %d queues, want the app's one: %v", len(queues), body)
	}
	q := queues[0].(map[string]any)
	for _, k := range []string{"pending", "active", "scheduled", "retry", "archived", "completed", "processed_today", "failed_today", "latency_seconds"} {
		if _, ok := q[k]; !ok {
			t.Errorf("queue-status lacks %q: %v", k, q)
		}
	}
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	e := newEnv(t, "")
	status, body := e.do("GET", "/api/nope", "", nil, "")
	if status != http.StatusNotFound || errorCode(body) != "not_found" {
		t.Errorf("GET /api/nope = %d %v", status, body)
	}
	status, body = e.do("DELETE", "/api/stats", e.token("u", ""), nil, "")
	if status != http.StatusMethodNotAllowed || !strings.Contains(errorMessage(body), "DELETE") {
		t.Errorf("DELETE /api/stats = %d %v", status, body)
	}
}
