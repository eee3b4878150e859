package analysis

// Header learning. A field position belongs to the header when its lines
// agree on what it holds. The level, when a position holds level words in
// most lines, anchors the header: everything up to it is header, and so are
// the component, bracket, dash and marker fields that consistently follow
// it. The level may also sit one field further in the lines that carry an
// optional field before it ("[pid] LOG:" and "[pid] user@db ERROR:"); such
// lines are read with that field set aside. A level word glued by ':' to
// what follows ("WARNING:app.db:pool exhausted") is a field of its own, and
// so is the name glued after it. Without levels, a consistent
// "name:" or "name[pid]:" field, or fields closed by '|', anchor it
// instead; failing that, the timestamp and any consistent numbers,
// brackets or marker symbols after it. A program name closed by a dash may
// follow the header (layout_prefix.go).

// Shares of header lines that make a position's kind consistent.
const (
	levelShare  = 0.8
	headerShare = 0.9
	// severityShare is the share of lines whose level field must hold a
	// severity, not an annotation word, for a position to be the level.
	severityShare = 0.2
	// optionalShare is the share of lines that must have, and the share that
	// must lack, the optional field before a level.
	optionalShare = 0.02
)

// levelKinds are the words a level field holds.
const levelKinds = kindLevel | kindAnnot

// detectTextLayout learns the header layout of a plain-text sample.
func detectTextLayout(sample [][]byte) *textLayout {
	l := &textLayout{tsField: -1, levelField: -1, compField: -1, pidField: -1}
	if tc := detectTimestamp(sample); tc.layout != nil {
		l.ts, l.tsField, l.ambiguous = tc.layout, tc.field, tc.ambiguous
	}
	st := l.fieldStats(sample)
	l.levelField = st.levelColumn(l.tsField)
	if p := st.shiftedLevelColumn(l.tsField); p >= 0 && (l.levelField < 0 || p < l.levelField) {
		l.levelField, l.optField = p, true
		st.dropOptional(p)
	}
	if l.levelField >= 0 {
		l.levelGlued = st.share(l.levelField, kindGlued) >= 0.5
		l.headerAfterLevel(st)
	} else {
		l.headerWithoutLevel(st)
	}
	l.detectProgramPrefix(sample)
	l.pidField = st.first(0, kindInt, headerShare, l.tsField, l.levelField, l.compField)
	if l.pidField >= l.nFields {
		l.pidField = -1
	}
	l.isClear = (l.ts != nil || l.levelField >= 0) && 2*st.lines >= len(sample)
	return l
}

// headerAfterLevel ends the header after the level and the fields that
// consistently follow it, and picks the component.
func (l *textLayout) headerAfterLevel(st *fieldStats) {
	n := l.levelField + 1
	for n < maxHeaderFields && st.share(n, kindComponent|kindBracket|kindDash|kindSymbol) >= headerShare {
		n++
	}
	l.nFields = n
	for i := l.levelField + 1; i < n; i++ {
		if st.share(i, kindComponent) >= 0.5 && st.share(i, kindBracket|kindDash|kindSymbol) < 0.5 {
			l.compField = i
			return
		}
	}
	for i := l.levelField - 1; i >= 0; i-- {
		if i != l.tsField && st.share(i, kindWord|kindDotted|kindColon|kindNamePid) >= headerShare {
			l.compField = i
			return
		}
	}
}

// headerWithoutLevel ends the header at the last consistent component
// anchor, or after the timestamp.
func (l *textLayout) headerWithoutLevel(st *fieldStats) {
	n := 0
	for i := 0; i < maxHeaderFields-1 && st.share(i, ^fieldKind(0)) >= headerShare; i++ {
		if st.share(i, kindColon|kindNamePid|kindPipe) >= headerShare {
			n = i + 1
		}
	}
	if l.tsField >= 0 && n <= l.tsField {
		n = l.tsField + 1
		for n < maxHeaderFields && st.share(n, kindInt|kindBracket|kindDash|kindSymbol) >= headerShare {
			n++
		}
	}
	l.nFields = n
	for i := range n {
		if i != l.tsField && st.share(i, kindColon|kindNamePid|kindPipe|kindDotted) >= headerShare &&
			st.share(i, kindInt|kindTime) < 0.5 {
			l.compField = i
			return
		}
	}
}

