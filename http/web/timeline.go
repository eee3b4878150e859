package web

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// The chart's geometry, in the SVG's own units (it scales to its box).
const (
	chartWidth, chartHeight = 1000, 240
	plotLeft, plotRight     = 64, 992
	plotTop, plotBottom     = 12, 200
	// maxColumns is the most columns the chart draws: a day of minutes.
	// Longer logs get wider columns.
	maxColumns = 1440
)

// chart is a job's timeline drawn as stacked columns, one per minute (or
// per Step minutes), with its text alternative.
type chart struct {
	Empty   bool
	Stacked bool
	// Note says why some entries are not split by level, when some are not.
	Note      string
	Truncated bool
	Step      int
	From, To  time.Time
	Series    []series
	XTicks    []tick
	YTicks    []tick
	Rows      []chartRow
	// ColumnWidth is the stroke width that draws one column.
	ColumnWidth string
	Assumption  string
}

// series is one level's part of the columns, drawn as one path.
type series struct {
	Name  string
	Class string
	Path  string
	Total int64
}

type tick struct {
	Pos   string
	Label string
}

// chartRow is one non-empty column in the text alternative.
type chartRow struct {
	At     time.Time
	Counts []int64
	Total  int64
}

// The chart's view box and plot edges, for the template.
func (c *chart) ViewBox() string { return "0 0 1000 240" }
func (c *chart) PlotLeft() int   { return plotLeft }
func (c *chart) PlotRight() int  { return plotRight }
func (c *chart) PlotBottom() int { return plotBottom }

// Span says the chart's time range in words.
func (c *chart) Span() string {
	f := "2006-01-02 15:04"
	return c.From.UTC().Format(f) + " to " + c.To.UTC().Format(f) + " UTC"
}

// StepText says what one column covers.
func (c *chart) StepText() string {
	if c.Step == 1 {
		return "one column per minute"
	}
	return "one column per " + strconv.Itoa(c.Step) + " minutes"
}

// Names of the series that are not a level: the entries of minutes
// analysed before the worker counted levels per minute are stacked as
// notSplit on top of the levels, or drawn as allLevels when no minute of
// the job has levels.
const (
	notSplit  = "not split by level"
	allLevels = "all levels"
)

// newChart draws minutes, the job's entries per minute and level from the
// read model, as columns stacked by level.
func newChart(minutes []events.MinuteCount, job *domain.Job) *chart {
	c := &chart{Assumption: job.TimeAssumption}
	if len(minutes) == 0 {
		c.Empty = true
		return c
	}
	first := floorMinute(minutes[0].Minute.Unix())
	last := floorMinute(minutes[len(minutes)-1].Minute.Unix())
	c.Step = columnStep(last - first + 1)
	ncols := int((last-first)/int64(c.Step)) + 1
	c.From = time.Unix(first*60, 0).UTC()
	c.To = time.Unix((first+int64(ncols*c.Step))*60, 0).UTC()
	c.Truncated = len(minutes) == timelineMinutes
	names, cols := c.columns(minutes, first, ncols)
	c.draw(names, cols)
	return c
}

// columns counts each column per level in levelOrder, and last what the
// minutes' levels leave of their counts: the entries of minutes without
// levels, and any level the chart does not know.
func (c *chart) columns(minutes []events.MinuteCount, first int64, ncols int) ([]string, [][]int64) {
	names := append(slices.Clone(levelOrder), notSplit)
	cols := make([][]int64, len(names))
	for i := range cols {
		cols[i] = make([]int64, ncols)
	}
	rest := len(levelOrder)
	for _, m := range minutes {
		col := int((floorMinute(m.Minute.Unix()) - first) / int64(c.Step))
		left := m.Count
		for i, l := range levelOrder {
			cols[i][col] += m.Levels[l]
			left -= m.Levels[l]
		}
		cols[rest][col] += max(left, 0)
	}
	c.explain(names, cols)
	return names, cols
}

// explain says whether the columns are stacked by level, and why not all
// of their entries are, naming the last series accordingly.
func (c *chart) explain(names []string, cols [][]int64) {
	rest := len(cols) - 1
	split, unsplit := false, sum(cols[rest]) > 0
	for _, s := range cols[:rest] {
		split = split || sum(s) > 0
	}
	switch {
	case !unsplit:
		c.Stacked = true
	case !split:
		names[rest] = allLevels
		c.Note = "This job was analysed before levels were counted per minute, so the chart shows all levels together."
	default:
		c.Stacked = true
		c.Note = "Some minutes were analysed before levels were counted per minute: their entries are stacked as \u201c" +
			notSplit + "\u201d."
	}
}

