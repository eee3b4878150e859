package analysis

// Runs of variables. The masker collapses a run of values into one "<*>" so
// that lists of varying length do not split templates ("1 2 3" and "1 2"
// give the same tokens). What a template shows is decided later, once the
// template has seen its messages: a run that always held the same number of
// values shows one "<*>" per value ("REPORT : <*> <*> <*> <*>"), one whose
// length varied shows one "<*>". So every collapsed token keeps its
// expansion, the token with one "<*>" per value; the miner compares them.
//
// Some runs are one value: a date and a time ("2024-03-05 14:02:11 UTC"),
// a number and the unit that follows it. Those are never expanded.

// expPatch replaces, in a token's text, the collapsed region out[start:end]
// by its expansion exps[x.start:x.end].
type expPatch struct {
	start, end int32
	x          span
}

// isListDelim separates the values of an inner list: "7##12##9", "3,0,93",
// "a|1|2". Other delimiters (".", ":", "/", "-") join parts of one value:
// a version, a time, a date.
func isListDelim(c byte) bool { return c == ',' || c == '#' || c == '|' || c == ';' }

// noteInnerList records the expansion of core, masked from out[start:] into
// one variable, when its values are separated by list delimiters.
func (m *masker) noteInnerList(core []byte, start int) {
	if !hasListDelim(core) {
		return
	}
	x := int32(len(m.exps))
	lists := false
	for i := 0; i < len(core); {
		if isListDelim(core[i]) {
			m.exps = append(m.exps, core[i])
			lists = true
			i++
			continue
		}
		j := i
		digits := false
		for j < len(core) && !isListDelim(core[j]) {
			digits = digits || isDigit(core[j])
			j++
		}
		if digits && !isNameWithDigit(core[i:j]) {
			m.exps = append(m.exps, wildcard...)
		} else {
			m.exps = append(m.exps, core[i:j]...)
		}
		i = j
	}
	if !lists {
		m.exps = m.exps[:x]
		return
	}
	m.pending = append(m.pending, expPatch{start: int32(start), end: int32(len(m.out)), x: span{x, int32(len(m.exps))}})
}

func hasListDelim(b []byte) bool {
	for _, c := range b {
		if isListDelim(c) {
			return true
		}
	}
	return false
}

// applyPatches gives t the expansion its pending patches describe.
func (m *masker) applyPatches(t *token) {
	x := int32(len(m.exps))
	at := t.off
	for _, p := range m.pending {
		m.exps = append(m.exps, m.out[at:p.start]...)
		m.exps = append(m.exps, m.exps[p.x.start:p.x.end]...)
		at = p.end
	}
	m.exps = append(m.exps, m.out[at:t.end]...)
	m.setExp(t, x)
	m.pending = m.pending[:0]
	m.anyExp = true
}

// setExp gives t the expansion written in exps from x on.
func (m *masker) setExp(t *token, x int32) {
	m.expList = append(m.expList, span{x, int32(len(m.exps))})
	t.xi = uint16(len(m.expList))
}

// expOf returns the expansion of a token with a list.
func (m *masker) expOf(t *token) []byte {
	s := m.expList[t.xi-1]
	return m.exps[s.start:s.end]
}

// appendExp appends the expansion of t: its list, its run, or its text.
func (m *masker) appendExp(t *token) {
	switch {
	case t.xi > 0:
		m.exps = append(m.exps, m.expOf(t)...)
	case t.run > 1:
		m.exps = appendRun(m.exps, int(t.run))
	default:
		m.exps = append(m.exps, m.out[t.off:t.end]...)
	}
}

// appendRun appends n variables separated by blanks.
func appendRun(b []byte, n int) []byte {
	for i := range n {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, wildcard...)
	}
	return b
}

// values is how many values t stands for.
func (t *token) values() int {
	if t.run > 1 {
		return int(t.run)
	}
	return 1
}

// joinsPrevious folds t, the token just written at the end of out, into
// prev when the two are one run or one value; it then truncates out to
// prev's end and reports true.
func (m *masker) joinsPrevious(prev, t *token) bool {
	if prev.flags&tfHasVar == 0 || t.flags&(tfHasVar|tfUnit) == 0 {
		return false // the common case: a word before or after
	}
	switch {
	case prev.flags&tfWild != 0 && t.flags&tfWild != 0:
		m.extendRun(prev, t)
	case prev.flags&tfWild != 0 && t.flags&tfPure != 0 && m.isDateTime(prev, t):
		// "2017-05-16 06:00:00." is one value: "<*>."
		text := m.out[t.off:t.end]
		m.out = append(m.out[:prev.off], text...)
		prev.end, prev.flags = int32(len(m.out)), t.flags|tfOneValue
		prev.raw.end, prev.xi, prev.run = t.raw.end, 0, 0
		return true
	case m.isSizeUnitAfterNumber(prev, t) || m.isProtocolAfterVar(prev, t):
		// "GET /index.html HTTP/1.1" requests one resource: "GET <*>";
		// "5.2 KB," is one size: "<*>,"
		_, pe := punctBounds(m.msg[t.raw.start:t.raw.end])
		suffix := m.msg[t.raw.start+int32(pe) : t.raw.end]
		m.out = append(m.out[:prev.end], suffix...)
		prev.end, prev.raw.end = int32(len(m.out)), t.raw.end
		prev.flags &^= tfWild
		prev.xi, prev.run = 0, 0
		return true
	default:
		return false
	}
	m.out = m.out[:prev.end]
	return true
}

