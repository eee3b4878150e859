package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/logproc/logproc/http/apitest"
)

// runCLI runs a subcommand against the test app's database and returns its
// output.
func (a *testApp) runCLI(args ...string) string {
	a.t.Helper()
	a.t.Setenv("DATABASE_URL", a.app.Config.DatabaseURL)
	a.t.Setenv("JWT_SECRET", testSecret)
	var out bytes.Buffer
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		a.t.Fatalf("logproc %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

func TestConcurrentUploadsAddUpExactly(t *testing.T) {
	a := startTestApp(t, nil)
	tokens := []string{a.token("alice", ""), a.token("bob", "")}
	ids := make([]string, 24)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ids[i] = a.upload(tokens[i%2], fmt.Sprintf("app-%d.log", i), fixtureLog())
		}()
	}
	wg.Wait()
	for i, id := range ids {
		if js := a.waitFinished(id, tokens[i%2]); js.Status != "completed" {
			t.Fatalf("job %d: %+v", i, js)
		}
	}
	admin := a.token("root", "admin")
	all := a.waitAggregate(admin, func(g aggregate) bool { return g.Jobs["completed"] == 24 })
	want := map[string]int64{"INFO": 24 * 80, "WARN": 24 * 10, "ERROR": 24 * 10}
	if all.JobsTotal != 24 || all.Lines != 24*109 || fmt.Sprint(all.Levels) != fmt.Sprint(want) || all.Errors != 240 {
		t.Errorf("aggregate of all = %+v", all)
	}
	if len(all.Top) != 2 || all.Top[0].Count != 24*7 || all.Top[0].Jobs != 24 {
		t.Errorf("top error groups of all = %+v", all.Top)
	}
	alice := a.waitAggregate(tokens[0], func(g aggregate) bool { return g.Jobs["completed"] == 12 })
	if alice.JobsTotal != 12 || alice.Lines != 12*109 {
		t.Errorf("alice's aggregate = %+v", alice)
	}
}

func TestOperatorsAndAuditors(t *testing.T) {
	a := startTestApp(t, nil)
	alice := a.token("alice", "")
	id := a.upload(alice, "app.log", fixtureLog())
	a.waitFinished(id, alice)
	a.waitAggregate(alice, func(g aggregate) bool { return g.Jobs["completed"] == 1 })
	before := a.rawStats(id, alice)

	history := a.runCLI("jobs", "history", id)
	types := historyTypes(history)
	want := []string{"JobSubmitted", "JobStarted", "LinesParsed", "ErrorsDetected", "JobCompleted"}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("history types = %v, want %v\n%s", types, want, history)
	}
	var folded struct {
		Events   []json.RawMessage `json:"events"`
		RawState json.RawMessage   `json:"state"`
		State    struct {
			Status string `json:"status"`
			Lines  int64  `json:"lines"`
		}
	}
	if err := json.Unmarshal([]byte(a.runCLI("jobs", "history", id, "--until", "3", "--json")), &folded); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(folded.RawState, &folded.State)
	if folded.State.Status != "processing" || folded.State.Lines != 109 || len(folded.Events) != 3 {
		t.Errorf("state at version 3 = %+v after %d events, want processing with 109 lines after 3", folded.State, len(folded.Events))
	}
	// The command line prints the API's shapes.
	validator, err := apitest.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range folded.Events {
		if err := validator.CheckSchema("Event", e); err != nil {
			t.Errorf("jobs history --json: %v", err)
		}
	}
	if err := validator.CheckSchema("Job", folded.RawState); err != nil {
		t.Errorf("jobs history --json: %v", err)
	}
	if out := a.runCLI("jobs", "verify"); !strings.Contains(out, "verified 1 jobs: 1 match") {
		t.Errorf("verify: %s", out)
	}

	status := a.runCLI("projections", "status")
	lines := strings.Split(strings.TrimSpace(status), "\n")
	if !strings.HasPrefix(lines[0], "NAME") || len(lines) < 4 {
		t.Fatalf("status output:\n%s", status)
	}
	for _, line := range lines[1:] {
		name := strings.Fields(line)[0]
		a.runCLI("projections", "rebuild", name)
	}
	after := a.rawStats(id, alice)
	if before != after {
		t.Errorf("stats changed by the rebuilds:\nbefore %s\nafter  %s", before, after)
	}
	for _, line := range strings.Split(a.runCLI("projections", "status"), "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 1 && f[0] != "dispatcher" && f[1] != "2" {
			t.Errorf("%s is on generation %s after its rebuild, want 2", f[0], f[1])
		}
	}
}

// rawStats returns the job's stats body without the fields a read may
// legitimately change (none, today), for comparison.
func (a *testApp) rawStats(id, token string) string {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.url+"/api/stats/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// historyTypes picks the TYPE column of `jobs history` output.
func historyTypes(out string) []string {
	var types []string
	for _, line := range strings.Split(out, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) < 3 {
			break
		}
		types = append(types, f[2])
	}
	return types
}
