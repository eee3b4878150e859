package analysis

import "bytes"

// Repeated items. A message may list items whose number varies from line to
// line: "status: disk1 up disk2 up disk3 down", "got 1, 2, 3 items",
// "members [7 9 12]". Masking alone gives one template per length, and the
// tree, keyed by token count, never compares them. So a run of two or more
// items of one shape becomes one variable, whose expansion keeps the items:
// a template whose messages always held the same items shows them as before.
//
// An item is one to maxItemTokens tokens. Tokens have the same shape when
// they are both plain words, or both the same masked text once an opening
// bracket and closing punctuation are set aside ("<*>," and "<*>)"). What
// makes a run of items, and not fields that happen to alternate:
//
//   - every item holds a value, or the items are plain words that commas or
//     semicolons separate, at least three of them ("a, b, c") or two in
//     brackets ("(a, b)");
//   - a word that differs from item to item follows a value that names
//     something ("disk1 up disk2 down"): it never precedes it ("pid 12 uid
//     0" names its fields) nor follows a number ("3 errors 2 warnings",
//     "5 took 7 us" count things); and the run takes whole items up to
//     both of its ends: in "node disk1 up disk2 down" the word before the
//     run makes it ambiguous;
//   - punctuation is the same in every item, the last one aside, and only
//     the first item may open a bracket;
//   - something outside the run remains.
//
// Plain words with nothing between them ("members a b c" and "members a b")
// are never items: nothing tells them from the words of a sentence.
//
// The miner collapses runs only in messages it has not placed before (and in
// those it knows have a run), so the cost falls on new messages. Whether a
// value is a number is not in the masked text: a message masked like one
// placed before is collapsed, or not, as that one was.

// maxItemTokens bounds the tokens of one item.
const maxItemTokens = 3

// minWordItems is how many plain words a list must hold to be one.
const minWordItems = 3

// Kinds of item shape.
const (
	shapeWord  uint8 = iota // a plain word: letters, '-', '_'
	shapeConst              // another constant token, compared by its text
	shapeValue              // a token with a variable, compared by its text
)

// itemShape is how a token looks as part of an item.
type itemShape struct {
	core   span // in out: the token without an opening bracket and closing punctuation
	suffix span // the closing punctuation
	kind   uint8
	open   bool // the token starts with an opening bracket
}

// collapseRepeats replaces every run of repeated items in the masked
// message by one variable, and reports whether it found one.
func (m *masker) collapseRepeats() bool {
	if len(m.toks) < 3 {
		return false
	}
	found := false
	m.itemShapes()
	for p := 1; p <= maxItemTokens; p++ {
		for from := 0; ; {
			s, e := m.nextRepeat(p, from)
			if s < 0 {
				break
			}
			m.collapseItems(s, e)
			m.itemShapes()
			found, from = true, s+1
		}
	}
	return found
}

// itemShapes fills m.shapes for the tokens of the message.
func (m *masker) itemShapes() {
	m.shapes = m.shapes[:0]
	for i := range m.toks {
		t := &m.toks[i]
		text := m.out[t.off:t.end]
		sh := itemShape{kind: shapeConst}
		s, e := 0, len(text)
		if e > 1 && (text[0] == '(' || text[0] == '[' || text[0] == '{') {
			s, sh.open = 1, true
		}
		for e > s && isItemClose(text[e-1]) {
			e--
		}
		if e == s {
			s, e, sh.open = 0, len(text), false // punctuation only: compared whole
		}
		sh.core = span{t.off + int32(s), t.off + int32(e)}
		sh.suffix = span{t.off + int32(e), t.end}
		switch {
		case t.flags&tfHasVar != 0:
			sh.kind = shapeValue
		case isPlainWord(text[s:e]):
			sh.kind = shapeWord
		}
		m.shapes = append(m.shapes, sh)
	}
}

// isItemClose matches punctuation that closes an item: a bracket, a list
// delimiter or a full stop. Not '>', which ends "<*>", nor ':', which ends a
// key.
func isItemClose(c byte) bool {
	switch c {
	case ')', ']', '}', ',', ';', '.':
		return true
	}
	return false
}

func isPlainWord(b []byte) bool {
	for _, c := range b {
		if !isLetter(c) && c != '-' && c != '_' {
			return false
		}
	}
	return len(b) > 0
}

// sameItemShape says whether tokens i and j have the same shape.
func (m *masker) sameItemShape(i, j int) bool {
	a, b := &m.shapes[i], &m.shapes[j]
	return a.kind == b.kind && (a.kind == shapeWord || bytes.Equal(m.spanOut(a.core), m.spanOut(b.core)))
}

func (m *masker) spanOut(s span) []byte { return m.out[s.start:s.end] }

// nextRepeat finds the first run of items of p tokens that starts at or
// after token from: its tokens [s, e), or -1, -1. It looks at each stretch
// where the shapes repeat with period p.
func (m *masker) nextRepeat(p, from int) (int, int) {
	n := len(m.toks)
	for j := from + p; j < n; {
		if !m.sameItemShape(j, j-p) {
			j++
			continue
		}
		start := j - p
		for j < n && m.sameItemShape(j, j-p) {
			j++
		}
		if s, e := m.runWithin(start, j, p); s >= 0 {
			return s, e
		}
	}
	return -1, -1
}

