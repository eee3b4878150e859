package analysis

import (
	"cmp"
	"slices"
	"strings"
)

// GroupTemplate is an error group of one part of a file: its id, its
// template as the part mined it, and the line it was first seen on.
type GroupTemplate struct {
	ID        string
	Template  string
	FirstLine int64
}

// MergeGroups maps the error groups that the parts of one file mined on
// their own to the groups one pass over the file would have made. A group's
// id is the id of the template it was first mined as, so two parts that
// first met one event in different words gave it different ids, and a part
// that met it only a few times may still show a word another part
// generalised to "<*>". Two groups join when their templates have as many
// tokens and one covers the other at every position: the same token, or a
// token holding "<*>" that matches the other's. A group joins the earliest
// group (by first line) it matches, as the single pass would have kept the
// id its first entry gave. Groups keyed by their exception (stack traces) are the same
// in every part and map to themselves.
//
// The result does not depend on the order of groups.
func MergeGroups(groups []GroupTemplate) Merged {
	sorted := slices.Clone(groups)
	slices.SortFunc(sorted, func(a, b GroupTemplate) int {
		return cmp.Or(cmp.Compare(a.FirstLine, b.FirstLine), strings.Compare(a.ID, b.ID))
	})
	m := Merged{Into: make(map[string]string, len(sorted)), Template: map[string]string{}}
	var heads []*mergeHead
	for _, g := range sorted {
		if _, done := m.Into[g.ID]; done {
			continue
		}
		if !mergeable(g.ID) {
			m.Into[g.ID] = g.ID
			continue
		}
		toks := strings.Fields(g.Template)
		if h := findHead(heads, toks); h != nil {
			m.Into[g.ID] = h.id
			h.absorb(toks)
			continue
		}
		m.Into[g.ID] = g.ID
		heads = append(heads, &mergeHead{id: g.ID, toks: toks})
	}
	for _, h := range heads {
		m.Template[h.id] = strings.Join(h.toks, " ")
	}
	return m
}

// Merged is how the error groups of a file's parts join.
type Merged struct {
	// Into maps every group id to the id of the group it joins: its own
	// for the first group of a joined set.
	Into map[string]string
	// Template is the template of each joined set of mined groups, by its
	// id: position by position the most general of its members'.
	Template map[string]string
}

// mergeable says whether a group's id comes from a mined template: the
// ids of stack traces (X...) and of the overflow group are the same in
// every part.
func mergeable(id string) bool { return strings.HasPrefix(id, "E") }

// mergeHead is the first group of a joined set, with the most general
// template of its members.
type mergeHead struct {
	id   string
	toks []string
}

func findHead(heads []*mergeHead, toks []string) *mergeHead {
	for _, h := range heads {
		if h.matches(toks) {
			return h
		}
	}
	return nil
}

// matches says whether one of the two templates covers the other at every
// position. Templates that are each more general somewhere (tty=<*> rhost=
// beside tty=NODEVssh rhost=<*>) are two events, as one pass finds them.
func (h *mergeHead) matches(toks []string) bool {
	return covers(h.toks, toks) || covers(toks, h.toks)
}

func covers(general, specific []string) bool {
	if len(general) != len(specific) {
		return false
	}
	for i, t := range specific {
		if !tokenCovers(general[i], t) {
			return false
		}
	}
	return true
}

// absorb keeps, position by position, the more general of two matching
// tokens, so later members are compared with what the set has become.
func (h *mergeHead) absorb(toks []string) {
	for i, t := range toks {
		if t != h.toks[i] && tokenCovers(t, h.toks[i]) {
			h.toks[i] = t
		}
	}
}

// tokenCovers says whether the template token general matches the token
// specific: equal, or general holds "<*>" and its other text matches
// specific around it ("blk_<*>" covers "blk_42" and "blk_<*>").
func tokenCovers(general, specific string) bool {
	if general == specific {
		return true
	}
	pieces := strings.Split(general, "<*>")
	if len(pieces) == 1 {
		return false
	}
	rest, ok := strings.CutPrefix(specific, pieces[0])
	if !ok {
		return false
	}
	last := pieces[len(pieces)-1]
	for _, p := range pieces[1 : len(pieces)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, last)
}
