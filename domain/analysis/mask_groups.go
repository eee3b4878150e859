package analysis

// Bracketed groups with blanks. A group of plain words in brackets or
// parentheses ("[main thread]", "(a b c)") is one token, as written: split
// on its blanks it would give a template per length, and the tree, keyed by
// token count, never compares them. As one token it is a constant, so a
// group that never varies stays in the template, and groups that vary at
// one position of an event are siblings (miner_siblings.go), which merge
// once enough of them differ there. Whether the group is a variable is so
// decided by the file, not by the line: the words of one line do not tell
// a list from a name.
//
// As with runs of items, the miner joins groups only in messages it has not
// placed before, and in those it knows hold one: the masked text is the
// same either way, only the tokens differ, so a message masked like one
// placed before is joined, or not, as that one was.
//
// A group with a value in it, or words between commas, is left to the
// other rules: its values are masked, and a list is a run of items
// (mask_repeats.go).
//
// An unquoted key=value value inside a call's parentheses may hold blanks
// too ("Window(title=Main Window)"): when only words follow the blank, the
// token runs to the closing parenthesis, and the value is one variable, as
// a quoted one is.

// maxGroupTokens bounds the tokens a bracketed group may join.
const maxGroupTokens = 8

// joinWordGroups makes each bracketed group of constant tokens one token,
// and reports whether it found one.
func (m *masker) joinWordGroups() bool {
	found := false
	for k := 0; k+1 < len(m.toks); k++ {
		if c := m.msg[m.toks[k].raw.start]; c != '[' && c != '(' {
			continue
		}
		if j := m.wordGroupEnd(k); j > k {
			m.joinTokens(k, j)
			found = true
		}
	}
	return found
}

// wordGroupEnd returns the token that closes the group token k opens with
// '[' or '(', or -1 when the group holds a value, a list delimiter or
// another bracket.
func (m *masker) wordGroupEnd(k int) int {
	raw := m.rawTok(k)
	open := raw[0]
	if m.toks[k].flags&tfHasVar != 0 {
		return -1
	}
	cl := closer(open)
	if indexByte(raw[1:], open) >= 0 || indexByte(raw, cl) >= 0 {
		return -1
	}
	for j := k + 1; j < len(m.toks) && j < k+maxGroupTokens; j++ {
		if isListSep(raw[len(raw)-1]) {
			return -1 // a list between commas: a run of items, or not (mask_repeats.go)
		}
		raw = m.rawTok(j)
		if m.toks[j].flags&tfHasVar != 0 || indexByte(raw, open) >= 0 {
			return -1
		}
		if c := indexByte(raw, cl); c >= 0 {
			if !isPunctOnly(raw[c+1:]) {
				return -1
			}
			return j
		}
	}
	return -1
}

func (m *masker) rawTok(i int) []byte { return m.msg[m.toks[i].raw.start:m.toks[i].raw.end] }

// isPunctOnly matches what may follow a closing bracket in its token.
func isPunctOnly(b []byte) bool {
	for _, c := range b {
		if c != ',' && c != ';' && c != '.' && c != ':' {
			return false
		}
	}
	return true
}

// joinTokens makes the constant tokens [k, j] one token; in out they are
// already joined by single blanks.
func (m *masker) joinTokens(k, j int) {
	t := &m.toks[k]
	t.end, t.raw.end = m.toks[j].end, m.toks[j].raw.end
	t.flags, t.xi, t.run = 0, 0, 0
	m.toks = append(m.toks[:k+1], m.toks[j+1:]...)
}

// callValueEnd extends the token msg[pos:end] when it opens a call whose
// key=value value a blank interrupts ("Window(title=Main Window)"): the
// token then runs to the closing parenthesis and the punctuation glued to
// it. Only words may follow the blank: "(mc=e08x iar 0x1 lr 0x2)" and
// "(softheader=0x1 0x2)" hold fields and values, masked as usual.
func callValueEnd(msg []byte, pos, end int) int {
	tok := msg[pos:end]
	o := indexByte(tok, '(')
	if o < 0 || indexByte(tok[o:], ')') >= 0 {
		return end
	}
	eq := indexByte(tok[o:], '=')
	if eq < 0 || o+eq+1 >= len(tok) || !isLetter(tok[o+eq+1]) {
		return end // no value, or a quoted one (quotedValueEnd), or no word
	}
	c := groupEnd(msg, pos+o, '(', ')')
	if c <= end {
		return end
	}
	if classOf(msg[end:c-1])&^(clsLetter|clsBlank) != 0 {
		return end
	}
	e, _ := tokenEnd(msg, c)
	return e
}
