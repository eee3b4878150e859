package domain_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// stream builds a job's records from payloads, versions 1, 2, 3 ...
func stream(t *testing.T, ps ...events.Payload) []events.Record {
	t.Helper()
	var recs []events.Record
	for i, p := range ps {
		e, err := events.New(uuid.New(), p, events.Metadata{CorrelationID: "req-9"})
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, events.Record{Event: e, StreamID: "job-x", Version: int64(i + 1)})
	}
	return recs
}

func fold(t *testing.T, recs []events.Record) *domain.Job {
	t.Helper()
	j := domain.NewJob(uuid.Nil)
	for _, r := range recs {
		if err := j.Apply(r); err != nil {
			t.Fatal(err)
		}
	}
	return j
}

var at = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestJobFoldsItsHistory(t *testing.T) {
	id := uuid.New()
	early, late := at.Add(-time.Hour), at.Add(time.Hour)
	recs := stream(t,
		&events.JobSubmitted{JobID: id, Owner: "alice", FileName: "a.log", Size: 1000, SubmittedAt: at},
		&events.JobStarted{Attempt: 1, At: at},
		&events.LinesParsed{Chunk: 0, BytesRead: 500, Counts: events.Counts{Lines: 10, Entries: 9, Bytes: 500,
			Levels: map[string]int64{"INFO": 8, "ERROR": 1}}, MaxTime: &late,
			Timeline: []events.MinuteCount{{Minute: at, Count: 9, Levels: map[string]int64{"INFO": 8, "ERROR": 1}}}},
		&events.ErrorsDetected{Chunk: 0, Groups: []events.ErrorGroup{{ID: "g", Template: "boom <*>", Level: "ERROR", Count: 1, FirstLine: 4, LastLine: 4, Sample: "boom 1"}}},
		&events.JobStarted{Attempt: 2, At: late},
		&events.LinesParsed{Chunk: 1, BytesRead: 1000, Counts: events.Counts{Lines: 5, Entries: 5, Bytes: 500,
			Levels: map[string]int64{"ERROR": 2, "WARN": 3}}, MinTime: &early,
			Timeline: []events.MinuteCount{{Minute: at, Count: 5, Levels: map[string]int64{"ERROR": 2, "WARN": 3}}}},
		&events.ErrorsDetected{Chunk: 1, Groups: []events.ErrorGroup{{ID: "g", Template: "boom <*> now", Level: "ERROR", Count: 2, FirstLine: 12, LastLine: 14, Sample: "boom 2 now"}}},
		&events.JobCompleted{Chunks: 2, DurationMS: 1500, AnalyzerVersion: "2.0.0", At: late},
	)
	j := fold(t, recs)
	if j.Status != domain.StatusCompleted || j.Version != 8 || j.Attempts != 2 || j.CorrelationID != "req-9" {
		t.Errorf("job = status %s, version %d, attempts %d, correlation %q", j.Status, j.Version, j.Attempts, j.CorrelationID)
	}
	if j.Lines != 15 || j.Entries != 14 || j.BytesRead != 1000 || j.Errors != 3 || j.ErrorGroups != 1 || j.Chunks != 2 {
		t.Errorf("progress = %+v", j.Progress)
	}
	if diff := cmp.Diff(map[string]int64{"INFO": 8, "ERROR": 3, "WARN": 3}, j.Levels); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
	if !j.MinTime.Equal(early) || !j.MaxTime.Equal(late) || !j.StartedAt.Equal(at) {
		t.Errorf("times: min %v max %v started %v", j.MinTime, j.MaxTime, j.StartedAt)
	}
	g := j.Groups["g"]
	want := &events.ErrorGroup{ID: "g", Template: "boom <*> now", Level: "ERROR", Count: 3, FirstLine: 4, LastLine: 14, Sample: "boom 1"}
	if diff := cmp.Diff(want, g); diff != "" {
		t.Errorf("group (-want +got):\n%s", diff)
	}
	wantMinute := domain.MinuteCounts{Count: 14, Levels: map[string]int64{"INFO": 8, "ERROR": 3, "WARN": 3}}
	if diff := cmp.Diff(map[int64]domain.MinuteCounts{at.Unix(): wantMinute}, j.Timeline); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
}

