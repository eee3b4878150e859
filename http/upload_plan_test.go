package http_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
	lphttp "github.com/logproc/logproc/http"
)

// TestALargeUploadIsPlannedAsItIsStored uploads a file of several parts as
// a form, as a raw body and as a raw body of no announced length: each
// job's JobSubmitted holds the plan the worker's engine makes of the stored
// file, so the worker need not read it once more to plan it. A file too
// small for two parts, and a gzip file, which cannot be cut, get none.
func TestALargeUploadIsPlannedAsItIsStored(t *testing.T) {
	const partBytes = 64 << 10
	e := newEnv(t, "")
	engine := worker.NewEngine(nil)
	e.restart(func(s *lphttp.Server) { s.Planner, s.PartBytes, s.MaxUploadBytes = engine, partBytes, 8<<20 })
	var buf bytes.Buffer
	for i := range 12000 {
		fmt.Fprintf(&buf, "2026-11-27 10:%02d:%02d ERROR [main] Request %d failed\n", i/60%60, i%60, i)
		if i%9 == 0 {
			buf.WriteString("java.lang.IllegalStateException: broken\n\tat a.B.c(B.java:1)\n")
		}
	}
	large := buf.Bytes()
	want, err := engine.Plan(context.Background(), bytes.NewReader(large), int64(len(large)), partBytes,
		domain.SettingsOf(0, time.Now()))
	if err != nil || len(want) < 4 {
		t.Fatalf("the engine's plan: %d parts, %v; the test wants a file of several", len(want), err)
	}
	alice := e.token("alice", "")
	raw := func(body io.Reader) (int, map[string]any) {
		return e.do("POST", "/api/upload-logs?filename=app.log", alice, body, "text/plain")
	}
	for name, send := range map[string]func() (int, map[string]any){
		"form":                 func() (int, map[string]any) { return e.upload(alice, "app.log", large) },
		"raw body":             func() (int, map[string]any) { return raw(bytes.NewReader(large)) },
		"raw body, no length":  func() (int, map[string]any) { return raw(io.MultiReader(bytes.NewReader(large))) },
		"small file":           func() (int, map[string]any) { return raw(bytes.NewReader(large[:partBytes])) },
		"gzip-compressed file": func() (int, map[string]any) { return raw(bytes.NewReader(gzipped(t, large))) },
	} {
		t.Run(name, func(t *testing.T) {
			status, body := send()
			if status != http.StatusAccepted {
				t.Fatalf("upload = %d %v", status, body)
			}
			job, err := domain.NewJobs(e.store).Load(context.Background(), uuid.MustParse(body["job_id"].(string)))
			if err != nil {
				t.Fatal(err)
			}
			plan := job.UploadPlan
			switch {
			case name == "small file" || name == "gzip-compressed file":
				if plan != nil {
					t.Errorf("plan = %+v, want none", plan)
				}
			case plan == nil:
				t.Errorf("no plan; want the engine's %d parts", len(want))
			case plan.Engine != engine.Version():
				t.Errorf("plan by engine %q, want %q", plan.Engine, engine.Version())
			default:
				if diff := cmp.Diff(want, plan.Parts); diff != "" {
					t.Errorf("plan (-engine on the stored file +upload):\n%s", diff)
				}
			}
		})
	}
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// panickingPlanner is a planner with a bug: it panics on every file.
type panickingPlanner struct{}

func (panickingPlanner) Plan(context.Context, io.Reader, int64, int64, domain.AnalysisSettings) ([]events.PartPlan, error) {
	panic("a bug in the planner")
}

func (panickingPlanner) Version() string { return "broken" }

// TestAPlannerThatPanicsLeavesTheUploadAlone uploads a file of several
// parts to a server whose planner panics. The planner runs in a goroutine
// of its own, beside the upload, where a panic would end the process: the
// upload is accepted, its job has no plan (the worker plans it), and the
// server goes on answering.
func TestAPlannerThatPanicsLeavesTheUploadAlone(t *testing.T) {
	const partBytes = 64 << 10
	e := newEnv(t, "")
	e.restart(func(s *lphttp.Server) {
		s.Planner, s.PartBytes, s.MaxUploadBytes = panickingPlanner{}, partBytes, 8<<20
	})
	large := bytes.Repeat([]byte("2026-11-27 10:00:00 INFO [main] request served\n"), 4*partBytes/47)
	alice := e.token("alice", "")
	for range 2 {
		status, body := e.upload(alice, "app.log", large)
		if status != http.StatusAccepted {
			t.Fatalf("upload = %d %v", status, body)
		}
		job, err := domain.NewJobs(e.store).Load(context.Background(), uuid.MustParse(body["job_id"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		if job.UploadPlan != nil {
			t.Errorf("plan = %+v, want none from a planner that panicked", job.UploadPlan)
		}
	}
}
