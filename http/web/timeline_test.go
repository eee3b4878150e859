package web

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

var nine = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func minute(m int) time.Time { return nine.Add(time.Duration(m) * time.Minute) }

func completedJob() *domain.Job {
	j := domain.NewJob(uuid.New())
	j.Status = domain.StatusCompleted
	return j
}

// splitOf builds a split from per-minute level counts.
func splitOf(counts map[int]map[string]int64) levelSplit {
	s := levelSplit{Minutes: map[int64][numLevels]int64{}}
	for m, levels := range counts {
		var c [numLevels]int64
		for l, n := range levels {
			c[levelIndex(l)] = n
		}
		s.Minutes[minute(m).Unix()/60] = c
	}
	return s
}

func TestChartStacksLevelsThatMatchTheReadModel(t *testing.T) {
	minutes := []events.MinuteCount{{Minute: minute(0), Count: 3}, {Minute: minute(2), Count: 7}}
	split := splitOf(map[int]map[string]int64{0: {"ERROR": 1, "INFO": 2}, 2: {"WARN": 2, "INFO": 5}})
	c := newChart(minutes, split, completedJob())
	if !c.Stacked || c.Note != "" || c.Step != 1 || !c.From.Equal(minute(0)) || !c.To.Equal(minute(3)) {
		t.Fatalf("chart = stacked %v, note %q, step %d, %v to %v", c.Stacked, c.Note, c.Step, c.From, c.To)
	}
	var names []string
	for _, s := range c.Series {
		names = append(names, s.Name+"="+strconv.FormatInt(s.Total, 10))
	}
	if got := strings.Join(names, " "); got != "ERROR=1 WARN=2 INFO=7" {
		t.Errorf("series = %s", got)
	}
	if len(c.Rows) != 2 || c.Rows[1].Total != 7 || !c.Rows[1].At.Equal(minute(2)) {
		t.Errorf("table rows = %+v", c.Rows)
	}
	checkStackHeights(t, c, map[int]int64{0: 3, 2: 7})
}

// checkStackHeights adds up the segments drawn in each column and compares
// them with the column's total at the chart's scale.
func checkStackHeights(t *testing.T, c *chart, totals map[int]int64) {
	t.Helper()
	seg := regexp.MustCompile(`M([0-9.]+) ([0-9.]+)V([0-9.]+)`)
	heights := map[string]float64{}
	for _, s := range c.Series {
		for _, m := range seg.FindAllStringSubmatch(s.Path, -1) {
			y0, _ := strconv.ParseFloat(m[2], 64)
			y1, _ := strconv.ParseFloat(m[3], 64)
			heights[m[1]] += y0 - y1
		}
	}
	top, _ := strconv.ParseInt(strings.ReplaceAll(c.YTicks[2].Label, ",", ""), 10, 64)
	colW := float64(plotRight-plotLeft) / float64(int(c.To.Sub(c.From).Minutes())/c.Step)
	for col, total := range totals {
		x := pos(float64(plotLeft) + (float64(col)+0.5)*colW)
		want := float64(total) * float64(plotBottom-plotTop) / float64(top)
		if math.Abs(heights[x]-want) > 0.3 {
			t.Errorf("column %d at x=%s is %.1f high, want %.1f", col, x, heights[x], want)
		}
	}
}

func TestChartShowsAllLevelsWhenTheSplitDisagrees(t *testing.T) {
	minutes := []events.MinuteCount{{Minute: minute(0), Count: 4}, {Minute: minute(1), Count: 1}}
	running := completedJob()
	running.Status = domain.StatusProcessing
	cases := []struct {
		name  string
		split levelSplit
		job   *domain.Job
		note  string
	}{
		{"a count differs", splitOf(map[int]map[string]int64{0: {"INFO": 3}, 1: {"INFO": 1}}), completedJob(), "do not match"},
		{"a minute is missing", splitOf(map[int]map[string]int64{0: {"INFO": 4}}), completedJob(), "do not match"},
		{"an extra minute", splitOf(map[int]map[string]int64{0: {"INFO": 4}, 1: {"INFO": 1}, 5: {"INFO": 1}}), completedJob(), "do not match"},
		{"still running", splitOf(map[int]map[string]int64{0: {"INFO": 4}, 1: {"INFO": 1}}), running, "While the job runs"},
		{"being counted", levelSplit{Pending: true}, completedJob(), "being counted"},
		{"unreadable", levelSplit{Err: "blob gone"}, completedJob(), "blob gone"},
	}
	for _, tc := range cases {
		c := newChart(minutes, tc.split, tc.job)
		if c.Stacked || !strings.Contains(c.Note, tc.note) || len(c.Series) != 1 || c.Series[0].Total != 5 {
			t.Errorf("%s: stacked %v, note %q, series %+v", tc.name, c.Stacked, c.Note, c.Series)
		}
	}
}

func TestChartAxisIsInTheLogsTime(t *testing.T) {
	var minutes []events.MinuteCount
	for m := 0; m < 90; m++ {
		minutes = append(minutes, events.MinuteCount{Minute: minute(m), Count: 1})
	}
	c := newChart(minutes, levelSplit{}, completedJob())
	var labels []string
	for _, tk := range c.XTicks {
		labels = append(labels, tk.Label)
	}
	if got := strings.Join(labels, " "); got != "09:00 09:15 09:30 09:45 10:00 10:15" {
		t.Errorf("x labels = %s", got)
	}
	if c.Span() != "2026-11-27 09:00 to 2026-11-27 10:30 UTC" {
		t.Errorf("span = %s", c.Span())
	}
	if empty := newChart(nil, levelSplit{}, completedJob()); !empty.Empty {
		t.Error("a job without timestamps draws a chart")
	}
}

func TestLongLogsGetWiderColumns(t *testing.T) {
	for span, want := range map[int64]int{1: 1, 1440: 1, 1441: 2, 3 * 1440: 5, 30 * 1440: 30} {
		if got := columnStep(span); got != want {
			t.Errorf("columnStep(%d) = %d, want %d", span, got, want)
		}
	}
	minutes := []events.MinuteCount{{Minute: minute(0), Count: 2}, {Minute: minute(3*1440 - 1), Count: 3}}
	c := newChart(minutes, levelSplit{}, completedJob())
	if c.Step != 5 || len(c.Rows) != 2 || c.XTicks[0].Label[:3] != "Nov" {
		t.Errorf("three days: step %d, rows %d, first label %q", c.Step, len(c.Rows), c.XTicks[0].Label)
	}
}

func TestNiceCeil(t *testing.T) {
	for n, want := range map[int64]int64{0: 2, 1: 2, 3: 4, 7: 8, 10: 10, 11: 15, 21: 25, 51: 60, 720: 800, 999: 1000, 1001: 1500} {
		if got := niceCeil(n); got != want {
			t.Errorf("niceCeil(%d) = %d, want %d", n, got, want)
		}
	}
}
