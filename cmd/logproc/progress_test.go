package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/logproc/logproc/http/apitest"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
)

// gated is an analyzer that waits after each chunk until the test lets it
// go on, so the test can see the job part-way without racing the worker.
type gated struct {
	worker.Analyzer
	proceed chan struct{}
}

func (g *gated) Analyze(ctx context.Context, r io.Reader, s domain.AnalysisSettings, emit func(domain.Chunk) error) error {
	return g.Analyzer.Analyze(ctx, r, s, func(c domain.Chunk) error {
		if err := emit(c); err != nil {
			return err
		}
		select {
		case <-g.proceed:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
}

// TestEndToEndProgressStreamFollowsARealJob uploads a file of four chunks
// and follows it on its progress stream: an event shows each chunk while
// the worker holds on (it goes on only once the test has seen it), progress
// never goes back, and the stream ends with the completed job.
func TestEndToEndProgressStreamFollowsARealJob(t *testing.T) {
	gate := &gated{proceed: make(chan struct{})}
	a := startTestApp(t, nil, func(app *App) {
		gate.Analyzer = app.Analyzer
		app.Analyzer = gate
	})
	alice := a.token("alice", "")
	var b strings.Builder
	for i := range 160_000 {
		fmt.Fprintf(&b, "2026-11-27 10:%02d:%02d INFO worker-%d processed item %d\n", i/60%60, i%60, i%4, i)
	}
	id := a.upload(alice, "big.log", []byte(b.String()))
	validator, err := apitest.New()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", a.url+"/api/jobs/"+id+"/progress", nil)
	req.Header.Set("Authorization", "Bearer "+alice)
	resp, err := a.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("progress stream = %d", resp.StatusCode)
	}
	type progress struct {
		Status          string  `json:"status"`
		ProgressPercent float64 `json:"progress_percent"`
		Lines           int64   `json:"lines"`
	}
	var names []string
	var seen []progress
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			names = append(names, name)
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			if err := validator.CheckSchema("Progress", []byte(data)); err != nil {
				t.Error(err)
			}
			var p progress
			if err := json.Unmarshal([]byte(data), &p); err != nil {
				t.Fatalf("event data %q: %v", data, err)
			}
			if n := len(seen); n > 0 && (p.ProgressPercent < seen[n-1].ProgressPercent || p.Lines < seen[n-1].Lines) {
				t.Errorf("progress went back: %+v after %+v", p, seen[n-1])
			}
			if p.Status == "processing" && p.Lines > 0 && (len(seen) == 0 || p.Lines > seen[len(seen)-1].Lines) {
				gate.proceed <- struct{}{} // the worker waits on this chunk
			}
			seen = append(seen, p)
		}
	}
	if len(names) == 0 || names[len(names)-1] != "done" {
		t.Fatalf("events %v with %+v; want progress events, then done", names, seen)
	}
	last := seen[len(seen)-1]
	if last.Status != "completed" || last.Lines != 160_000 || last.ProgressPercent != 100 {
		t.Errorf("last event = %+v, want the completed job with 160000 lines", last)
	}
	var partWay []int64
	for _, p := range seen {
		if p.Status == "processing" && p.Lines > 0 {
			partWay = append(partWay, p.Lines)
		}
	}
	if fmt.Sprint(partWay) != "[50000 100000 150000 160000]" {
		t.Errorf("lines in the events while the job ran = %v, want one event per chunk", partWay)
	}
}
