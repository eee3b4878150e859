package analysis

// entry is a log entry being assembled from its physical lines.
type entry struct {
	open      bool
	firstLine int64
	lines     int64
	level     levelCode
	hasTime   bool
	noYear    bool
	noZone    bool
	unixNano  int64
	comp      []byte
	cluster   int32
	keywords  uint64
	errorLike bool
	raw       []byte // the entry's text, capped at maxSample
	rawLine   []byte // its first line, not yet copied into raw (see keepRaw)
	content   []byte // message and continuation lines, capped; kept only for Parse
	stack     stackSig
}

// maxComponent caps a component name.
const maxComponent = 128

// keepRaw copies a first line still held by the line reader into raw: it is
// called before the reader moves its buffer and before a second line joins.
// Most entries are one line and need no sample, so most lines are never
// copied.
func (e *entry) keepRaw() {
	if e.rawLine != nil {
		e.raw = appendCapped(e.raw[:0], e.rawLine, maxSample)
		e.rawLine = nil
	}
}

// rawText returns the entry's text, capped at maxSample.
func (e *entry) rawText() []byte {
	if e.rawLine != nil {
		return e.rawLine[:min(len(e.rawLine), maxSample)]
	}
	return e.raw
}

// appendCapped appends as much of b to dst as fits within limit bytes.
func appendCapped(dst, b []byte, limit int) []byte {
	room := limit - len(dst)
	if room <= 0 {
		return dst
	}
	return append(dst, b[:min(len(b), room)]...)
}

// appendLine appends a continuation line after a newline, within limit.
func appendLine(dst, b []byte, limit int) []byte {
	if len(dst) >= limit {
		return dst
	}
	return appendCapped(append(dst, '\n'), b, limit)
}

// errorKey returns the entry's error group, and false when it is not an
// error: stack traces group by signature, other errors by template.
func (e *entry) errorKey(m *miner) (errorKey, bool) {
	if e.stack.has() {
		id, exc := e.stack.signature()
		return errorKey{id: id, exception: exc, cluster: e.cluster}, true
	}
	if e.level.isError() || e.errorLike {
		return errorKey{id: m.clusters[e.cluster].id, cluster: e.cluster}, true
	}
	return errorKey{}, false
}
