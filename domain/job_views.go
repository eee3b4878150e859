package domain

import (
	"maps"
	"sort"
	"time"

	"github.com/logproc/logproc/events"
)

// TopGroups returns up to limit of the job's error groups, most frequent
// first and then by id: the order the read model serves them in.
func (j *Job) TopGroups(limit int) []events.ErrorGroup {
	out := make([]events.ErrorGroup, 0, len(j.Groups))
	for _, g := range j.Groups {
		out = append(out, *g)
	}
	sort.Slice(out, func(a, b int) bool {
		if out[a].Count != out[b].Count {
			return out[a].Count > out[b].Count
		}
		return out[a].ID < out[b].ID
	})
	return out[:min(len(out), max(limit, 0))]
}

// Minutes returns up to limit minutes of the job's timeline in time order:
// the latest ones, or the earliest ones when earliest is set.
func (j *Job) Minutes(limit int, earliest bool) []events.MinuteCount {
	out := make([]events.MinuteCount, 0, len(j.Timeline))
	for m, n := range j.Timeline {
		out = append(out, events.MinuteCount{Minute: time.Unix(m, 0).UTC(), Count: n.Count, Levels: maps.Clone(n.Levels)})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Minute.Before(out[b].Minute) })
	limit = min(len(out), max(limit, 0))
	if earliest {
		return out[:limit]
	}
	return out[len(out)-limit:]
}
