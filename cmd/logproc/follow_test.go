package main

import (
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	lphttp "github.com/logproc/logproc/http"
)

// startFollowingApp starts the app with uploads followed from their first
// MiB, whatever their pace: the tests cannot promise a rate.
func startFollowingApp(t *testing.T) *testApp {
	t.Helper()
	return startTestApp(t, func(c *Config) { c.FollowBytes, c.MetricsAddr = 1<<20, "127.0.0.1:0" }, func(app *App) {
		app.TuneServer = func(s *lphttp.Server) { s.FollowMinRate = 1 }
	})
}

// listedJob is what GET /api/jobs shows of a job, as far as these tests go.
type listedJob struct {
	ID              string  `json:"job_id"`
	Status          string  `json:"status"`
	Uploading       bool    `json:"uploading"`
	Lines           int64   `json:"lines"`
	Size            int64   `json:"size"`
	ProgressPercent float64 `json:"progress_percent"`
	FailureCode     string  `json:"failure_code"`
}

// waitListed polls the caller's newest job until cond holds. The deadline
// only guards against a hang.
func (a *testApp) waitListed(token string, cond func(listedJob) bool) listedJob {
	a.t.Helper()
	for give := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var page struct{ Jobs []listedJob }
		a.getJSON("/api/jobs?limit=1", token, &page)
		if len(page.Jobs) == 1 && cond(page.Jobs[0]) {
			return page.Jobs[0]
		}
		if time.Now().After(give) {
			a.t.Fatalf("the newest job never reached the expected state: %+v", page.Jobs)
		}
	}
}

// An upload is analysed while it arrives: its job is listed with lines
// counted before the upload ends, and ends as a file stored whole first
// does, in the job and in the aggregate, with its upload's end recorded.
func TestEndToEndAnalysisFollowsTheUpload(t *testing.T) {
	a := startFollowingApp(t)
	alice := a.token("alice", "")
	const n = 1500 // about 9.6 MB, 163,500 lines: four chunks
	content := repeatedFixture(n)
	pr, pw := io.Pipe()
	sent := a.sendUpload(alice, "?filename=big.log", "text/plain", pr)
	if _, err := pw.Write(content[:7<<20]); err != nil {
		t.Fatal(err)
	}
	early := a.waitListed(alice, func(j listedJob) bool { return j.Lines > 0 })
	if !early.Uploading || early.Size != 0 || early.Status != "processing" {
		t.Errorf("job while its upload arrives = %+v, want processing, uploading, no size yet", early)
	}
	if _, err := pw.Write(content[7<<20:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	res := <-sent
	var accepted struct {
		JobID string `json:"job_id"`
		Size  int64  `json:"size"`
	}
	json.Unmarshal(res.body, &accepted)
	if res.err != nil || res.status != http.StatusAccepted || accepted.JobID != early.ID || accepted.Size != int64(len(content)) {
		t.Fatalf("followed upload = %d %s (%v), want 202 for job %s of %d bytes", res.status, res.body, res.err, early.ID, len(content))
	}
	checkFixtureJob(t, "followed job", a.waitFinished(early.ID, alice), n)
	checkFixtureAggregate(t, a.waitAggregate(alice, func(g aggregate) bool { return g.Jobs["completed"] == 1 }), 1, n)
	var agg aggregate
	if a.getJSON("/api/stats", alice, &agg); agg.UploadedBytes != int64(len(content)) {
		t.Errorf("uploaded bytes in the aggregate = %d, want %d", agg.UploadedBytes, len(content))
	}
	if types := a.eventCounts(early.ID, alice); types["UploadCompleted"] != 1 || types["JobCompleted"] != 1 {
		t.Errorf("events of the followed job = %v, want one UploadCompleted and one JobCompleted", types)
	}
	if n := a.scrape()[`logproc_uploads_followed_total{}`]; n != 1 {
		t.Errorf("followed uploads counted: %v, want 1", n)
	}
}

// A followed upload that breaks off fails its job, with the upload named as
// the cause, and leaves no file behind.
func TestEndToEndAFollowedUploadThatBreaksOffFailsItsJob(t *testing.T) {
	a := startFollowingApp(t)
	alice := a.token("alice", "")
	pr, pw := io.Pipe()
	sent := a.sendUpload(alice, "?filename=cut.log", "text/plain", pr)
	if _, err := pw.Write(repeatedFixture(400)); err != nil { // 2.5 MB
		t.Fatal(err)
	}
	job := a.waitListed(alice, func(j listedJob) bool { return j.Uploading })
	pw.CloseWithError(errors.New("the client went away"))
	if res := <-sent; res.err == nil && res.status < 400 {
		t.Errorf("an upload that broke off got %d %s", res.status, res.body)
	}
	failed := a.waitListed(alice, func(j listedJob) bool { return j.Status == "failed" })
	if failed.ID != job.ID || failed.FailureCode != "upload_incomplete" || failed.Uploading {
		t.Errorf("job of the broken upload = %+v, want %s failed with upload_incomplete", failed, job.ID)
	}
	a.waitAggregate(alice, func(g aggregate) bool { return g.Jobs["failed"] == 1 && g.JobsTotal == 1 })
	err := filepath.WalkDir(a.app.Config.BlobDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			t.Errorf("a broken upload left %s behind", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
