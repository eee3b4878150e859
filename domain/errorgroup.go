package domain

import "github.com/logproc/logproc/events"

// mergeGroup adds what a chunk saw of an error group to what the job saw of
// it. The sample, exception and first line are those of the earliest entry,
// whatever order chunks come in (the parts of a job record theirs side by
// side); the template takes the latest, most general form (a job's parts
// end with the whole file's, GroupsJoined); the level is the most severe.
func mergeGroup(g *events.ErrorGroup, c events.ErrorGroup) {
	if g.Count == 0 || c.FirstLine < g.FirstLine {
		g.FirstLine, g.Sample, g.Exception = c.FirstLine, c.Sample, c.Exception
	}
	g.Count += c.Count
	g.Template, g.Level = c.Template, severest(g.Level, c.Level)
	g.LastLine = max(g.LastLine, c.LastLine)
	g.FirstTime, g.LastTime = earliest(g.FirstTime, c.FirstTime), latest(g.LastTime, c.LastTime)
}

// joinGroup adds a whole group into the group it joins, which keeps its
// own id and template.
func joinGroup(into *events.ErrorGroup, g events.ErrorGroup) {
	id, template := into.ID, into.Template
	mergeGroup(into, g)
	into.ID, into.Template = id, template
}

// levelRank orders the levels an error group may have.
var levelRank = map[string]int{events.LevelNone: 0, "TRACE": 1, "DEBUG": 2, "INFO": 3, "WARN": 4, "ERROR": 5, "FATAL": 6}

// severest returns the more severe of two levels.
func severest(a, b string) string {
	if levelRank[b] > levelRank[a] {
		return b
	}
	return a
}
