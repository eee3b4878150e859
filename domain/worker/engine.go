package worker

import (
	"context"
	"errors"
	"io"
	"sort"
	"time"
	"unicode/utf8"

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
func (e *Engine) Analyze(ctx context.Context, r io.Reader, s Settings, emit func(Chunk) error) error {
	opts := e.opts
	opts.ChunkLines, opts.AssumeYear = s.ChunkLines, s.Year
	_, err := analysis.Analyze(ctx, r, opts, func(c *analysis.Chunk) error { return emit(chunkOf(c)) })
	var inputErr *analysis.InputError
	if errors.As(err, &inputErr) {
		return domain.Wrap(err, domain.EUNSUPPORTED, inputErr.Reason)
	}
	return err
}

// chunkOf turns what the engine found in a chunk into the chunk's events.
func chunkOf(c *analysis.Chunk) Chunk {
	lp := events.LinesParsed{
		Chunk: c.Index, FirstLine: c.FirstLine, LastLine: c.LastLine,
		Lines: c.Lines, Entries: c.Entries, Bytes: c.Bytes, BytesRead: c.BytesRead,
		Levels: levelCounts(c.Levels), ErrorLike: c.ErrorLike, Truncated: c.Truncated,
		Format: c.Format, MinTime: timePtr(c.MinTime), MaxTime: timePtr(c.MaxTime),
		TimeAssumption: c.TimeAssumption, Keywords: c.Keywords, Components: c.Components,
		IPs: c.IPs, DistinctIPs: c.DistinctIPs,
	}
	for _, m := range c.Timeline {
		lp.Timeline = append(lp.Timeline, events.MinuteCount{Minute: m.Minute, Count: m.Count})
	}
	groups := make([]events.ErrorGroup, 0, len(c.ErrorGroups))
	for _, g := range c.ErrorGroups {
		groups = append(groups, events.ErrorGroup{ID: g.ID, Template: g.Template, Level: levelName(g.Level),
			Exception: g.Exception, Count: g.Count, FirstLine: g.FirstLine, LastLine: g.LastLine,
			FirstTime: timePtr(g.FirstTime), LastTime: timePtr(g.LastTime), Sample: capSample(g.Sample)})
	}
	return Chunk{Lines: lp, Errors: capGroups(groups)}
}

// Bounds on one ErrorsDetected event, so that a file of countless distinct
// errors cannot make events of megabytes.
const (
	// MaxGroupsPerEvent is how many groups one chunk's event lists; the
	// rest are counted together in the overflow group, so the job's error
	// count stays exact.
	MaxGroupsPerEvent = 500
	// MaxSampleBytes caps a group's sample.
	MaxSampleBytes = 1 << 10
	// OverflowGroup is the id of the group that counts the rest.
	OverflowGroup = "overflow"
)

// capGroups keeps the most frequent groups and folds the others, and the
// engine's own overflow group, into one overflow group.
func capGroups(gs []events.ErrorGroup) []events.ErrorGroup {
	if len(gs) <= MaxGroupsPerEvent {
		return gs
	}
	sort.SliceStable(gs, func(i, j int) bool { return gs[i].Count > gs[j].Count })
	keep := make([]events.ErrorGroup, 0, MaxGroupsPerEvent)
	var over *events.ErrorGroup
	for _, g := range gs {
		switch {
		case g.ID != OverflowGroup && len(keep) < MaxGroupsPerEvent-1:
			keep = append(keep, g)
		case over == nil:
			o := g
			o.ID, o.Template, o.Exception = OverflowGroup, "(other error signatures of this chunk)", ""
			over = &o
		default:
			over.Count += g.Count
			over.FirstLine, over.LastLine = min(over.FirstLine, g.FirstLine), max(over.LastLine, g.LastLine)
		}
	}
	return append(keep, *over)
}

// capSample cuts a sample at MaxSampleBytes, on a rune boundary.
func capSample(s string) string {
	if len(s) <= MaxSampleBytes {
		return s
	}
	cut := MaxSampleBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// LevelNone is how events name the entries without a level.
const LevelNone = "NONE"

func levelName(l analysis.Level) string {
	if l == analysis.LevelNone {
		return LevelNone
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
