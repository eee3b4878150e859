package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/domain/worker/asynqtest"
	"github.com/logproc/logproc/events/postgres/pgtest"
	lphttp "github.com/logproc/logproc/http"
	"github.com/logproc/logproc/http/apitest"
)

const testSecret = "end-to-end-test-secret-of-32-bytes-or-more"

// testApp is the whole app started in-process on its own database and queue.
type testApp struct {
	t   testing.TB
	app *App
	url string
	// client checks every response against the API's OpenAPI document.
	client *http.Client
}

// startTestApp starts `logproc all` in-process. Settings may be changed by
// edit, and the app by tune, before it starts.
func startTestApp(t *testing.T, edit func(*Config), tune ...func(*App)) *testApp {
	t.Helper()
	return startTestAppParts(t, true, true, edit, tune...)
}

// startTestAppParts starts the parts of the app that serve and work say.
// testChunkLines is the tests' CHUNK_LINES; the benchmarks use the default.
const testChunkLines = 50_000

func startTestAppParts(t testing.TB, serve, work bool, edit func(*Config), tune ...func(*App)) *testApp {
	t.Helper()
	_, queue := asynqtest.NewQueue(t)
	cfg, err := ConfigFrom(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = pgtest.NewDatabase(t)
	cfg.RedisURL = asynqtest.URL()
	cfg.Queue = queue
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.BlobDir = t.TempDir()
	cfg.JWTSecret = testSecret
	cfg.WorkerConcurrency = 2
	cfg.ShutdownTimeout = 5 * time.Second
	// The tests' files are small: chunks of 50,000 lines give them several.
	cfg.ChunkLines = testChunkLines
	if edit != nil {
		edit(&cfg)
	}
	app := NewApp(cfg, slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	for _, f := range tune {
		f(app)
	}
	ctx := context.Background()
	if err := startApp(ctx, app, serve, work); err != nil {
		app.Close(ctx)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := app.Close(context.Background()); err != nil {
			t.Errorf("close app: %v", err)
		}
	})
	client, err := apitest.Client()
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{t: t, app: app, url: "http://" + app.Addr, client: client}
}

// testWriter sends the app's logs to the test log.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (a *testApp) token(sub, role string) string {
	a.t.Helper()
	auth, err := lphttp.NewAuth([]byte(testSecret), "")
	if err != nil {
		a.t.Fatal(err)
	}
	tok, err := auth.Mint(lphttp.Claims{Subject: sub, Role: role}, time.Hour)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// getJSON fetches path with the token and decodes the body into v.
func (a *testApp) getJSON(path, token string, v any) int {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode
}

// upload posts a file and returns the new job's id.
func (a *testApp) upload(token, name string, content []byte) string {
	a.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return a.postUpload(token, "", mw.FormDataContentType(), &buf)
}

// postUpload sends body to the upload route (query added to its path) with
// the content type given, and returns the accepted job's id.
func (a *testApp) postUpload(token, query, contentType string, body io.Reader) string {
	a.t.Helper()
	res := <-a.sendUpload(token, query, contentType, body)
	if res.err != nil {
		a.t.Fatal(res.err)
	}
	var accepted struct {
		JobID string `json:"job_id"`
	}
	json.Unmarshal(res.body, &accepted)
	if res.status != http.StatusAccepted || accepted.JobID == "" {
		a.t.Fatalf("upload%s = %d %s", query, res.status, res.body)
	}
	return accepted.JobID
}

// uploadResult is what an upload got back.
type uploadResult struct {
	status int
	body   []byte
	err    error
}

// sendUpload is postUpload in the background, for any goroutine: the
// answer, or the failure to get one, arrives on the channel.
func (a *testApp) sendUpload(token, query, contentType string, body io.Reader) <-chan uploadResult {
	done := make(chan uploadResult, 1)
	req, _ := http.NewRequest("POST", a.url+"/api/upload-logs"+query, body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	go func() {
		resp, err := a.client.Do(req)
		if err != nil {
			done <- uploadResult{err: err}
			return
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		done <- uploadResult{status: resp.StatusCode, body: raw, err: err}
	}()
	return done
}

// jobStats is the part of GET /api/stats/{id} the tests check.
type jobStats struct {
	Status          string           `json:"status"`
	Lines           int64            `json:"lines"`
	Entries         int64            `json:"entries"`
	Levels          map[string]int64 `json:"levels"`
	Errors          int64            `json:"errors"`
	ErrorGroups     int64            `json:"error_groups"`
	ProgressPercent float64          `json:"progress_percent"`
	FailureReason   string           `json:"failure_reason"`
	Size            int64            `json:"size"`
	AnalysedBytes   int64            `json:"analysed_bytes"`
	// Projected is false while the read model has not reached the job.
	Projected      bool `json:"projected"`
	TopErrorGroups []struct {
		Template  string `json:"template"`
		Exception string `json:"exception"`
		Count     int64  `json:"count"`
	} `json:"top_error_groups"`
	DurationMS int64 `json:"duration_ms"`
}

// waitFinished polls a job until the read model holds it completed or
// failed. The deadline only guards against a hang; it asserts nothing about
// speed.
func (a *testApp) waitFinished(id, token string) jobStats {
	a.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var js jobStats
		status := a.getJSON("/api/stats/"+id, token, &js)
		if status == http.StatusOK && js.Projected && (js.Status == "completed" || js.Status == "failed") {
			return js
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("job %s did not finish: last status %d %+v", id, status, js)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// aggregate is the part of GET /api/stats the tests check.
type aggregate struct {
	Scope         string           `json:"scope"`
	JobsTotal     int64            `json:"jobs_total"`
	UploadedBytes int64            `json:"uploaded_bytes"`
	AnalysedBytes int64            `json:"analysed_bytes"`
	Jobs          map[string]int64 `json:"jobs"`
	Lines         int64            `json:"lines"`
	Levels        map[string]int64 `json:"levels"`
	Errors        int64            `json:"errors"`
	ErrorRate     float64          `json:"error_rate"`
	Top           []struct {
		Count int64 `json:"count"`
		Jobs  int64 `json:"jobs"`
	} `json:"top_error_groups"`
}

// waitAggregate polls the caller's aggregate until cond holds.
func (a *testApp) waitAggregate(token string, cond func(aggregate) bool) aggregate {
	a.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var agg aggregate
		a.getJSON("/api/stats", token, &agg)
		if cond(agg) {
			return agg
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("aggregate never reached the expected state: %+v", agg)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// fixtureLog is a log with known content: 100 entries on 109 lines: 80
// INFO, 10 WARN and 10 ERROR, three of the errors carrying the same Java
// stack trace (three lines each) and seven a refused connection.
func fixtureLog() []byte {
	var b strings.Builder
	ts := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 100; i++ {
		at := ts.Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05,000")
		switch {
		case i%10 == 9 && i < 30:
			fmt.Fprintf(&b, "%s ERROR [main] Request %d failed\njava.lang.IllegalStateException: broken pipe\n\tat com.acme.Server.handle(Server.java:42)\n\tat com.acme.Server.run(Server.java:17)\n", at, i)
		case i%10 == 9:
			fmt.Fprintf(&b, "%s ERROR [db] Connection to 10.0.0.%d refused\n", at, i)
		case i%5 == 4:
			fmt.Fprintf(&b, "%s WARN [cache] Slow lookup took %d ms\n", at, 100+i)
		default:
			fmt.Fprintf(&b, "%s INFO [main] Served request %d in %d ms\n", at, i, i%7)
		}
	}
	return []byte(b.String())
}

func TestEndToEndUploadAnalyseAndQuery(t *testing.T) {
	a := startTestApp(t, nil)
	alice := a.token("alice", "")
	id := a.upload(alice, "app.log", fixtureLog())
	checkFixtureJob(t, "job", a.waitFinished(id, alice), 1)
	checkFixtureAggregate(t, a.waitAggregate(alice, func(g aggregate) bool { return g.Jobs["completed"] == 1 }), 1, 1)
	var other map[string]any
	if status := a.getJSON("/api/stats/"+id, a.token("bob", ""), &other); status != http.StatusNotFound {
		t.Errorf("bob reading alice's job: %d %v", status, other)
	}
	var queue map[string]any
	if status := a.getJSON("/api/queue-status", "", &queue); status != http.StatusOK {
		t.Errorf("queue status without a token: %d %v", status, queue)
	}
}

// loghubDir is where the Loghub-2k samples are: LOGHUB_DIR, or
// ../shared/loghub-2k beside the repository, as the engine's accuracy test
// looks for them.
func loghubDir() string {
	if d := os.Getenv("LOGHUB_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "loghub-2k")
}

func TestEndToEndHDFSLevelsAreExact(t *testing.T) {
	path := filepath.Join(loghubDir(), "HDFS", "HDFS_2k.log")
	content, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("Loghub data not found at %s (set LOGHUB_DIR to the directory holding HDFS/HDFS_2k.log): %v", path, err)
	}
	a := startTestApp(t, nil)
	alice := a.token("alice", "")
	id := a.upload(alice, "HDFS_2k.log", content)
	js := a.waitFinished(id, alice)
	want := map[string]int64{"INFO": 1920, "WARN": 80}
	if js.Status != "completed" || fmt.Sprint(js.Levels) != fmt.Sprint(want) || js.Lines != 2000 {
		t.Errorf("HDFS job = %s, levels %v, lines %d; want completed, %v, 2000", js.Status, js.Levels, js.Lines, want)
	}
	agg := a.waitAggregate(a.token("root", "admin"), func(g aggregate) bool { return g.Jobs["completed"] == 1 })
	if fmt.Sprint(agg.Levels) != fmt.Sprint(want) {
		t.Errorf("aggregate levels %v, want %v", agg.Levels, want)
	}
}

func TestUploadedAndAnalysedBytesAreApart(t *testing.T) {
	a := startTestApp(t, nil)
	alice := a.token("alice", "")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(fixtureLog())
	zw.Close()
	id := a.upload(alice, "app.log.gz", gz.Bytes())
	js := a.waitFinished(id, alice)
	uploaded, analysed := int64(gz.Len()), int64(len(fixtureLog()))
	if js.Status != "completed" || js.Size != uploaded || js.AnalysedBytes != analysed {
		t.Errorf("job: %s, size %d, analysed_bytes %d; want completed, %d, %d", js.Status, js.Size, js.AnalysedBytes, uploaded, analysed)
	}
	agg := a.waitAggregate(alice, func(g aggregate) bool { return g.Jobs["completed"] == 1 })
	if agg.UploadedBytes != uploaded || agg.AnalysedBytes != analysed {
		t.Errorf("aggregate uploaded_bytes %d, analysed_bytes %d; want %d, %d", agg.UploadedBytes, agg.AnalysedBytes, uploaded, analysed)
	}
}
