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

func TestChartStacksTheReadModelsLevels(t *testing.T) {
	minutes := []events.MinuteCount{
		{Minute: minute(0), Count: 3, Levels: map[string]int64{"ERROR": 1, "INFO": 2}},
		{Minute: minute(2), Count: 7, Levels: map[string]int64{"WARN": 2, "INFO": 5}},
	}
	running := completedJob()
	running.Status = domain.StatusProcessing
	for _, job := range []*domain.Job{completedJob(), running} {
		c := newChart(minutes, job)
		if !c.Stacked || c.Note != "" || c.Step != 1 || !c.From.Equal(minute(0)) || !c.To.Equal(minute(3)) {
			t.Fatalf("%s job: chart = stacked %v, note %q, step %d, %v to %v", job.Status, c.Stacked, c.Note, c.Step, c.From, c.To)
		}
		if got := seriesOf(c); got != "ERROR=1 WARN=2 INFO=7" {
			t.Errorf("%s job: series = %s", job.Status, got)
		}
		if len(c.Rows) != 2 || c.Rows[1].Total != 7 || !c.Rows[1].At.Equal(minute(2)) {
			t.Errorf("%s job: table rows = %+v", job.Status, c.Rows)
		}
		checkStackHeights(t, c, map[int]int64{0: 3, 2: 7})
	}
}

// seriesOf lists the chart's series as name=total.
func seriesOf(c *chart) string {
	var names []string
	for _, s := range c.Series {
		names = append(names, s.Name+"="+strconv.FormatInt(s.Total, 10))
	}
	return strings.Join(names, " ")
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

// Minutes analysed before levels were counted per minute have a count and
// no levels: their entries are drawn whole, as one series on top of the
// levels, or alone when no minute has levels.
func TestChartDrawsMinutesWithoutLevelsWhole(t *testing.T) {
	cases := []struct {
		name    string
		minutes []events.MinuteCount
		series  string
		stacked bool
		note    string
	}{
		{"no minute has levels", []events.MinuteCount{{Minute: minute(0), Count: 4}, {Minute: minute(1), Count: 1}},
			"all levels=5", false, "shows all levels together"},
		{"one minute has none", []events.MinuteCount{{Minute: minute(0), Count: 4, Levels: map[string]int64{"ERROR": 1, "INFO": 3}},
			{Minute: minute(1), Count: 1}}, "ERROR=1 INFO=3 not split by level=1", true, "Some minutes"},
		{"a minute's levels count some of its entries", []events.MinuteCount{{Minute: minute(0), Count: 4, Levels: map[string]int64{"INFO": 3}},
			{Minute: minute(1), Count: 1, Levels: map[string]int64{"INFO": 1}}}, "INFO=4 not split by level=1", true, "Some minutes"},
		{"a level the chart does not know", []events.MinuteCount{{Minute: minute(0), Count: 4, Levels: map[string]int64{"INFO": 3, "<b>x</b>": 1}},
			{Minute: minute(1), Count: 1, Levels: map[string]int64{"INFO": 1}}}, "INFO=4 not split by level=1", true, "Some minutes"},
	}
	for _, tc := range cases {
		c := newChart(tc.minutes, completedJob())
		if got := seriesOf(c); got != tc.series || c.Stacked != tc.stacked || !strings.Contains(c.Note, tc.note) {
			t.Errorf("%s: series %s, stacked %v, note %q; want %s, %v, a note saying %q", tc.name, got, c.Stacked, c.Note,
				tc.series, tc.stacked, tc.note)
		}
		for _, s := range c.Series {
			if s.Class != "lv-all" && s.Class != "lv-error" && s.Class != "lv-info" {
				t.Errorf("%s: series %s has class %q", tc.name, s.Name, s.Class)
			}
		}
		checkStackHeights(t, c, map[int]int64{0: 4, 1: 1})
	}
}

func TestChartAxisIsInTheLogsTime(t *testing.T) {
	var minutes []events.MinuteCount
	for m := 0; m < 90; m++ {
		minutes = append(minutes, events.MinuteCount{Minute: minute(m), Count: 1})
	}
	c := newChart(minutes, completedJob())
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
	if empty := newChart(nil, completedJob()); !empty.Empty {
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
	c := newChart(minutes, completedJob())
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
