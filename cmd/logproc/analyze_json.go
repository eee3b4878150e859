package main

import (
	"encoding/json"
	"io"
	"time"

	"github.com/logproc/logproc/domain/analysis"
	"github.com/logproc/logproc/domain/worker"
	lphttp "github.com/logproc/logproc/http"
)

// summaryView is what `logproc analyze --json` prints: a summary under the
// names and in the shapes the API gives the same facts of a job (a job's
// view in GET /api/stats/{jobId}), so that one script reads both. The facts
// a job's view lacks keep names of their own: templates, stack_traces and
// timeline_step_seconds. Error groups and the timeline go the way a job's
// do: from the engine's shapes to the events' (worker) to the API's views.
type summaryView struct {
	AnalyzerVersion string                   `json:"analyzer_version,omitempty"`
	Format          string                   `json:"format,omitempty"`
	Chunks          int                      `json:"chunks"`
	Lines           int64                    `json:"lines"`
	Entries         int64                    `json:"entries"`
	AnalysedBytes   int64                    `json:"analysed_bytes"`
	BytesRead       int64                    `json:"bytes_read"`
	Levels          map[analysis.Level]int64 `json:"levels"`
	Errors          int64                    `json:"errors"`
	ErrorGroups     int64                    `json:"error_groups"`
	ErrorLike       int64                    `json:"error_like,omitempty"`
	Truncated       int64                    `json:"truncated_lines,omitempty"`
	MinTime         *time.Time               `json:"min_time,omitempty"`
	MaxTime         *time.Time               `json:"max_time,omitempty"`
	TimeAssumption  string                   `json:"time_assumption,omitempty"`
	Keywords        []analysis.NameCount     `json:"keywords"`
	Components      []analysis.NameCount     `json:"components"`
	TopIPs          []analysis.NameCount     `json:"top_ips"`
	DistinctIPs     int64                    `json:"distinct_ips,omitempty"`
	TopErrorGroups  []lphttp.ErrorGroupView  `json:"top_error_groups"`
	Timeline        []lphttp.MinuteView      `json:"timeline"`
	// TimelineStepSeconds is how long each point of the timeline is: a
	// minute, doubled as often as a long file needs.
	TimelineStepSeconds int64 `json:"timeline_step_seconds"`
	Templates           int   `json:"templates"`
	StackTraces         int64 `json:"stack_traces,omitempty"`
}

// printSummaryJSON writes s as a summaryView.
func printSummaryJSON(w io.Writer, s *analysis.Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(newSummaryView(s))
}

func newSummaryView(s *analysis.Summary) summaryView {
	v := summaryView{AnalyzerVersion: s.Version, Format: s.Format, Chunks: s.Chunks, Lines: s.Lines,
		Entries: s.Entries, AnalysedBytes: s.Bytes, BytesRead: s.BytesRead, Levels: s.Levels,
		ErrorGroups: int64(len(s.ErrorGroups)), ErrorLike: s.ErrorLike, Truncated: s.Truncated,
		MinTime: timeOrNil(s.MinTime), MaxTime: timeOrNil(s.MaxTime), TimeAssumption: s.TimeAssumption,
		Keywords: keywordList(s.Keywords), Components: rankedCopy(s.Components), TopIPs: rankedCopy(s.IPs),
		DistinctIPs: s.DistinctIPs, TopErrorGroups: lphttp.ErrorGroupViews(worker.ErrorGroups(s.ErrorGroups)),
		Timeline: lphttp.MinuteViews(worker.Minutes(s.Timeline)), TimelineStepSeconds: int64(s.TimelineStep / time.Second),
		Templates: s.Templates, StackTraces: s.StackTraces}
	if v.Levels == nil {
		v.Levels = map[analysis.Level]int64{}
	}
	for _, g := range s.ErrorGroups {
		v.Errors += g.Count
	}
	return v
}

// rankedCopy orders a copy of ncs as the API ranks a list: most frequent
// first, ties by name; never nil, so a client always gets an array.
func rankedCopy(ncs []analysis.NameCount) []analysis.NameCount {
	out := append(make([]analysis.NameCount, 0, len(ncs)), ncs...)
	sortNameCounts(out)
	return out
}

// timeOrNil leaves out a time the file did not give.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
