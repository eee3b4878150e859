package worker

import (
	"context"
	"io"
	"time"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/analysis"
	"github.com/logproc/logproc/events"
)

// Engine is the Analyzer backed by the analysis engine.
type Engine struct {
	opts analysis.Options
}

// NewEngine returns the engine with its default options and the keywords to
// count (the defaults when empty).
func NewEngine(keywords []string) *Engine {
	opts := analysis.DefaultOptions()
	if len(keywords) > 0 {
		opts.Keywords = keywords
	}
	return &Engine{opts: opts}
}

// Version implements Analyzer.
func (e *Engine) Version() string { return analysis.Version }

// Analyze implements Analyzer. Input the engine refuses is EUNSUPPORTED.
func (e *Engine) Analyze(ctx context.Context, r io.Reader, s domain.AnalysisSettings, emit func(domain.Chunk) error) error {
	_, err := analysis.Analyze(ctx, r, e.options(s), func(c *analysis.Chunk) error { return emit(chunkOf(c)) })
	return engineError(err)
}

// chunkOf turns what the engine found in a chunk into the chunk's events.
// It is the one place where the engine's shapes meet the events'.
func chunkOf(c *analysis.Chunk) domain.Chunk {
	lp := events.LinesParsed{
		Chunk: c.Index, FirstLine: c.FirstLine, LastLine: c.LastLine, BytesRead: c.BytesRead,
		Counts: events.Counts{Lines: c.Lines, Entries: c.Entries, Bytes: c.Bytes, Levels: levelCounts(c.Levels),
			ErrorLike: c.ErrorLike, Truncated: c.Truncated},
		Format: c.Format, MinTime: timePtr(c.MinTime), MaxTime: timePtr(c.MaxTime),
		TimeAssumption: c.TimeAssumption, Keywords: c.Keywords, Components: c.Components,
		IPs: c.IPs, DistinctIPs: c.DistinctIPs,
	}
	lp.Timeline = Minutes(c.Timeline)
	return domain.Chunk{Lines: lp, Errors: ErrorGroups(c.ErrorGroups)}
}

// Minutes turns the engine's timeline into the events' minutes, each
// with its levels under the events' names.
func Minutes(ms []analysis.MinuteCount) []events.MinuteCount {
	var out []events.MinuteCount
	for _, m := range ms {
		out = append(out, events.MinuteCount{Minute: m.Minute, Count: m.Count, Levels: levelCounts(m.Levels.Map())})
	}
	return out
}

// ErrorGroups turns the engine's error groups into the events' groups.
func ErrorGroups(gs []analysis.ErrorGroup) []events.ErrorGroup {
	out := make([]events.ErrorGroup, 0, len(gs))
	for _, g := range gs {
		out = append(out, events.ErrorGroup{ID: g.ID, Template: g.Template, Level: levelName(g.Level),
			Exception: g.Exception, Count: g.Count, FirstLine: g.FirstLine, LastLine: g.LastLine,
			FirstTime: timePtr(g.FirstTime), LastTime: timePtr(g.LastTime), Sample: g.Sample})
	}
	return out
}

func levelName(l analysis.Level) string {
	if l == analysis.LevelNone {
		return events.LevelNone
	}
	return string(l)
}

func levelCounts(m map[analysis.Level]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for l, n := range m {
		if n > 0 {
			out[levelName(l)] = n
		}
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