// The parts of a job add their minutes, per level too, as a job's chunks
// do; a minute from events written before levels were counted per minute
// keeps its count, and its levels say only what later events added.
func TestTimelineAddsEachMinutesLevelsOverParts(t *testing.T) {
	next := at.Add(time.Minute)
	minute := func(m time.Time, n int64, levels map[string]int64) []events.MinuteCount {
		return []events.MinuteCount{{Minute: m, Count: n, Levels: levels}}
	}
	recs := stream(t,
		&events.JobSubmitted{JobID: uuid.New(), Owner: "alice", FileName: "a.log", Size: 2000, SubmittedAt: at},
		&events.JobStarted{Attempt: 1, At: at},
		&events.JobPlanned{Parts: []events.PartPlan{{Part: 1, Length: 1000, FirstLine: 1}, {Part: 2, Offset: 1000, Length: 1000, FirstLine: 11}}},
		&events.JobStarted{Part: 2, Attempt: 1, At: at},
		&events.LinesParsed{Part: 2, Chunk: 0, Timeline: append(minute(at, 3, map[string]int64{"INFO": 2, "WARN": 1}),
			minute(next, 4, map[string]int64{"INFO": 4})...)},
		&events.JobStarted{Part: 1, Attempt: 1, At: at},
		&events.LinesParsed{Part: 1, Chunk: 0, Timeline: minute(at, 5, map[string]int64{"INFO": 1, "ERROR": 4})},
		&events.LinesParsed{Part: 1, Chunk: 1, Timeline: minute(next, 2, nil)}, // written before per-minute levels
	)
	want := map[int64]domain.MinuteCounts{
		at.Unix():   {Count: 8, Levels: map[string]int64{"INFO": 3, "WARN": 1, "ERROR": 4}},
		next.Unix(): {Count: 6, Levels: map[string]int64{"INFO": 4}},
	}
	j := fold(t, recs)
	if diff := cmp.Diff(want, j.Timeline); diff != "" {
		t.Errorf("timeline (-want +got):\n%s", diff)
	}
	old := fold(t, stream(t, &events.JobSubmitted{JobID: uuid.New()}, &events.LinesParsed{Timeline: minute(at, 7, nil)}))
	if diff := cmp.Diff(map[int64]domain.MinuteCounts{at.Unix(): {Count: 7}}, old.Timeline); diff != "" {
		t.Errorf("timeline of events without levels per minute (-want +got):\n%s", diff)
	}
	if got := old.Minutes(10, true); len(got) != 1 || got[0].Levels != nil || got[0].Count != 7 {
		t.Errorf("minutes of events without levels per minute = %+v; want one of 7, levels nil", got)
	}
}

func TestJobRefusesEventsOutOfOrder(t *testing.T) {
	recs := stream(t, &events.JobSubmitted{JobID: uuid.New()}, &events.JobStarted{Attempt: 1})
	j := domain.NewJob(uuid.Nil)
	if err := j.Apply(recs[1]); err == nil || !strings.Contains(err.Error(), "version 2, want 1") {
		t.Errorf("applying version 2 first: err %v", err)
	}
	j.Apply(recs[0])
	if err := j.Apply(recs[0]); err == nil {
		t.Error("applying version 1 twice succeeded")
	}
}

func TestFinishedJobKeepsItsStatus(t *testing.T) {
	recs := stream(t, &events.JobSubmitted{JobID: uuid.New()}, &events.JobFailed{Reason: "gone", At: at},
		&events.JobStarted{Attempt: 2, At: at})
	if j := fold(t, recs); j.Status != domain.StatusFailed || j.FailureReason != "gone" {
		t.Errorf("job = %s (%q), want failed", j.Status, j.FailureReason)
	}
}

func TestCappedCountsKeepTheLargest(t *testing.T) {
	recs := []events.Payload{&events.JobSubmitted{JobID: uuid.New()}}
	for i := 0; i < 3; i++ {
		ips := map[string]int64{}
		for k := 0; k < domain.MaxJobIPs; k++ {
			ips["10.0."+string(rune('a'+i))+"."+string(rune('a'+k))] = int64(k + 1)
		}
		ips["10.9.9.9"] = 1000
		recs = append(recs, &events.LinesParsed{Chunk: i, IPs: ips})
	}
	j := fold(t, stream(t, recs...))
	if len(j.TopIPs) != domain.MaxJobIPs || j.TopIPs["10.9.9.9"] != 3000 {
		t.Errorf("top IPs hold %d entries, 10.9.9.9 = %d; want %d and 3000", len(j.TopIPs), j.TopIPs["10.9.9.9"], domain.MaxJobIPs)
	}
}

// An address that ranks low in the first chunks and leads later keeps the
// counts the first chunks listed for it: the job keeps far more addresses
// than the API shows.
func TestAnAddressThatLeadsLateKeepsItsEarlyCounts(t *testing.T) {
	recs := []events.Payload{&events.JobSubmitted{JobID: uuid.New()}}
	for i := range 10 {
		ips := map[string]int64{}
		for k := range 100 { // a chunk's list: the engine's 100 busiest
			ips[fmt.Sprintf("10.%d.0.%d", i, k)] = 50
		}
		n := int64(1) // the late leader: last on the early chunks' lists
		if i >= 5 {
			n = 1000
		}
		ips["192.0.2.7"] = n
		recs = append(recs, &events.LinesParsed{Chunk: i, IPs: ips})
	}
	j := fold(t, stream(t, recs...))
	if got := j.TopIPs["192.0.2.7"]; got != 5005 {
		t.Errorf("192.0.2.7 counts %d, want 5005: five early chunks of 1 and five of 1000", got)
	}
}

// A job reads 100% only once it is completed: its last chunk can end at the
// file's last byte before JobCompleted, and a gzip file's chunks report the
// compressed bytes decompressed ahead of them.
func TestProgressReachesAHundredOnlyWhenCompleted(t *testing.T) {
	for _, tc := range []struct {
		status domain.JobStatus
		read   int64
		want   float64
	}{
		{domain.StatusProcessing, 500, 50},
		{domain.StatusProcessing, 1000, 99},
		{domain.StatusFailed, 1000, 99},
		{domain.StatusCompleted, 1000, 100},
		{domain.StatusCompleted, 10, 100},
	} {
		j := &domain.Job{Size: 1000, Status: tc.status}
		j.BytesRead = tc.read
		if got := j.ProgressPercent(); got != tc.want {
			t.Errorf("%s job that read %d of 1000 bytes: progress %v, want %v", tc.status, tc.read, got, tc.want)
		}
	}
}