// runWithin returns the run of whole items of p tokens that the stretch of
// tokens [rs, re) holds, or -1, -1. A stretch that is not a whole number of
// items may still hold a run whose items agree on their words.
func (m *masker) runWithin(rs, re, p int) (int, int) {
	if p == 1 && m.shapes[rs].kind == shapeWord {
		rs, re = m.wordList(rs, re)
	}
	rem := (re - rs) % p
	for x := 0; x <= rem; x++ {
		s, e := rs+x, re-(rem-x)
		if e-s >= 2*p && m.isRun(s, e, p, rem == 0) {
			return s, e
		}
	}
	return -1, -1
}

// wordList returns the list that a stretch of plain words [rs, re) holds:
// from its first word closed by a list delimiter to the word after the
// last; an empty stretch when it holds none.
func (m *masker) wordList(rs, re int) (int, int) {
	s := rs
	for s < re && !m.isListItem(s) {
		s++
	}
	e := s
	for e < re && m.isListItem(e) {
		e++
	}
	return s, min(e+1, re)
}

// isListItem says whether token i ends with a list delimiter.
func (m *masker) isListItem(i int) bool {
	sep := m.spanOut(m.shapes[i].suffix)
	return len(sep) == 1 && isListSep(sep[0])
}

func isListSep(c byte) bool { return c == ',' || c == ';' }

// isRun says whether tokens [s, e), of one shape every p tokens, are a run
// of items; whole says they are all the stretch of that shape.
func (m *masker) isRun(s, e, p int, whole bool) bool {
	if s == 0 && e == len(m.toks) {
		return false // nothing would be left to tell the event by
	}
	items := (e - s) / p
	hasValue := false
	for j := range p {
		switch m.shapes[s+j].kind {
		case shapeValue:
			hasValue = true
		case shapeWord:
			if p > 1 && !m.sameWords(s+j, e, p) && (!whole || m.shapes[s].kind != shapeValue || !m.namesAt(s, e, p)) {
				return false // a word that varies names the value after it, counts the one before, or the run's ends are unclear
			}
		}
	}
	if !m.samePunctuation(s, e, p) {
		return false
	}
	switch {
	case p > 1:
		return hasValue
	case hasValue:
		// lone values the masker left apart are fields ("<none> <*>"), not a list
		return m.isListItem(s) || m.isBracketed(s, e)
	}
	return m.isListItem(s) && (items >= minWordItems || m.isBracketed(s, e))
}

// isBracketed says whether tokens [s, e) open a bracket and close it.
func (m *masker) isBracketed(s, e int) bool {
	if !m.shapes[s].open {
		return false
	}
	suffix := m.spanOut(m.shapes[e-1].suffix)
	return indexByte(suffix, closer(m.out[m.toks[s].off])) >= 0
}

// namesAt says whether no token at s and every p tokens after it, up to e,
// is a number: items are named things ("disk1 up"), where a number
// before a word counts it ("3 errors 2 warnings", "5 took 7 us").
func (m *masker) namesAt(s, e, p int) bool {
	for k := s; k < e; k += p {
		raw := m.msg[m.toks[k].raw.start:m.toks[k].raw.end]
		ps, pe := punctBounds(raw)
		if isNumber(raw[ps:pe]) {
			return false
		}
	}
	return true
}

// sameWords says whether the words at token i and every p tokens after it,
// up to e, are equal.
func (m *masker) sameWords(i, e, p int) bool {
	first := m.spanOut(m.shapes[i].core)
	for k := i + p; k < e; k += p {
		if !bytes.Equal(m.spanOut(m.shapes[k].core), first) {
			return false
		}
	}
	return true
}

// samePunctuation says whether the items of tokens [s, e) close alike, the
// last token aside, and open no bracket after the first token.
func (m *masker) samePunctuation(s, e, p int) bool {
	for i := s + 1; i < e; i++ {
		if m.shapes[i].open {
			return false
		}
		if i == e-1 {
			break
		}
		if !bytes.Equal(m.spanOut(m.shapes[i].suffix), m.spanOut(m.shapes[s+(i-s)%p].suffix)) {
			return false
		}
	}
	return true
}

// collapseItems replaces tokens [s, e) by one variable with the first
// token's opening bracket and the last token's closing punctuation; its
// expansion is the tokens as they were.
func (m *masker) collapseItems(s, e int) {
	first, last := m.toks[s], m.toks[e-1]
	x := int32(len(m.exps))
	for i := s; i < e; i++ {
		if i > s {
			m.exps = append(m.exps, ' ')
		}
		m.appendExp(&m.toks[i])
	}
	text := m.scratch[:0]
	if m.shapes[s].open {
		text = append(text, m.out[first.off])
	}
	text = append(text, wildcard...)
	text = append(text, m.spanOut(m.shapes[e-1].suffix)...)
	m.scratch = text
	// text is never longer than the tokens it replaces, whose cores hold a
	// byte each and a blank between them: it is written in place
	n := copy(m.out[first.off:], text)
	tail := copy(m.out[first.off+int32(n):], m.out[last.end:])
	m.out = m.out[:int(first.off)+n+tail]
	shift := last.end - (first.off + int32(n))

	t := &m.toks[s]
	t.end, t.raw.end, t.run = first.off+int32(n), last.raw.end, 0
	t.flags = tfPure | tfHasVar
	if len(text) == len(wildcard) {
		t.flags |= tfWild
	}
	m.setExp(t, x)
	m.toks = append(m.toks[:s+1], m.toks[e:]...)
	for i := s + 1; i < len(m.toks); i++ {
		m.toks[i].off -= shift
		m.toks[i].end -= shift
	}
	m.anyExp = true
}
