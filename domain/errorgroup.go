package domain

import "github.com/logproc/logproc/events"

// mergeGroup adds what a chunk saw of an error group to what the job saw of
// it. Chunks come in file order, so the first chunk's sample and first line
// stay, while the template takes the latest, most general form.
func mergeGroup(g *events.ErrorGroup, c events.ErrorGroup) {
	if g.Count == 0 {
		g.FirstLine, g.Sample, g.Exception = c.FirstLine, c.Sample, c.Exception
	}
	g.Count += c.Count
	g.Template, g.Level = c.Template, c.Level
	g.FirstLine = min(g.FirstLine, c.FirstLine)
	g.LastLine = max(g.LastLine, c.LastLine)
	g.FirstTime, g.LastTime = earliest(g.FirstTime, c.FirstTime), latest(g.LastTime, c.LastTime)
}