// extendRun adds the variable t to the run prev stands for. A run of plain
// variables is only counted; one that holds a list is written out.
func (m *masker) extendRun(prev, t *token) {
	// a run of two or more was checked when it formed: only its first value
	// and the new one may be a date or a time
	if prev.flags&tfOneValue != 0 || t.flags&tfOneValue != 0 || prev.run == 0 && prev.xi == 0 && m.isDateOrTime(prev) || m.isDateOrTime(t) {
		prev.flags |= tfOneValue
		prev.xi, prev.run, prev.raw.end = 0, 0, t.raw.end
		return
	}
	m.anyExp = true
	if prev.xi == 0 && t.xi == 0 {
		prev.run = uint16(min(prev.values()+t.values(), maxTokens))
		prev.raw.end = t.raw.end
		return
	}
	x := int32(len(m.exps))
	m.appendExp(prev)
	m.exps = append(m.exps, ' ')
	m.appendExp(t)
	m.setExp(prev, x)
	prev.run, prev.raw.end = 0, t.raw.end
}

// isDateTime says whether prev is a date and t the time after it.
func (m *masker) isDateTime(prev, t *token) bool {
	raw := m.msg[t.raw.start:t.raw.end]
	if raw[0] < '0' || raw[0] > '9' {
		return false
	}
	return isDateShape(m.msg[prev.raw.start:prev.raw.end]) && isTimeShape(raw)
}

func (m *masker) isDateOrTime(t *token) bool {
	if t.raw.end-t.raw.start < 5 {
		return false
	}
	raw := m.msg[t.raw.start:t.raw.end]
	if !isDigit(raw[0]) && !(isOpenPunct(raw[0]) && isDigit(raw[1])) {
		return false // dates and times start with a digit
	}
	if !hasDateSeparator(raw) {
		return false // most runs are plain numbers
	}
	s, e := punctBounds(raw)
	return isDateShape(raw[s:e]) || isTimeShape(raw[s:e])
}

// hasDateSeparator says whether b, at least five bytes long, holds a byte
// that joins the parts of a date or a time.
func hasDateSeparator(b []byte) bool {
	if len(b) < 5 {
		return false
	}
	for _, c := range b {
		if c == ':' || c == '-' || c == '/' {
			return true
		}
	}
	return false
}

// isDateShape matches digits joined by '-' or '/' in three groups, as in
// "2024-03-05" or "5/16/2017".
func isDateShape(b []byte) bool { return digitGroups(b, '-', '/') == 3 }

// isTimeShape matches "14:02", "14:02:11" or "14:02:11.250", with an
// optional trailing punctuation mark.
func isTimeShape(b []byte) bool {
	if n := len(b); n > 0 && isClosePunct(b[n-1]) {
		b = b[:n-1]
	}
	if i := lastIndexByte(b, '.'); i > 0 && isAllDigits(b[i+1:]) {
		b = b[:i]
	}
	n := digitGroups(b, ':', ':')
	return n == 2 || n == 3
}

// digitGroups counts the groups of one to four digits that make up b,
// joined by sep1 or sep2 (one separator kind throughout); 0 when b is not
// such a sequence.
func digitGroups(b []byte, sep1, sep2 byte) int {
	groups, run := 0, 0
	var sep byte
	for _, c := range b {
		switch {
		case isDigit(c):
			if run++; run > 4 {
				return 0
			}
		case (c == sep1 || c == sep2) && run > 0 && (sep == 0 || sep == c):
			sep, run = c, 0
			groups++
		default:
			return 0
		}
	}
	if run == 0 {
		return 0
	}
	return groups + 1
}

// isProtocolAfterVar says whether t is a protocol version ("HTTP/1.1",
// "RTSP/1.0\"") right after the variable of a request target.
func (m *masker) isProtocolAfterVar(prev, t *token) bool {
	if c := m.msg[t.raw.start]; c < 'A' || c > 'Z' || t.flags&tfHasVar == 0 || !hasSuffix(m.out[prev.off:prev.end], wildcard) {
		return false
	}
	raw := m.msg[t.raw.start:t.raw.end]
	s, e := punctBounds(raw)
	if s != 0 {
		return false
	}
	core := raw[:e]
	i := indexByte(core, '/')
	if i < 2 || i > 8 {
		return false
	}
	for _, c := range core[:i] {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	v := core[i+1:]
	return len(v) > 0 && isDigit(v[0]) && classOf(v)&^(clsDigit|clsDot) == 0
}

// isSizeUnitAfterNumber says whether t is a unit of size ("KB", "MiB")
// after a number: the two are one value.
func (m *masker) isSizeUnitAfterNumber(prev, t *token) bool {
	if prev.flags&tfWild == 0 || t.flags&tfUnit == 0 {
		return false
	}
	raw := m.msg[t.raw.start:t.raw.end]
	s, e := punctBounds(raw)
	return s == 0 && sizeUnits.has(raw[:e]) && isNumber(m.msg[prev.raw.start:prev.raw.end])
}

func hasSuffix(b []byte, s string) bool { return len(b) >= len(s) && string(b[len(b)-len(s):]) == s }

// isShortName recognises names that hold a digit but name a thing: "eth0",
// "sda1", "IPv4", "L3". Masked as variables, they show as constants when a
// template always saw the same one.
func isShortName(b []byte) bool {
	if len(b) < 2 || len(b) > 12 || !isLetter(b[0]) {
		return false
	}
	digits := 0
	for _, c := range b {
		switch {
		case isDigit(c):
			digits++
		case !isLetter(c) && c != '_':
			return false
		}
	}
	return digits > 0 && (digits <= 2 || digits == 3 && len(b) >= 5)
}
