package analysis

// maskDates masks month and weekday names that sit beside a variable, as
// in "at Fri Jun 17 20:55:07 2005", then collapses the runs they make.
func (m *masker) maskDates(msg []byte) {
	changed := false
	for i := range m.toks {
		if m.isWordBesideVar(msg, i, monthWords, true) {
			m.toks[i].flags, changed = tfWild|tfPure|tfHasVar|tfDate, true
		}
	}
	for i := range m.toks {
		if m.isWordBesideVar(msg, i, weekdayWords, false) || m.isZoneAfterVar(msg, i) {
			m.toks[i].flags, changed = tfWild|tfPure|tfHasVar|tfDate, true
		}
	}
	if changed {
		m.rebuild(msg)
	}
}

// isZoneAfterVar says whether token i is a time zone in capitals ("UTC",
// "PDT") after a variable: the end of a date.
func (m *masker) isZoneAfterVar(msg []byte, i int) bool {
	t := m.toks[i]
	if i == 0 || t.flags&tfHasVar != 0 || !m.startsWithVar(i-1, false) {
		return false
	}
	raw := msg[t.raw.start:t.raw.end]
	for len(raw) > 0 && isClosePunct(raw[len(raw)-1]) {
		raw = raw[:len(raw)-1]
	}
	for _, c := range raw {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return zoneWords.has(raw)
}

// isWordBesideVar says whether token i is a word of the list followed by a
// variable (or, when before is true, preceded by one).
func (m *masker) isWordBesideVar(msg []byte, i int, words *vocab, before bool) bool {
	t := m.toks[i]
	if t.flags&tfHasVar != 0 || t.raw.end-t.raw.start > maxVocab+1 {
		return false
	}
	beside := i+1 < len(m.toks) && m.startsWithVar(i+1, !before) || before && i > 0 && m.startsWithVar(i-1, false)
	if !beside {
		return false
	}
	raw := msg[t.raw.start:t.raw.end]
	for len(raw) > 0 && raw[len(raw)-1] == ',' {
		raw = raw[:len(raw)-1]
	}
	return len(raw) >= 3 && isLetter(raw[0]) && words.has(raw)
}

// startsWithVar says whether token i is a variable (exactly, when exact is
// set) or begins with one.
func (m *masker) startsWithVar(i int, exact bool) bool {
	t := m.toks[i]
	if t.flags&tfWild != 0 {
		return true
	}
	return !exact && hasPrefix(m.out[t.off:t.end], wildcard)
}

// rebuild writes out again after dates turned words into variables,
// collapsing the runs of variables they form.
func (m *masker) rebuild(msg []byte) {
	m.scratch = append(m.scratch[:0], m.out...)
	toks := m.toks
	m.out, m.toks = m.out[:0], toks[:0]
	for _, t := range toks {
		text := m.scratch[t.off:t.end]
		if t.flags&tfDate != 0 {
			text = wildcardBytes
			raw := msg[t.raw.start:t.raw.end]
			m.varKeywords(raw, classOf(raw))
		}
		if n := len(m.toks); t.flags&tfWild != 0 && n > 0 && m.toks[n-1].flags&tfWild != 0 {
			prev := &m.toks[n-1]
			prev.flags |= tfOneValue // a date, whole
			prev.xi, prev.run, prev.raw.end = 0, 0, t.raw.end
			continue
		}
		if len(m.out) > 0 {
			m.out = append(m.out, ' ')
		}
		off := len(m.out)
		m.out = append(m.out, text...)
		t.off, t.end = int32(off), int32(len(m.out))
		m.toks = append(m.toks, t)
	}
}
