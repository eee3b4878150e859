package analysis

import (
	"sort"
	"strings"
	"time"
)

// groupSet accumulates error groups by id, for one chunk or a whole file.
type groupSet struct {
	m map[string]*groupAcc
}

// groupAcc is one group being accumulated; cluster names the template
// shown for it.
type groupAcc struct {
	g       ErrorGroup
	cluster int32
	level   levelCode
}

// errorKey identifies an entry's error group.
type errorKey struct {
	id, exception string
	cluster       int32
}

// overflowGroup is the id shared by signatures past Options.MaxErrorGroups.
const overflowGroup = "overflow"

// overflowTemplate describes the overflow group.
const overflowTemplate = "(error signatures past Options.MaxErrorGroups)"

// maxSample caps the raw entry kept as a group's sample.
const maxSample = 2 << 10

func newGroupSet() *groupSet { return &groupSet{m: make(map[string]*groupAcc)} }

// add counts entry e under key k.
func (s *groupSet) add(k errorKey, e *entry) {
	a := s.m[k.id]
	if a == nil {
		a = &groupAcc{cluster: k.cluster, g: ErrorGroup{ID: k.id, Exception: k.exception, FirstLine: e.firstLine,
			Sample: strings.ToValidUTF8(string(e.rawText()), "\uFFFD")}}
		s.m[k.id] = a
	}
	a.g.Count++
	a.g.LastLine = e.firstLine
	a.level = max(a.level, e.level)
	if e.hasTime {
		t := time.Unix(0, e.unixNano).UTC()
		if a.g.FirstTime.IsZero() {
			a.g.FirstTime = t
		}
		a.g.LastTime = t
	}
}

// merge adds another set's groups (of a later chunk) into s.
func (s *groupSet) merge(o *groupSet) {
	for id, b := range o.m {
		a := s.m[id]
		if a == nil {
			cp := *b
			s.m[id] = &cp
			continue
		}
		a.g.Count += b.g.Count
		a.g.LastLine = b.g.LastLine
		a.level = max(a.level, b.level)
		if a.g.FirstTime.IsZero() {
			a.g.FirstTime = b.g.FirstTime
		}
		if !b.g.LastTime.IsZero() {
			a.g.LastTime = b.g.LastTime
		}
	}
}

// list returns the groups with their current templates, most frequent
// first, then in order of appearance.
func (s *groupSet) list(m *miner) []ErrorGroup {
	out := make([]ErrorGroup, 0, len(s.m))
	for _, a := range s.m {
		g := a.g
		g.Level = a.level.Level()
		g.Template = overflowTemplate
		if a.cluster >= 0 {
			g.Template = m.clusters[a.cluster].template()
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].FirstLine < out[j].FirstLine
	})
	return out
}
