package analysis

// Sibling templates. Some variables are plain words with no cue that they
// vary: the program in "chrome.exe - <*> open through proxy <*>", the user
// in "Accepted password for fztu from <*>", the package in "status unpacked
// liberror-perl:all <*>". Templates that are equal but for one position are
// siblings; once enough of them differ only there, that position is a
// variable: the first sibling takes "<*>" there and later messages join it.
// Fewer values are kept apart, as events that differ in one word usually are
// ("VM Paused", "VM Resumed" ...).
//
// How many values are enough depends on the context the siblings share:
// siblingLimit when at least minSiblingContext constant tokens besides the
// varying one, manySiblings when only one or two. Siblings that share no
// constant token ("isScreenOn <*>", "theDayChanged <*>") are never merged.
// The varying position may hold a constant word or a token with a variable
// inside ("liberror-perl:<*>", "<*>:all"), never a lone variable.
//
// When the new variable lands beside another, the two are one run of
// variables, which the masker would have collapsed: the merged template is
// then the shorter one ("status unpacked <*>" rather than "status unpacked
// <*> <*>"), found among the templates or made, so that the messages whose
// value the masker already took for a variable join the same template.
//
// A message may also join a template that already holds a variable where
// the siblings differ: "install <*> <<*>> <*>" made from a package name the
// masker took for a variable absorbs the later names that are plain words,
// while "install liberror-perl:all <<*>> <*>", made before it, stays apart.
// Such values count with the siblings, and once they are enough the
// siblings merge into the template that took the values.
//
// Siblings created before the merge keep their ids, so an error group never
// changes id within a file; Parse maps them to the merged template.

// siblingLimit is how many distinct values at one position make it a
// variable when the siblings share minSiblingContext constant tokens.
const siblingLimit = 5

// minSiblingContext is how many constant tokens siblings must share besides
// the varying one for siblingLimit values to make it a variable.
const minSiblingContext = 3

// manySiblings is how many distinct values make a position a variable when
// the siblings share only one or two constant tokens: short events differ
// in a word or two ("status installed", "status unpacked"), identifiers
// come in dozens.
const manySiblings = 12

// maxSiblingKeys bounds the index; past it, new templates are not indexed.
const maxSiblingKeys = 1 << 18

// siblingIndex maps "a template without position i" to the templates that
// share it.
type siblingIndex struct {
	groups  map[uint64]*siblingGroup
	merged  map[int32]int32 // sibling -> the template it was merged into
	scratch []token
}