// fieldStats holds the kinds of the leading fields of the sample's header
// lines, one row per line.
type fieldStats struct {
	rows  [][]fieldKind
	lines int
}

// fieldStats classifies the header fields of every sample line that
// carries the timestamp (every line when there is none).
func (l *textLayout) fieldStats(sample [][]byte) *fieldStats {
	st := &fieldStats{}
	for _, line := range sample {
		if row, ok := l.classifyLine(line); ok {
			st.rows = append(st.rows, row)
		}
	}
	st.lines = len(st.rows)
	return st
}

// classifyLine returns the kinds of a line's leading fields, with the
// timestamp as one field; ok is false when the timestamp is missing.
func (l *textLayout) classifyLine(line []byte) ([]fieldKind, bool) {
	row := make([]fieldKind, 0, maxHeaderFields)
	pos := skipBlanks(line, 0)
	for i := 0; i < maxHeaderFields && pos < len(line); i++ {
		if i == l.tsField {
			_, end, ok := parseTsField(l.ts, line, pos)
			if !ok {
				return nil, false
			}
			row = append(row, kindTime)
			pos, _ = skipSep(line, end)
			continue
		}
		end := fieldEnd(line, pos)
		if g := gluedLevelEnd(line, pos, end); g > 0 {
			row = append(row, classifyField(line[pos:g], sepSpace)|kindGlued)
			pos = g
			if i+1 < maxHeaderFields && i+1 != l.tsField {
				if c := nameColonEnd(line, pos, fieldEnd(line, pos)); c > 0 { // the name after a glued level
					row = append(row, classifyField(line[pos:c], sepSpace))
					pos, i = c, i+1
				}
			}
			continue
		}
		next, sep := skipSep(line, end)
		row = append(row, classifyField(line[pos:end], sep))
		pos = next
	}
	return row, l.tsField < len(row)
}

// share is the fraction of header lines whose field i has any of kinds.
func (st *fieldStats) share(i int, kinds fieldKind) float64 {
	if st.lines == 0 {
		return 0
	}
	n := 0
	for _, row := range st.rows {
		if i < len(row) && row[i]&kinds != 0 {
			n++
		}
	}
	return float64(n) / float64(st.lines)
}

// levelColumn returns the first position that holds level words in
// levelShare of the lines, severities in severityShare of them; -1 when
// there is none.
func (st *fieldStats) levelColumn(tsField int) int {
	for i := range maxHeaderFields {
		if i != tsField && st.share(i, levelKinds) >= levelShare && st.share(i, kindLevel) >= severityShare {
			return i
		}
	}
	return -1
}

// shiftedLevelColumn returns the first position p after the timestamp
// whose lines hold a level word either at p or, when p holds none, at p+1 -
// in levelShare of them, with both forms frequent; -1 when there is none.
func (st *fieldStats) shiftedLevelColumn(tsField int) int {
	if st.lines == 0 {
		return -1
	}
	for p := tsField + 1; p+1 < maxHeaderFields; p++ {
		var direct, shifted, severe int
		for _, row := range st.rows {
			at := p
			switch {
			case p < len(row) && row[p]&levelKinds != 0:
				direct++
			case p+1 < len(row) && row[p+1]&levelKinds != 0:
				shifted++
				at = p + 1
			default:
				continue
			}
			if row[at]&kindLevel != 0 {
				severe++
			}
		}
		n := float64(st.lines)
		if float64(direct+shifted) >= levelShare*n && float64(severe) >= severityShare*n &&
			float64(direct) >= optionalShare*n && float64(shifted) >= optionalShare*n {
			return p
		}
	}
	return -1
}

// dropOptional removes the optional field at p from the rows that have
// it, so that the fields after it line up.
func (st *fieldStats) dropOptional(p int) {
	for i, row := range st.rows {
		if p+1 < len(row) && row[p]&levelKinds == 0 && row[p+1]&levelKinds != 0 {
			st.rows[i] = append(row[:p:p], row[p+1:]...)
		}
	}
}

// first returns the first position from i whose share of kinds reaches
// at least min, skipping the positions in skip; -1 when there is none.
func (st *fieldStats) first(i int, kinds fieldKind, min float64, skip ...int) int {
	for ; i < maxHeaderFields; i++ {
		if !contains(skip, i) && st.share(i, kinds) >= min {
			return i
		}
	}
	return -1
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
