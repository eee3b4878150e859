package main

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// A file of several parts is analysed as a task per part, by two worker
// processes, and ends as a file analysed whole does: the same counts, the
// same two error groups, in the job and in the aggregate. A gzip file of
// the same lines cannot be cut, and is analysed whole.
func TestEndToEndLargeFileInParts(t *testing.T) {
	const n = 60 // about 560 KiB: eight parts of 64 KiB
	a := startTestApp(t, func(c *Config) { c.PartBytes, c.WorkerConcurrency = 64<<10, 1 })
	cfg := a.app.Config
	startTestAppParts(t, false, true, func(c *Config) {
		c.DatabaseURL, c.Queue, c.BlobDir, c.PartBytes, c.WorkerConcurrency = cfg.DatabaseURL, cfg.Queue, cfg.BlobDir, cfg.PartBytes, 1
	})
	alice := a.token("alice", "")
	content := repeatedFixture(n)
	id := a.upload(alice, "big.log", content)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(content)
	zw.Close()
	whole := a.upload(alice, "big.log.gz", gz.Bytes())

	checkFixtureJob(t, "job in parts", a.waitFinished(id, alice), n)
	checkFixtureJob(t, "gzip job", a.waitFinished(whole, alice), n)
	checkFixtureAggregate(t, a.waitAggregate(alice, func(g aggregate) bool { return g.Jobs["completed"] == 2 }), 2, 2*n)

	var parted struct {
		Parts *struct{ Total, Done int } `json:"parts"`
	}
	a.getJSON("/api/stats/"+id, alice, &parted)
	if p := parted.Parts; p == nil || p.Total < 6 || p.Done != p.Total {
		t.Errorf("parts of the job = %+v, want 6 or more, all done", p)
	}
	types := a.eventCounts(id, alice)
	if types["JobPlanned"] != 1 || types["PartCompleted"] != parted.Parts.Total || types["GroupsJoined"] != 1 ||
		types["JobCompleted"] != 1 || types["JobStarted"] < parted.Parts.Total+1 {
		t.Errorf("events of the job in parts = %v, want one plan, one start and end per part, one join and completion", types)
	}
	var gzJob struct {
		Parts *struct{ Total, Done int } `json:"parts"`
	}
	a.getJSON("/api/stats/"+whole, alice, &gzJob)
	if gzJob.Parts != nil || a.eventCounts(whole, alice)["JobPlanned"] != 0 {
		t.Errorf("gzip job analysed in parts: %+v", gzJob.Parts)
	}
}

// eventCounts counts a job's events by type.
func (a *testApp) eventCounts(id, token string) map[string]int {
	a.t.Helper()
	var history struct {
		Events []struct {
			Type string `json:"type"`
		} `json:"events"`
	}
	a.getJSON("/api/jobs/"+id+"/events?limit=1000", token, &history)
	counts := map[string]int{}
	for _, e := range history.Events {
		counts[e.Type]++
	}
	return counts
}
