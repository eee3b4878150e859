package http_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// recordChunks processes an uploaded job as a worker would, up to chunks
// whose entries fall in the minutes 10:00, 10:01 and 10:02, two a minute
// (minuteLevels).
func (e *env) recordChunks(id uuid.UUID) {
	e.t.Helper()
	ctx := context.Background()
	jobs := domain.NewJobs(e.store)
	job, err := jobs.Load(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	a := domain.Attempt{Number: 1, Worker: "w", Engine: "test"}
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	c := domain.Chunk{Lines: events.LinesParsed{FirstLine: 1, LastLine: 6,
		Counts: events.Counts{Lines: 6, Entries: 6, Bytes: 60, Levels: map[string]int64{"ERROR": 4, "INFO": 2}}},
		Errors: []events.ErrorGroup{{ID: "g", Template: "boom", Level: "ERROR", Count: 4, FirstLine: 1, LastLine: 6}}}
	for i, levels := range minuteLevels {
		c.Lines.Timeline = append(c.Lines.Timeline, events.MinuteCount{Minute: t0.Add(time.Duration(i) * time.Minute),
			Count: 2, Levels: levels})
	}
	if err := job.Start(a, t0); err != nil {
		e.t.Fatal(err)
	}
	if err := job.RecordChunk(a, c, t0); err != nil {
		e.t.Fatal(err)
	}
	if err := jobs.Save(ctx, job); err != nil {
		e.t.Fatal(err)
	}
}

// minuteLevels are the levels of recordChunks's minutes.
var minuteLevels = []map[string]int64{{"ERROR": 1, "INFO": 1}, {"ERROR": 2}, {"ERROR": 1, "INFO": 1}}

// minutesOf lists the minutes of a job's timeline as HH:MM.
func minutesOf(body map[string]any) string {
	var out []string
	tl, _ := body["timeline"].([]any)
	for _, m := range tl {
		at, _ := time.Parse(time.RFC3339, m.(map[string]any)["minute"].(string))
		out = append(out, at.Format("15:04"))
	}
	return fmt.Sprint(out)
}

func TestAcceptedJobIsNeverNotFound(t *testing.T) {
	e := newEnvWith(t, "", false) // nothing projects: the read model lags
	alice := e.token("alice", "")
	content := []byte("2026-11-27 10:00:00 ERROR boom\n")
	status, up := e.upload(alice, "app.log", content)
	if status != http.StatusAccepted {
		t.Fatalf("upload = %d %v", status, up)
	}
	id := up["job_id"].(string)
	status, job := e.do("GET", "/api/stats/"+id, alice, nil, "")
	if status != http.StatusOK || job["status"] != "queued" || job["projected"] != false || job["job_id"] != id {
		t.Errorf("GET the accepted job before it is projected = %d %v; want 200 queued, projected false", status, job)
	}
	if size := float64(len(content)); job["uploaded_bytes"] != size || job["size"] != size {
		t.Errorf("uploaded_bytes %v and size %v, want both the %v bytes uploaded", job["uploaded_bytes"], job["size"], size)
	}
	e.recordChunks(uuid.MustParse(id))
	status, job = e.do("GET", "/api/stats/"+id+"?minutes=2", e.token("root", "admin"), nil, "")
	groups, _ := job["top_error_groups"].([]any)
	if status != http.StatusOK || job["status"] != "processing" || job["lines"] != float64(6) || len(groups) != 1 ||
		minutesOf(job) != "[10:01 10:02]" {
		t.Errorf("admin reading the unprojected job = %d %v", status, job)
	}
	for name, path := range map[string]string{"another user's job": "/api/stats/" + id, "no such job": "/api/stats/" + uuid.NewString()} {
		token := e.token("bob", "")
		if name == "no such job" {
			token = alice
		}
		if status, body := e.do("GET", path, token, nil, ""); status != http.StatusNotFound {
			t.Errorf("%s = %d %v, want 404", name, status, body)
		}
	}
}

func TestTimelineKeepsTheLatestOrTheEarliestMinutes(t *testing.T) {
	e := newEnv(t, "")
	alice := e.token("alice", "")
	_, up := e.upload(alice, "app.log", []byte("2026-11-27 10:00:00 ERROR boom\n"))
	id := uuid.MustParse(up["job_id"].(string))
	e.recordChunks(id)
	e.projected(id, 3)
	for query, want := range map[string]string{
		"?minutes=2":               "[10:01 10:02]",
		"?minutes=2&keep=latest":   "[10:01 10:02]",
		"?minutes=2&keep=earliest": "[10:00 10:01]",
		"":                         "[10:00 10:01 10:02]",
	} {
		status, job := e.do("GET", "/api/stats/"+id.String()+query, alice, nil, "")
		if status != http.StatusOK || job["projected"] != true || minutesOf(job) != want {
			t.Errorf("GET %s = %d, projected %v, minutes %s; want %s", query, status, job["projected"], minutesOf(job), want)
		}
	}
	if status, body := e.do("GET", "/api/stats/"+id.String()+"?keep=middle", alice, nil, ""); status != http.StatusBadRequest {
		t.Errorf("?keep=middle = %d %v, want 400", status, body)
	}
}

// Each minute of a job's timeline carries its entries per level, which add
// up to its count, whether the read model answers or the events are
// folded because it has not reached the job yet.
func TestTimelineMinutesCarryTheirLevels(t *testing.T) {
	for _, projecting := range []bool{true, false} {
		e := newEnvWith(t, "", projecting)
		alice := e.token("alice", "")
		_, up := e.upload(alice, "app.log", []byte("2026-11-27 10:00:00 ERROR boom\n"))
		id := uuid.MustParse(up["job_id"].(string))
		e.recordChunks(id)
		if projecting {
			e.projected(id, 3)
		}
		status, job := e.do("GET", "/api/stats/"+id.String()+"?keep=earliest", alice, nil, "")
		tl, _ := job["timeline"].([]any)
		if status != http.StatusOK || job["projected"] != projecting || len(tl) != len(minuteLevels) {
			t.Fatalf("projected %v: GET = %d %v; want %d minutes", projecting, status, job, len(minuteLevels))
		}
		for i, m := range tl {
			m := m.(map[string]any)
			levels, _ := m["levels"].(map[string]any)
			var sum float64
			got := map[string]int64{}
			for l, n := range levels {
				sum += n.(float64)
				got[l] = int64(n.(float64))
			}
			if sum != m["count"] || !maps.Equal(got, minuteLevels[i]) {
				t.Errorf("projected %v: minute %v has levels %v adding up to %v, count %v; want %v",
					projecting, m["minute"], levels, sum, m["count"], minuteLevels[i])
			}
		}
	}
}
