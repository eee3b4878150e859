package worker

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/analysis"
	"github.com/logproc/logproc/events"
)

// Plan implements Analyzer: the engine's parts of a plain-text file, as
// events number them. A file it cannot cut gives one part.
func (e *Engine) Plan(ctx context.Context, r io.Reader, size, partBytes int64, s domain.AnalysisSettings) ([]events.PartPlan, error) {
	parts, err := analysis.PlanParts(ctx, r, size, partBytes, e.options(s))
	if err != nil {
		return nil, engineError(err)
	}
	out := make([]events.PartPlan, len(parts))
	for i, p := range parts {
		out[i] = events.PartPlan{Part: i + 1, Offset: p.Offset, Length: p.Length, FirstLine: p.FirstLine}
	}
	return out, nil
}

// AnalyzePart implements Analyzer.
func (e *Engine) AnalyzePart(ctx context.Context, head, body io.Reader, p events.PartPlan, s domain.AnalysisSettings,
	emit func(domain.Chunk) error) (domain.PartResult, error) {
	part := analysis.Part{Offset: p.Offset, Length: p.Length, FirstLine: p.FirstLine}
	res, err := analysis.AnalyzePart(ctx, head, body, part, e.options(s), func(c *analysis.Chunk) error {
		chunk := chunkOf(c)
		chunk.Lines.Part = p.Part
		return emit(chunk)
	})
	if err != nil {
		return domain.PartResult{}, engineError(err)
	}
	sum := res.Summary
	out := domain.PartResult{Lines: sum.Lines, Entries: sum.Entries, Bytes: sum.Bytes, IPs: res.IPs}
	for _, g := range sum.ErrorGroups {
		out.Templates = append(out.Templates, events.GroupTemplate{ID: g.ID, Template: g.Template, FirstLine: g.FirstLine})
	}
	return out, nil
}

// Merge implements Analyzer: the engine joins the error groups the parts
// mined apart, and their distinct addresses.
func (e *Engine) Merge(templates []events.GroupTemplate, sketches [][]byte) (events.GroupsJoined, error) {
	in := make([]analysis.GroupTemplate, len(templates))
	for i, t := range templates {
		in[i] = analysis.GroupTemplate{ID: t.ID, Template: t.Template, FirstLine: t.FirstLine}
	}
	merged := analysis.MergeGroups(in)
	ips, err := analysis.MergeIPs(sketches)
	if err != nil {
		return events.GroupsJoined{}, err
	}
	byInto := map[string]*events.MergedGroup{}
	var out events.GroupsJoined
	for id, tmpl := range merged.Template {
		out.Groups = append(out.Groups, events.MergedGroup{ID: id, Template: tmpl})
	}
	for i := range out.Groups {
		byInto[out.Groups[i].ID] = &out.Groups[i]
	}
	for id, into := range merged.Into {
		if g := byInto[into]; g != nil && id != into {
			g.Joined = append(g.Joined, events.GroupCount{ID: id})
		}
	}
	sortMerged(out.Groups)
	out.DistinctIPs = ips
	return out, nil
}

func (e *Engine) options(s domain.AnalysisSettings) analysis.Options {
	opts := e.opts
	opts.ChunkLines, opts.AssumeYear = s.ChunkLines, s.Year
	return opts
}

// engineError gives input the engine refuses the code EUNSUPPORTED.
func engineError(err error) error {
	var inputErr *analysis.InputError
	if errors.As(err, &inputErr) {
		return domain.Wrap(err, domain.EUNSUPPORTED, inputErr.Reason)
	}
	return err
}

// sortMerged orders joined groups by id, and each one's joined ids, so the
// event is the same whatever order the maps gave.
func sortMerged(gs []events.MergedGroup) {
	slices.SortFunc(gs, func(a, b events.MergedGroup) int { return strings.Compare(a.ID, b.ID) })
	for _, g := range gs {
		slices.SortFunc(g.Joined, func(a, b events.GroupCount) int { return strings.Compare(a.ID, b.ID) })
	}
}
