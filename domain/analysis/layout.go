package analysis

import "strings"

// textLayout is the header layout of a plain-text log, learned from a
// sample: which field holds the timestamp, the level, the component and the
// pid, and how many fields come before the message.
type textLayout struct {
	ts         *tsLayout
	tsField    int  // -1 without a timestamp
	nFields    int  // header fields before the message
	levelField int  // -1 without levels
	compField  int  // -1 without a component
	pidField   int  // -1 without a pid
	optField   bool // an optional field may stand before the level
	prefix     bool // a program prefix may follow the header ("app.bin [x86] - ")
	levelGlued bool // the level is glued by ':' to what follows, and so is the name after it
	isClear    bool
	ambiguous  bool // the date order could be read more than one way
	tsr        *tsReader
	levels     levelCache
}

// maxHeaderFields bounds how many fields a header may have.
const maxHeaderFields = 12

// read splits a line into header and message by the layout.
func (l *textLayout) read(line []byte, rec *record) {
	*rec = record{header: true}
	pos := skipBlanks(line, 0)
	for i := 0; i < l.nFields && pos < len(line); i++ {
		if i == l.levelField && l.optField {
			pos = l.skipOptional(line, pos)
		}
		end, ok := l.readField(line, pos, i, rec)
		if !ok {
			*rec = record{msg: line}
			return
		}
		pos = nextField(line, end)
	}
	if l.tsField >= 0 && !rec.hasTime || l.tsField < 0 && l.levelField >= 0 && rec.level == codeNone {
		*rec = record{msg: line}
		return
	}
	if l.prefix {
		pos = l.skipProgramPrefix(line, pos, rec)
	}
	rec.head, rec.msg = line[:pos], trimRight(line[pos:])
}

// readField reads header field i at pos and returns where it ends; ok is
// false when the timestamp field does not parse.
func (l *textLayout) readField(line []byte, pos, i int, rec *record) (int, bool) {
	if i == l.tsField {
		if l.tsr == nil {
			l.tsr = newTSReader(l.ts)
		}
		inner, bracketed := openTsBracket(line, pos)
		end, ok := l.tsr.parseInto(line, inner, &rec.time)
		end, ok = closeTsField(line, end, ok, bracketed)
		rec.hasTime, rec.tsEnd = ok, end
		return end, ok
	}
	end := fieldEnd(line, pos)
	if l.levelGlued {
		switch i {
		case l.levelField:
			if g := gluedLevelEnd(line, pos, end); g > 0 {
				end = g
			}
		case l.levelField + 1:
			if c := nameColonEnd(line, pos, end); c > 0 {
				end = c
			}
		}
	}
	switch i {
	case l.levelField:
		rec.level, rec.annot = l.levels.lookup(line[pos:end])
		rec.levelAt = pos
	case l.compField:
		rec.comp = componentName(line[pos:end])
	}
	return end, true
}

// skipOptional returns where the level field of line starts when the
// field at pos is the optional one before it: not a level word, and
// followed by one. Otherwise it returns pos.
func (l *textLayout) skipOptional(line []byte, pos int) int {
	end := fieldEnd(line, pos)
	if code, _ := l.levels.lookup(line[pos:end]); code != codeNone {
		return pos
	}
	next, sep := skipSep(line, end)
	if sep == sepEnd {
		return pos
	}
	if code, _ := l.levels.lookup(line[next:fieldEnd(line, next)]); code != codeNone {
		return next
	}
	return pos
}

// componentName strips the punctuation around a component field:
// "sshd(pam_unix)[19939]:" becomes "sshd(pam_unix)", "[main]" becomes "main".
func componentName(f []byte) []byte {
	if n := len(f); n > 1 && f[n-1] == ':' {
		f = f[:n-1]
	}
	f, _ = splitNamePid(f)
	if n := len(f); n > 1 && closer(f[0]) == f[n-1] {
		f = f[1 : n-1]
	}
	return f
}

func (l *textLayout) hasLevels() bool { return l.levelField >= 0 }
func (l *textLayout) clear() bool     { return l.isClear }

// describe lists the header fields, e.g.
// "text: timestamp(YYMMDD hhmmss) pid level component message"; "[field]"
// is a field some lines have and others not, and a program prefix reads
// "component [field] -".
func (l *textLayout) describe() string {
	parts := []string{"text:"}
	for i := range l.nFields {
		if i == l.levelField && l.optField {
			parts = append(parts, "[field]")
		}
		parts = append(parts, l.fieldName(i))
	}
	if l.prefix {
		name := "component"
		if l.compField >= 0 {
			name = "field"
		}
		parts = append(parts, name, "[field]", "-")
	}
	return strings.Join(append(parts, "message"), " ")
}

func (l *textLayout) fieldName(i int) string {
	switch i {
	case l.tsField:
		return "timestamp(" + l.ts.describe() + ")"
	case l.levelField:
		return "level"
	case l.compField:
		return "component"
	case l.pidField:
		return "pid"
	}
	return "field"
}
