package analysis

// Header learning. A field position belongs to the header when its lines
// agree on what it holds. The level, when a position holds level words in
// most lines, anchors the header: everything up to it is header, and so are
// the component, bracket and dash fields that consistently follow it.
// Without levels, a consistent "name:" or "name[pid]:" field, or fields
// closed by '|', anchor it instead; failing that, the timestamp and any
// consistent numbers or brackets after it.

// Shares of header lines that make a position's kind consistent.
const (
	levelShare  = 0.8
	headerShare = 0.9
)

// detectTextLayout learns the header layout of a plain-text sample.
func detectTextLayout(sample [][]byte) *textLayout {
	l := &textLayout{tsField: -1, levelField: -1, compField: -1, pidField: -1}
	if tc := detectTimestamp(sample); tc.layout != nil {
		l.ts, l.tsField, l.ambiguous = tc.layout, tc.field, tc.ambiguous
	}
	st := l.fieldStats(sample)
	l.levelField = st.first(0, kindLevel, levelShare, l.tsField)
	if l.levelField >= 0 {
		l.headerAfterLevel(st)
	} else {
		l.headerWithoutLevel(st)
	}
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
	for n < maxHeaderFields && st.share(n, kindComponent|kindBracket|kindDash) >= headerShare {
		n++
	}
	l.nFields = n
	for i := l.levelField + 1; i < n; i++ {
		if st.share(i, kindComponent) >= 0.5 && st.share(i, kindBracket|kindDash) < 0.5 {
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
		for n < maxHeaderFields && st.share(n, kindInt|kindBracket|kindDash) >= headerShare {
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
