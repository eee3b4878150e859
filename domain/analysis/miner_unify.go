package analysis

import "strings"

// Unifying templates once a file is mined. Online, one event can end in
// several templates that differ only in their variables: a value the masker
// took for a word in the first message and for a variable later ("remove
// cowsay:<*> <*>" and "remove <*> <*> <*>"), or a run of values that a merge
// collapsed ("status <*> <*>" and "status <*> <*> <*>"). Parse, which reads
// the file twice, joins templates whose constant tokens are the same, in the
// same order, with variables in the same places; a token that holds a
// variable counts as a variable, and a run of variables as one.

// unifiedRoot is the template a mined template ends in once unified.
type unifiedRoot struct {
	rep  int32 // the template whose id the group takes: the one with most messages
	text string
}

// unifiedRoots maps every template that no sibling merge replaced to the
// template of its group.
func (m *miner) unifiedRoots() map[int32]unifiedRoot {
	counts := make(map[int32]int64)
	for i, c := range m.clusters {
		counts[m.siblings.final(int32(i))] += c.count
	}
	groups := make(map[string][]int32)
	var keys []string
	for r := range m.clusters {
		ri := int32(r)
		if m.siblings.final(ri) != ri {
			continue
		}
		k := skeletonKey(m.clusters[ri].template())
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], ri)
	}
	out := make(map[int32]unifiedRoot, len(m.clusters))
	for _, k := range keys {
		members := groups[k]
		rep := members[0]
		for _, r := range members[1:] {
			if counts[r] > counts[rep] {
				rep = r
			}
		}
		u := unifiedRoot{rep: rep, text: m.groupText(rep, members)}
		for _, r := range members {
			out[r] = u
		}
	}
	return out
}

// skeletonKey names a template by the text it shows, its variables aside:
// a field that holds only variables and punctuation ("<*>", "<*>:<*>",
// "(<*>)") is a variable, and a run of them one variable. Fields with a
// word ("uid=<*>", "onExtend:<*>") and constants shown for values that never
// varied stay as they are.
func skeletonKey(text string) string {
	var b strings.Builder
	wild := false
	fields := strings.Split(text, " ")
	if k := processPrefix(fields); k > 0 {
		fields[k-1], fields = wildcard, fields[k-1:]
	}
	for _, f := range fields {
		if isVariableField(f) {
			if !wild {
				b.WriteString("\x00 ")
			}
			wild = true
			continue
		}
		wild = false
		b.WriteString(f)
		b.WriteByte(' ')
	}
	return b.String()
}

// maxPrefixFields bounds the fields a process prefix may take.
const maxPrefixFields = 5

// processPrefix returns how many fields a process prefix takes at the head
// of a template: the fields up to one ending in "[<*>]:", the program
// and its pid ("<*> Google Chrome Helper[<*>]: ..."), which a header was not
// read for; 0 without one. Its words vary as program names do.
func processPrefix(fields []string) int {
	for k := 0; k < len(fields)-1 && k < maxPrefixFields; k++ {
		if strings.HasSuffix(fields[k], "["+wildcard+"]:") {
			return k + 1
		}
	}
	return 0
}

// isVariableField says whether a field of a template holds a variable and
// nothing but punctuation besides.
func isVariableField(f string) bool {
	rest := strings.ReplaceAll(f, wildcard, "")
	if len(rest) == len(f) {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if isNameByte(rest[i]) {
			return false
		}
	}
	return true
}

// groupText is the text of the template rep once the members of its group,
// those with as many tokens, are folded in: where they show different
// tokens it shows a variable, with the punctuation they share.
func (m *miner) groupText(rep int32, members []int32) string {
	text := m.clusters[rep].template()
	if len(members) == 1 {
		return text
	}
	fields := strings.Split(text, " ")
	for _, r := range members {
		if r == rep {
			continue
		}
		other := strings.Split(m.clusters[r].template(), " ")
		if len(other) != len(fields) {
			continue
		}
		for i, f := range other {
			if f != fields[i] {
				fields[i] = wildWithPunct(tmplTok{text: fields[i]}, f).text
			}
		}
	}
	return strings.Join(fields, " ")
}

// templateCount counts the templates of the file once merged and unified.
func (m *miner) templateCount() int {
	reps := make(map[int32]struct{})
	for _, u := range m.unifiedRoots() {
		reps[u.rep] = struct{}{}
	}
	return len(reps)
}