// columnStep is the minutes per column that fit span minutes in maxColumns.
func columnStep(span int64) int {
	for _, s := range []int{1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080} {
		if span <= int64(s)*maxColumns {
			return s
		}
	}
	return int((span + maxColumns - 1) / maxColumns)
}

// draw turns the columns into one path per series, the axes' ticks and the
// table rows.
func (c *chart) draw(names []string, cols [][]int64) {
	ncols := len(cols[0])
	totals := make([]int64, ncols)
	for _, s := range cols {
		for i, v := range s {
			totals[i] += v
		}
	}
	top := niceCeil(maxOf(totals))
	colW := float64(plotRight-plotLeft) / float64(ncols)
	c.ColumnWidth = strconv.FormatFloat(max(colW*0.92, 0.3), 'f', 2, 64)
	scale := float64(plotBottom-plotTop) / float64(top)
	base := make([]int64, ncols)
	for si, s := range cols {
		if path, total := stackPath(s, base, colW, scale); total > 0 {
			c.Series = append(c.Series, series{Name: names[si], Class: seriesClass(names[si]), Path: path, Total: total})
		}
	}
	c.YTicks = []tick{{pos(plotBottom), "0"}, {pos(float64(plotBottom+plotTop) / 2), formatInt(top / 2)}, {pos(plotTop), formatInt(top)}}
	c.XTicks = c.timeTicks(ncols, colW)
	c.Rows = c.tableRows(names, cols, totals)
}

// stackPath draws one series' columns on top of base, the height each
// column has reached, which it raises: one "M x y0 V y1" stroke per
// non-empty column.
func stackPath(s, base []int64, colW, scale float64) (string, int64) {
	var b []byte
	var total int64
	for i, v := range s {
		if v == 0 {
			continue
		}
		x := float64(plotLeft) + (float64(i)+0.5)*colW
		y0 := float64(plotBottom) - float64(base[i])*scale
		base[i] += v
		total += v
		y1 := float64(plotBottom) - float64(base[i])*scale
		b = append(b, 'M')
		b = strconv.AppendFloat(b, x, 'f', 1, 64)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, y0, 'f', 1, 64)
		b = append(b, 'V')
		b = strconv.AppendFloat(b, y1, 'f', 1, 64)
	}
	return string(b), total
}

func (c *chart) tableRows(names []string, cols [][]int64, totals []int64) []chartRow {
	keep := make([]int, 0, len(names))
	for si := range names {
		for _, s := range c.Series {
			if s.Name == names[si] {
				keep = append(keep, si)
			}
		}
	}
	var rows []chartRow
	for i, t := range totals {
		if t == 0 {
			continue
		}
		row := chartRow{At: c.From.Add(time.Duration(i*c.Step) * time.Minute), Total: t, Counts: make([]int64, len(keep))}
		for k, si := range keep {
			row.Counts[k] = cols[si][i]
		}
		rows = append(rows, row)
	}
	return rows
}

// timeTicks labels the x axis in the log's own time (UTC), at a round
// interval giving at most eight labels.
func (c *chart) timeTicks(ncols int, colW float64) []tick {
	span := ncols * c.Step
	every := 10080
	for _, s := range []int{1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080} {
		if span/s <= 8 {
			every = s
			break
		}
	}
	layout := "15:04"
	if span > 1440 || c.From.YearDay() != c.To.Add(-time.Minute).YearDay() {
		layout = "Jan 2 15:04"
	}
	first := c.From.Unix() / 60
	var ticks []tick
	for m := (first + int64(every) - 1) / int64(every) * int64(every); m < first+int64(span); m += int64(every) {
		x := float64(plotLeft) + float64(m-first)/float64(c.Step)*colW
		ticks = append(ticks, tick{pos(x), time.Unix(m*60, 0).UTC().Format(layout)})
	}
	return ticks
}

func seriesClass(name string) string {
	if name == allLevels || name == notSplit {
		return "lv-all"
	}
	return "lv-" + strings.ToLower(name)
}

func pos(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// floorMinute is the minute since the epoch holding Unix second s.
func floorMinute(s int64) int64 {
	if s < 0 && s%60 != 0 {
		return s/60 - 1
	}
	return s / 60
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}

func maxOf(xs []int64) int64 {
	var m int64
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// niceCeil rounds n up to a round number for the top of the y axis (10,
// 15, 20, 25, 30, 40, 50, 60 or 80 times a power of ten), or to an even
// number up to 10, so that the middle tick is a whole number too.
func niceCeil(n int64) int64 {
	if n <= 10 {
		return max(2, n+n%2)
	}
	for p := int64(1); ; p *= 10 {
		for _, f := range []int64{10, 15, 20, 25, 30, 40, 50, 60, 80} {
			if f*p >= n {
				return f * p
			}
		}
	}
}
