package http

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// TestJobViewKeepsTheAPIsNames pins the JSON names of a job in the API: a
// name changed in the domain must not change them.
func TestJobViewKeepsTheAPIsNames(t *testing.T) {
	at := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	j := domain.NewJob(uuid.New())
	j.Owner, j.FileName, j.Size, j.SHA256, j.ContentType = "alice", "a.log", 10, "ab", "text/plain"
	j.Options, j.Status, j.Version, j.Attempts = events.JobOptions{ChunkLines: 5}, domain.StatusFailed, 4, 2
	j.CorrelationID, j.SubmittedEventID, j.SubmittedAt = "req", uuid.New(), at
	j.StartedAt, j.FinishedAt, j.DurationMS = &at, &at, 9
	j.Counts = events.Counts{Lines: 1, Entries: 1, Bytes: 1, Levels: map[string]int64{"INFO": 1}, ErrorLike: 1, Truncated: 1}
	j.Chunks, j.BytesRead, j.Errors, j.ErrorGroups, j.Format = 1, 1, 1, 1, "text"
	j.MinTime, j.MaxTime, j.TimeAssumption = &at, &at, "year"
	j.Keywords, j.Components, j.TopIPs, j.DistinctIPs = map[string]int64{"a": 1}, map[string]int64{"b": 1}, map[string]int64{"c": 1}, 1
	j.AnalyzerVersion, j.FailureReason, j.FailureCode = "2", "gone", "not_found"
	data, err := json.Marshal(NewJobView(j))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	var got []string
	for k := range m {
		got = append(got, k)
	}
	slices.Sort(got)
	want := []string{"analysed_bytes", "analyzer_version", "attempts", "bytes_read", "chunks", "components", "content_type",
		"correlation_id", "distinct_ips", "duration_ms", "entries", "error_groups", "error_like", "errors",
		"failure_code", "failure_reason", "file_name", "finished_at", "format", "job_id", "keywords", "levels", "lines",
		"max_time", "min_time", "options", "owner", "projected", "sha256", "size", "started_at", "status", "submitted_at",
		"submitted_event_id", "time_assumption", "top_ips", "truncated_lines", "uploaded_bytes", "version"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("a job's JSON names (-want +got):\n%s", diff)
	}
	if m["uploaded_bytes"] != float64(j.Size) || m["size"] != m["uploaded_bytes"] {
		t.Errorf("uploaded_bytes %v and size %v, want both the file's %d bytes", m["uploaded_bytes"], m["size"], j.Size)
	}
}

// The job keeps up to a thousand addresses; the API shows the busiest 20.
func TestJobViewShowsTheBusiestAddresses(t *testing.T) {
	j := domain.NewJob(uuid.New())
	j.TopIPs = map[string]int64{}
	for i := range 300 {
		j.TopIPs[fmt.Sprintf("10.0.%d.%d", i/256, i%256)] = int64(i)
	}
	got := NewJobView(j).TopIPs
	if len(got) != domain.ShownIPs || got[0].Count != 299 || got[len(got)-1].Count != 280 {
		t.Errorf("top IPs = %d entries from %+v to %+v; want the 20 busiest", len(got), got[0], got[len(got)-1])
	}
}
