package domain

import (
	"sort"
	"unicode/utf8"

	"github.com/logproc/logproc/events"
)

// Chunk is what the analysis found in one chunk of a job's file, in the
// shape of the events it becomes.
type Chunk struct {
	Lines  events.LinesParsed
	Errors []events.ErrorGroup
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
// engine's own overflow group, into one overflow group that spans their
// lines and times; it cuts every sample at MaxSampleBytes.
func capGroups(gs []events.ErrorGroup) []events.ErrorGroup {
	out := make([]events.ErrorGroup, len(gs))
	for i, g := range gs {
		g.Sample = capSample(g.Sample)
		out[i] = g
	}
	if len(out) <= MaxGroupsPerEvent {
		return out
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	keep := make([]events.ErrorGroup, 0, MaxGroupsPerEvent)
	var over *events.ErrorGroup
	for _, g := range out {
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
			over.FirstTime, over.LastTime = earliest(over.FirstTime, g.FirstTime), latest(over.LastTime, g.LastTime)
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
