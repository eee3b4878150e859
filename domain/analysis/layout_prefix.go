package analysis

// Program prefixes. Some logs put the name of a program or process between
// the header and the message, closed by a dash, with an optional marker in
// brackets ("app.bin - msg", "app.bin [x86] - msg"). Left in the message,
// each name and each marker would make templates of their own. A name
// column is told by structure over the sample, never by its words: nearly
// every line has a name (a field that starts with a letter) before a dash,
// and either the names vary (minPrefixNames of them) or the marker is
// there in some lines and not in others. The prefix then belongs to the
// header and the name is the component. A name that never varies, with the
// marker in every line or none, stays in the message and so in the
// templates; so does a value before the dash (a client address), which the
// masker makes a variable.

// minPrefixNames is how many names a prefix must show in the sample to be
// a program column.
const minPrefixNames = 3

// prefixFields is a program prefix read from a line.
type prefixFields struct {
	name   []byte
	marker bool // the bracketed marker stood between the name and the dash
	msg    int  // where the message after the dash starts
}

// readProgramPrefix reads a program prefix at pos: a name that starts
// with a letter, an optional bracket group and a dash ("-" or "--"), one
// blank or more between them. ok is false when b holds none at pos.
func readProgramPrefix(b []byte, pos int) (p prefixFields, ok bool) {
	if pos >= len(b) || !isLetter(b[pos]) {
		return p, false
	}
	end := fieldEnd(b, pos)
	p.name = b[pos:end]
	f, next, ok := blankField(b, end)
	if ok && isBracketGroup(f) {
		p.marker = true
		f, next, ok = blankField(b, next)
	}
	if !ok || string(f) != "-" && string(f) != "--" {
		return p, false
	}
	p.msg = skipBlanks(b, next)
	return p, true
}

// blankField returns the field that follows end after blanks, and where
// it ends; ok is false when no blank separates it or none follows.
func blankField(b []byte, end int) (f []byte, fieldEnds int, ok bool) {
	start := skipBlanks(b, end)
	if start == end || start == len(b) {
		return nil, start, false
	}
	e := fieldEnd(b, start)
	return b[start:e], e, true
}

// isBracketGroup says whether f is one closed bracket group, nothing
// glued after it.
func isBracketGroup(f []byte) bool {
	return len(f) > 1 && closer(f[0]) != 0 && groupEnd(f, 0, f[0], closer(f[0])) == len(f)
}

// skipProgramPrefix returns where the message of line starts when a
// program prefix stands at pos, and takes its name for the component when
// the header has none; otherwise it returns pos.
func (l *textLayout) skipProgramPrefix(line []byte, pos int, rec *record) int {
	p, ok := readProgramPrefix(line, pos)
	if !ok {
		return pos
	}
	if l.compField < 0 {
		rec.comp = p.name
	}
	return p.msg
}

// prefixCount counts, over the header lines of a sample, the lines with a
// program prefix where the message starts, those with the marker, and the
// names (up to minPrefixNames).
type prefixCount struct {
	lines, prefixed, marked int
	names                   map[string]struct{}
}

// detectProgramPrefix looks for a program prefix after the timestamp and
// the level: where the header ends, or earlier when the header took a
// name and a marker or dash as fields of its own, which an optional marker
// misaligns. A prefix found cuts the header before it.
func (l *textLayout) detectProgramPrefix(sample [][]byte) {
	end := l.nFields
	for s := max(l.tsField, l.levelField) + 1; s <= end; s++ {
		l.nFields = s
		if c := l.countPrefixes(sample); c.isColumn(s < end) {
			l.prefix = true
			if l.compField >= s {
				l.compField = -1
			}
			return
		}
	}
	l.nFields = end
}

// countPrefixes reads the sample with the layout as it stands. It stops
// once too many lines lack a prefix for a column, as in most logs.
func (l *textLayout) countPrefixes(sample [][]byte) prefixCount {
	c := prefixCount{names: make(map[string]struct{}, minPrefixNames)}
	maxMisses := int((1-headerShare)*float64(len(sample))) + 1
	var rec record
	for _, line := range sample {
		if l.read(line, &rec); !rec.header {
			continue
		}
		c.lines++
		p, ok := readProgramPrefix(rec.msg, 0)
		if !ok {
			if c.lines-c.prefixed > maxMisses {
				return c
			}
			continue
		}
		c.prefixed++
		if p.marker {
			c.marked++
		}
		if len(c.names) < minPrefixNames {
			c.names[string(p.name)] = struct{}{}
		}
	}
	return c
}

// isColumn says whether the prefixes counted make a program column. Fields
// the header already took need the marker to be optional, since the
// header reads them alike otherwise.
func (c prefixCount) isColumn(inHeader bool) bool {
	n := float64(c.lines)
	if c.lines == 0 || float64(c.prefixed) < headerShare*n {
		return false
	}
	optional := float64(c.marked) >= optionalShare*n && float64(c.prefixed-c.marked) >= optionalShare*n
	return optional || !inHeader && len(c.names) >= minPrefixNames
}
