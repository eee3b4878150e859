package analysis

// Sibling templates. Some variables are plain words with no cue that they
// vary: the program in "chrome.exe - <*> open through proxy <*>", the user
// in "Accepted password for fztu from <*>". Templates that are equal but
// for one position are siblings; once siblingLimit of them differ only
// there, that position is a variable: the first sibling takes "<*>" there
// and later messages join it. Fewer values are kept apart, as events that
// differ in one word usually are ("VM Paused", "VM Resumed" ...).
//
// Siblings created before the merge keep their ids, so an error group never
// changes id within a file; Parse maps them to the merged template.

// siblingLimit is how many distinct words at one position make it a
// variable.
const siblingLimit = 5

// minSiblingContext is how many constant tokens siblings must share besides
// the varying one: "isScreenOn <*>" and "theDayChanged <*>" share nothing
// but a variable and are not siblings.
const minSiblingContext = 3

// maxSiblingKeys bounds the index; past it, new templates are not indexed.
const maxSiblingKeys = 1 << 18

// siblingIndex maps "a template without position i" to the templates that
// share it.
type siblingIndex struct {
	groups map[uint64]*siblingGroup
	merged map[int32]int32 // sibling -> the template it was merged into
}

type siblingGroup struct {
	members []int32
	pos     int   // the position the members differ at
	rep     int32 // the merged template, -1 until merged
}

func newSiblingIndex() siblingIndex {
	return siblingIndex{groups: make(map[uint64]*siblingGroup), merged: make(map[int32]int32)}
}

// siblingKey hashes the tokens of mk except position i.
func siblingKey(mk *masker, i int) uint64 {
	h := uint64(fnvOffset) ^ uint64(len(mk.toks))<<8 ^ uint64(i)
	for j, t := range mk.toks {
		if j != i {
			h = (h ^ t.hash) * fnvPrime
		}
	}
	return h
}

// join places mk with its merged siblings, merging them when mk is the
// one word too many; it returns -1 when mk stays apart.
func (s *siblingIndex) join(mk *masker, clusters []*cluster) int32 {
	if constantTokens(mk) <= minSiblingContext {
		return -1
	}
	for i, t := range mk.toks {
		if t.flags&tfHasVar != 0 {
			continue
		}
		g := s.groups[siblingKey(mk, i)]
		if g == nil || (g.rep < 0 && len(g.members)+1 < siblingLimit) {
			continue
		}
		if g.rep < 0 {
			s.merge(g, clusters)
		}
		clusters[g.rep].generalize(mk.toks, mk.out)
		return g.rep
	}
	return -1
}

// merge makes the group's first template the variable one.
func (s *siblingIndex) merge(g *siblingGroup, clusters []*cluster) {
	g.rep = g.members[0]
	c := clusters[g.rep]
	c.toks[g.pos] = wildTok
	c.text = ""
	for _, m := range g.members[1:] {
		s.merged[m] = g.rep
	}
}

// add indexes a new template under each of its constant positions.
func (s *siblingIndex) add(mk *masker, ci int32) {
	if constantTokens(mk) <= minSiblingContext {
		return
	}
	for i, t := range mk.toks {
		if t.flags&tfHasVar != 0 || len(s.groups) >= maxSiblingKeys {
			continue
		}
		key := siblingKey(mk, i)
		g := s.groups[key]
		if g == nil {
			g = &siblingGroup{pos: i, rep: -1}
			s.groups[key] = g
		}
		g.members = append(g.members, ci)
	}
}

// constantTokens counts the tokens of mk that hold no variable.
func constantTokens(mk *masker) int {
	n := 0
	for _, t := range mk.toks {
		if t.flags&tfHasVar == 0 {
			n++
		}
	}
	return n
}

// final returns the template a cluster ends up in.
func (s *siblingIndex) final(ci int32) int32 {
	for {
		next, ok := s.merged[ci]
		if !ok {
			return ci
		}
		ci = next
	}
}
