package domain

import (
	"time"

	"github.com/logproc/logproc/events"
)

// ErrorGroup is one error signature of a job: the entries at ERROR or FATAL,
// or carrying a stack trace, that share a template.
type ErrorGroup struct {
	ID        string     `json:"id"`
	Template  string     `json:"template"`
	Level     string     `json:"level"`
	Exception string     `json:"exception,omitempty"`
	Count     int64      `json:"count"`
	FirstLine int64      `json:"first_line"`
	LastLine  int64      `json:"last_line"`
	FirstTime *time.Time `json:"first_time,omitempty"`
	LastTime  *time.Time `json:"last_time,omitempty"`
	Sample    string     `json:"sample"`
}

// Merge adds what a chunk saw of the group. Chunks come in file order, so the
// first chunk's sample and first line stay, while the template takes the
// latest, most general form.
func (g *ErrorGroup) Merge(c events.ErrorGroup) {
	if g.Count == 0 {
		g.FirstLine, g.Sample, g.Exception = c.FirstLine, c.Sample, c.Exception
	}
	g.Count += c.Count
	g.Template, g.Level = c.Template, c.Level
	g.FirstLine = min(g.FirstLine, c.FirstLine)
	g.LastLine = max(g.LastLine, c.LastLine)
	g.FirstTime, g.LastTime = earliest(g.FirstTime, c.FirstTime), latest(g.LastTime, c.LastTime)
}