type siblingGroup struct {
	members   []int32
	values    int   // messages with other values that joined a template with a variable at pos
	pos       int   // the position the members differ at
	limit     int   // members that make pos a variable
	rep       int32 // the merged template, -1 until merged
	collapsed bool  // rep is one token shorter: pos joined a run of variables
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

// siblingLimitAt returns how many siblings varying at position i make it a
// variable, or 0 when the position may not vary: it holds a lone variable,
// or nothing constant is left around it.
func siblingLimitAt(mk *masker, i, constants int) int {
	t := mk.toks[i]
	if t.flags&tfPure != 0 {
		return 0
	}
	context := constants
	if t.flags&tfHasVar == 0 {
		context--
	}
	switch {
	case context >= minSiblingContext:
		return siblingLimit
	case context >= 1 && t.flags&tfHasVar == 0 && isDottedWord(mk.out[t.off:t.end]):
		return dottedSiblings
	case context >= 1:
		return manySiblings
	}
	return 0
}

// dottedSiblings is how many distinct dotted names ("a.json", "b.log",
// "com.example.Foo") make a position a variable in a short context: such
// names are values, events are told apart by plain words.
const dottedSiblings = siblingLimit

// isDottedWord says whether a constant token is a dotted name: letters
// on both sides of an inner dot.
func isDottedWord(b []byte) bool {
	for i := 1; i+1 < len(b); i++ {
		if b[i] == '.' && isLetter(b[i-1]) && isLetter(b[i+1]) {
			return true
		}
	}
	return false
}

// joinSiblings places mk with its merged siblings, merging them when mk is
// the one value too many; it returns -1 when mk stays apart.
func (m *miner) joinSiblings(mk *masker) int32 {
	s := &m.siblings
	constants := constantTokens(mk)
	for i := range mk.toks {
		if siblingLimitAt(mk, i, constants) == 0 {
			continue
		}
		g := s.groups[siblingKey(mk, i)]
		if g == nil || (g.rep < 0 && len(g.members)+g.values+1 < g.limit) {
			continue
		}
		if g.rep < 0 {
			m.mergeSiblings(g)
		}
		toks := mk.toks
		if g.collapsed {
			s.scratch = append(append(s.scratch[:0], toks[:g.pos]...), toks[g.pos+1:]...)
			toks = s.scratch
		}
		m.clusters[g.rep].generalize(toks, mk.out)
		return g.rep
	}
	return -1
}

// mergeSiblings makes the group's position a variable: in its first
// template, or in the shorter template it becomes when the position joins a
// run of variables.
func (m *miner) mergeSiblings(g *siblingGroup) {
	s := &m.siblings
	first := m.clusters[g.members[0]]
	merged := append([]tmplTok(nil), first.toks...)
	merged[g.pos] = wildTok
	g.rep = g.members[0]
	if besideWild(merged, g.pos) {
		short := append(merged[:g.pos:g.pos], merged[g.pos+1:]...)
		if ci := m.templateFor(short); ci >= 0 {
			g.rep, g.collapsed = ci, true
		}
	}
	if !g.collapsed {
		first.toks, first.text = merged, ""
	}
	for _, ci := range g.members {
		if ci != g.rep {
			s.merged[ci] = g.rep
		}
	}
}

// observeValues counts, for the siblings of mk, the values mk brings to
// the positions where template ci, which mk joined, holds a variable; the
// siblings merge into ci once their values are enough.
func (m *miner) observeValues(mk *masker, ci int32) {
	s := &m.siblings
	c := m.clusters[ci]
	constants := -1
	for i, t := range mk.toks {
		if c.toks[i].flags&tfWild == 0 || t.flags&tfPure != 0 {
			continue
		}
		if constants < 0 {
			constants = constantTokens(mk)
		}
		if siblingLimitAt(mk, i, constants) == 0 {
			continue
		}
		g := s.groups[siblingKey(mk, i)]
		if g == nil || g.rep >= 0 {
			continue
		}
		if g.values++; len(g.members)+g.values >= g.limit {
			g.rep = ci
			for _, mi := range g.members {
				if mi != ci {
					s.merged[mi] = ci
				}
			}
		}
	}
}

// besideWild says whether position i of toks has a variable beside it.
func besideWild(toks []tmplTok, i int) bool {
	return i > 0 && toks[i-1].flags&tfWild != 0 || i+1 < len(toks) && toks[i+1].flags&tfWild != 0
}

// templateFor returns the template that toks fits, generalised to cover
// it, or a new template made of toks; -1 when the caps allow no new one.
func (m *miner) templateFor(toks []tmplTok) int32 {
	probe := make([]token, len(toks))
	for i, t := range toks {
		probe[i] = token{hash: t.hash, flags: t.flags}
	}
	key := leafKey{n: int32(len(toks))}
	if len(toks) > 0 {
		key.first = headKey([]byte(toks[0].text))
	}
	if best := m.bestInLeaf(m.leaves[key], probe, nil); best >= 0 {
		m.clusters[best].generalizeTmpl(toks)
		return best
	}
	c := &cluster{id: templateID([]byte(renderTokens(toks))), toks: toks}
	size := len(toks) * 96
	if len(m.clusters) >= m.max || m.bytes+size > maxTemplateBytes {
		return -1
	}
	m.bytes += size
	ci := int32(len(m.clusters))
	m.clusters = append(m.clusters, c)
	m.leaves[key] = append(m.leaves[key], ci)
	return ci
}

// addSiblings indexes a new template under each position that may vary.
func (s *siblingIndex) add(mk *masker, ci int32) {
	constants := constantTokens(mk)
	for i := range mk.toks {
		limit := siblingLimitAt(mk, i, constants)
		if limit == 0 || len(s.groups) >= maxSiblingKeys {
			continue
		}
		key := siblingKey(mk, i)
		g := s.groups[key]
		if g == nil {
			g = &siblingGroup{pos: i, limit: limit, rep: -1}
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
	for range len(s.merged) + 1 { // merges lead to older or shorter templates: no cycle, but stay bounded
		next, ok := s.merged[ci]
		if !ok {
			return ci
		}
		ci = next
	}
	return ci
}
