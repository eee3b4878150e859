package main

import (
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads the app's /metrics from its own listener and returns every
// sample by name and labels, as `name{k="v",...}`.
func (a *testApp) scrape() map[string]float64 {
	a.t.Helper()
	resp, err := http.Get("http://" + a.app.MetricsAddr + "/metrics")
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		a.t.Fatalf("parse /metrics: %v", err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			out[sampleKey(name, m)] = sampleValue(m)
		}
	}
	return out
}

func sampleKey(name string, m *dto.Metric) string {
	var labels []string
	for _, l := range m.GetLabel() {
		labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
	}
	sort.Strings(labels)
	return name + "{" + strings.Join(labels, ",") + "}"
}

func sampleValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return 0
}

// TestMetricsMoveByWhatAnUploadDid scrapes /metrics on its own listener
// before and after one upload that completes, and checks that each counter
// moved by exactly what the upload caused.
func TestMetricsMoveByWhatAnUploadDid(t *testing.T) {
	a := startTestApp(t, func(c *Config) { c.MetricsAddr = "127.0.0.1:0" })
	alice := a.token("alice", "")
	content := fixtureLog()
	before := a.scrape()
	id := a.upload(alice, "app.log", content)
	js := a.waitFinished(id, alice)
	if js.Status != "completed" {
		t.Fatalf("job = %+v", js)
	}
	after := a.scrape()
	want := map[string]float64{
		`logproc_uploads_total{outcome="accepted"}`:                                        1,
		`logproc_upload_bytes_total{}`:                                                     float64(len(content)),
		`logproc_uploads_followed_total{}`:                                                 0, // a small file is stored first
		`logproc_http_requests_total{method="POST",route="/api/upload-logs",status="202"}`: 1,
		`logproc_http_request_duration_seconds{method="POST",route="/api/upload-logs"}`:    1,
		`logproc_jobs_finished_total{status="completed"}`:                                  1,
		`logproc_job_duration_seconds{status="completed"}`:                                 1,
		`logproc_worker_lines_analysed_total{}`:                                            109,
		`logproc_worker_bytes_analysed_total{}`:                                            float64(len(content)),
		`logproc_worker_analysis_seconds{}`:                                                1,
		// JobSubmitted, JobStarted, the one chunk's two events, JobCompleted:
		// four appends, none refused.
		`logproc_event_appends_total{outcome="ok"}`: 4,
		`logproc_event_append_seconds{}`:            4,
	}
	for key, delta := range want {
		if got := after[key] - before[key]; got != delta {
			t.Errorf("%s moved by %v, want %v", key, got, delta)
		}
	}
	if n := after[`logproc_event_appends_total{outcome="conflict"}`]; n != 0 {
		t.Errorf("%v conflicting appends, want none", n)
	}
	for _, key := range []string{
		`logproc_projection_lag_events{projection="job_stats",state="live"}`,
		`logproc_projection_checkpoint{projection="aggregate_stats",state="live"}`,
		`asynq_queue_size{queue="` + a.app.Config.Queue + `"}`,
	} {
		if _, ok := after[key]; !ok {
			t.Errorf("no %s in /metrics", key)
		}
	}
	if after[`logproc_projection_checkpoint{projection="job_stats",state="live"}`] == 0 {
		t.Error("job_stats checkpoint is 0 after a job was projected")
	}
}

// TestProfilesOnTheMetricsListenerOnly reads profiles from the metrics
// listener (not a CPU profile or a trace, which a test run with -cpuprofile
// or -trace already holds), looks up a symbol as go tool pprof does, by
// POST, and checks that the API's port, open to clients, has no such path.
func TestProfilesOnTheMetricsListenerOnly(t *testing.T) {
	a := startTestApp(t, func(c *Config) { c.MetricsAddr = "127.0.0.1:0" })
	base := "http://" + a.app.MetricsAddr
	read := func(resp *http.Response, err error) (int, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, string(body)
	}
	for path, want := range map[string]string{
		"/debug/pprof/":                  "Types of profiles available",
		"/debug/pprof/heap?debug=1":      "heap profile:",
		"/debug/pprof/goroutine?debug=1": "goroutine profile:",
		"/debug/pprof/cmdline":           "",
	} {
		status, body := read(http.Get(base + path))
		if status != http.StatusOK || len(body) == 0 || !strings.Contains(body, want) {
			t.Errorf("%s on the metrics listener = %d, %.200q; want 200 with %q", path, status, body, want)
		}
	}
	if status, body := read(http.Post(base+"/debug/pprof/symbol", "text/plain", strings.NewReader("0x1"))); status != http.StatusOK || !strings.Contains(body, "num_symbols") {
		t.Errorf("POST /debug/pprof/symbol = %d, %.200q", status, body)
	}
	if status, _ := read(http.Get(a.url + "/debug/pprof/heap")); status != http.StatusNotFound {
		t.Errorf("the API's port answers /debug/pprof/heap with %d, want 404", status)
	}
}
