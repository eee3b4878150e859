package analysis

// structFormat reads structured lines - JSON objects or logfmt pairs - whose
// keys name the level, time, message, component and stack.
type structFormat struct {
	name  string
	keys  [numRoles]string // the key most sample lines use for each role
	scan  func(line []byte, rv *roleValues) bool
	ts    *tsLayout // layout of textual time values; nil when unknown
	lvl   bool      // sample lines carry levels
	msg   []byte    // scratch for the unescaped message
	stack []byte    // scratch for the unescaped stack
	rv    roleValues
	tsr   *tsReader
}

// newStructFormat learns the time layout and whether levels exist from
// the sample.
func newStructFormat(name string, scan func([]byte, *roleValues) bool, sample [][]byte) *structFormat {
	f := &structFormat{name: name, scan: scan}
	var times [][]byte
	var keys [numRoles]map[string]int
	for _, line := range sample {
		var rv roleValues
		if !scan(line, &rv) {
			continue
		}
		countKeys(&keys, &rv)
		f.lvl = f.lvl || rv.set[roleLevel]
		if rv.set[roleTime] && !isNumber(rv.val[roleTime]) {
			times = append(times, rv.val[roleTime])
		}
	}
	if tc := detectTimestamp(times); tc.layout != nil && tc.field == 0 {
		f.ts = tc.layout
	}
	for r := range keys {
		f.keys[r] = mostCommon(keys[r])
	}
	return f
}

// countKeys counts which key a line used for each role.
func countKeys(keys *[numRoles]map[string]int, rv *roleValues) {
	for r := range rv.set {
		if rv.set[r] {
			if keys[r] == nil {
				keys[r] = make(map[string]int)
			}
			keys[r][string(rv.key[r])]++
		}
	}
}

// mostCommon returns the most frequent key, the first in order on ties.
func mostCommon(m map[string]int) string {
	best := ""
	for k, n := range m {
		if n > m[best] || n == m[best] && (best == "" || k < best) {
			best = k
		}
	}
	return best
}

// describe names the format and its keys, e.g.
// "json: time=ts level=level message=msg".
func (f *structFormat) describe() string {
	out := f.name + ":"
	for _, r := range []role{roleTime, roleLevel, roleComp, roleMsg, roleStack} {
		if f.keys[r] != "" {
			out += " " + roleNames[r] + "=" + f.keys[r]
		}
	}
	return out
}
func (f *structFormat) hasLevels() bool { return f.lvl }
func (f *structFormat) clear() bool     { return false }

// read fills rec from the line's keys; a line that is not of the format
// becomes a header-less record.
func (f *structFormat) read(line []byte, rec *record) {
	rv := &f.rv
	rv.reset()
	if !f.scan(line, rv) {
		*rec = record{msg: line}
		return
	}
	*rec = record{header: true, msg: line, comp: rv.val[roleComp]}
	if rv.set[roleLevel] {
		rec.level = structLevel(rv.val[roleLevel])
	}
	if rv.set[roleTime] {
		rec.time, rec.hasTime = f.structTime(rv.val[roleTime])
	}
	if rv.set[roleMsg] {
		rec.msg = rv.val[roleMsg]
		if hasEscape(rec.msg) {
			f.msg = unescape(f.msg[:0], rec.msg)
			rec.msg = f.msg
		}
	}
	if rv.set[roleStack] {
		f.stack = unescape(f.stack[:0], rv.val[roleStack])
		rec.stack = f.stack
	}
}

// structLevel reads a level word or a pino/bunyan number.
func structLevel(v []byte) levelCode {
	if c, ok := lookupLevel(v); ok {
		return c
	}
	if n, ok := parseInt(v); ok {
		return levelFromNumber(n)
	}
	return codeNone
}

// structTime reads a number as Unix time in seconds, milliseconds,
// microseconds or nanoseconds, and text by the learned layout.
func (f *structFormat) structTime(v []byte) (civil, bool) {
	if isNumber(v) {
		return epochNumber(v)
	}
	if f.ts == nil {
		return civil{}, false
	}
	if f.tsr == nil {
		f.tsr = newTSReader(f.ts)
	}
	c, _, ok := f.tsr.parse(v, 0)
	return c, ok
}

// epochNumber reads a Unix time whose unit follows from its size.
func epochNumber(v []byte) (civil, bool) {
	var whole, frac, scale int64 = 0, 0, 1
	i := 0
	for ; i < len(v) && isDigit(v[i]) && i < 19; i++ {
		whole = whole*10 + int64(v[i]-'0')
	}
	if i == 0 {
		return civil{}, false
	}
	if i < len(v) && v[i] == '.' {
		for i++; i < len(v) && isDigit(v[i]) && scale < 1e9; i++ {
			frac, scale = frac*10+int64(v[i]-'0'), scale*10
		}
	}
	var nano int64
	switch {
	case whole < 1e11:
		nano = whole*1e9 + frac*1e9/scale
	case whole < 1e14:
		nano = whole*1e6 + frac*1e6/scale
	case whole < 1e17:
		nano = whole * 1e3
	default:
		nano = whole
	}
	if nano/1e9 < epochMin || nano/1e9 >= epochMax {
		return civil{}, false
	}
	return civil{isEpoch: true, hasZone: true, hasYear: true, epochNano: nano}, true
}
