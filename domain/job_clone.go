package domain

import (
	"maps"
	"slices"

	"github.com/logproc/logproc/events"
)

// clone returns a copy of the job that shares nothing a command or a fold
// changes in place: maps, the error groups they point to, and the parts.
// Update keeps one to go back to when the stream moved under a command.
func (j *Job) clone() *Job {
	c := *j
	c.Levels = maps.Clone(j.Levels)
	c.Keywords = maps.Clone(j.Keywords)
	c.Components = maps.Clone(j.Components)
	c.TopIPs = maps.Clone(j.TopIPs)
	c.Timeline = maps.Clone(j.Timeline) // a minute's Levels is never changed in place
	if j.Groups != nil {
		c.Groups = make(map[string]*events.ErrorGroup, len(j.Groups))
		for id, g := range j.Groups {
			cp := *g
			c.Groups[id] = &cp
		}
	}
	c.Parts = slices.Clone(j.Parts)
	c.dirtyGroups = maps.Clone(j.dirtyGroups)
	c.removedGroups = maps.Clone(j.removedGroups)
	c.dirtyMinutes = maps.Clone(j.dirtyMinutes)
	c.changes = slices.Clone(j.changes)
	return &c
}
