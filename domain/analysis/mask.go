package analysis

import "unicode/utf8"

// The masker turns a message into template tokens: it splits on blanks and
// replaces the variable parts of each token - numbers, hex, IPs, UUIDs,
// paths, host names, key=value values, dates - by "<*>", keeping constant
// prefixes such as "uid=<*>" or "core.<*>". Runs of whole-token variables
// collapse into one, so variable-length lists do not split templates.

// tokFlag describes a masked token.
type tokFlag uint8

const (
	tfWild   tokFlag = 1 << iota // exactly "<*>"
	tfPure                       // a variable inside punctuation only: "<*>", "(<*>)", "<*>,"
	tfHasVar                     // contains a variable
	tfUnit                       // a unit word: "KB", "ms"
	tfEntity                     // names the token after it: "user", "host"
	tfDate                       // a month or weekday name masked as part of a date
)

// token is one masked token of a message.
type token struct {
	off, end int32 // in masker.out
	raw      span  // the token in the message
	hash     uint64
	flags    tokFlag
}

// span is a region of the message being masked.
type span struct{ start, end int32 }

// maxTokens bounds a template's length; the rest of a longer message is one
// variable.
const maxTokens = 128

const wildcard = "<*>"

// masker holds reusable buffers, so masking allocates nothing once warm.
type masker struct {
	out     []byte // the masked message, tokens joined by single spaces
	toks    []token
	ips     []span // IP addresses seen in the message
	anyVar  bool   // some token holds a variable
	anyDay  bool   // some word may be a month or weekday name
	scratch []byte

	// kw, when set, is searched in the tokens that hold variables; the
	// miner finds it in constant tokens once per distinct message.
	kw    *keywordSet
	varKW uint64 // bits of kw found in the variable tokens of the message
}

// mask fills m.out and m.toks from msg. Token hashes are left to
// hashTokens: a message seen before does not need them.
func (m *masker) mask(msg []byte) {
	m.out, m.toks, m.ips = m.out[:0], m.toks[:0], m.ips[:0]
	m.anyVar, m.anyDay, m.varKW = false, false, 0
	for pos := skipBlanks(msg, 0); pos < len(msg); pos = skipBlanks(msg, pos) {
		end, cls := tokenEnd(msg, pos)
		rest := len(m.toks) == maxTokens-1
		if rest {
			end = len(msg)
		}
		m.addToken(msg, pos, end, cls, rest)
		pos = end
	}
	if m.anyVar && m.anyDay {
		m.maskDates(msg)
	}
}

// varKeywords searches a token that holds a variable.
func (m *masker) varKeywords(t []byte) {
	if m.kw != nil && classOf(t)&clsLetter != 0 {
		m.varKW |= m.kw.find(t)
	}
}

// tokenEnd finds the end of the token at pos and the classes of its bytes.
func tokenEnd(b []byte, pos int) (int, byteClassSet) {
	var cls byteClassSet
	for ; pos < len(b); pos++ {
		k := byteClasses[b[pos]]
		if k == clsBlank {
			break
		}
		cls |= k
	}
	return pos, cls
}

// addToken masks msg[s:e] onto out; rest marks the tail of an over-long
// message, masked whole. A variable right after another is dropped: runs
// of variables collapse into one.
func (m *masker) addToken(msg []byte, s, e int, cls byteClassSet, rest bool) {
	mark := len(m.out)
	if mark > 0 {
		m.out = append(m.out, ' ')
	}
	off := len(m.out)
	flags := tfWild | tfPure | tfHasVar
	switch {
	case rest:
		m.out = append(m.out, wildcard...)
	case cls == clsLetter: // a plain word, by far the most common token
		if flags = m.keepWord(msg[s:e]); flags&tfPure != 0 {
			flags |= tfWild
		}
	default:
		flags = m.maskWord(msg[s:e], s)
	}
	if flags&tfHasVar != 0 {
		m.anyVar = true
		m.varKeywords(msg[s:e])
	}
	if n := len(m.toks); flags&tfWild != 0 && n > 0 && m.toks[n-1].flags&tfWild != 0 {
		m.out = m.out[:mark]
		return
	}
	m.toks = append(m.toks, token{off: int32(off), end: int32(len(m.out)), raw: span{int32(s), int32(e)}, flags: flags})
}

// maskWord masks one blank-free token t found at offset base.
func (m *masker) maskWord(t []byte, base int) tokFlag {
	if isEmptyBrackets(t) {
		m.out = append(m.out, t[0])
		m.out = append(m.out, wildcard...)
		m.out = append(m.out, t[1])
		return tfPure | tfHasVar
	}
	ps, pe := punctBounds(t)
	if ps > 0 {
		m.out = append(m.out, t[:ps]...)
	}
	flags := m.maskCore(t[ps:pe], base+ps)
	if pe < len(t) {
		m.out = append(m.out, t[pe:]...)
	}
	if flags&tfPure != 0 && ps == 0 && pe == len(t) {
		flags |= tfWild
	}
	return flags
}

// isOnlyBrackets matches an empty value: "", "[]", or "[" whose closing
// bracket was set aside as punctuation.
func isOnlyBrackets(v []byte) bool {
	for _, c := range v {
		if closer(c) == 0 && c != ']' && c != ')' && c != '}' {
			return false
		}
	}
	return true
}

func isEmptyBrackets(t []byte) bool {
	return len(t) == 2 && closer(t[0]) == t[1] && t[0] != '<'
}

// punctBounds returns where the token's core starts and ends once the
// surrounding brackets, quotes and trailing punctuation are set aside.
func punctBounds(t []byte) (int, int) {
	s, e := 0, len(t)
	for s < e && isOpenPunct(t[s]) {
		s++
	}
	for e > s && isClosePunct(t[e-1]) {
		e--
	}
	return s, e
}

func isOpenPunct(c byte) bool {
	return c == '(' || c == '[' || c == '{' || c == '"' || c == '\'' || c == '<' || c == ':'
}

func isClosePunct(c byte) bool {
	switch c {
	case ')', ']', '}', '"', '\'', ',', ';', '.', ':', '>':
		return true
	}
	return false
}

// maskCore masks a token's core and returns its flags.
func (m *masker) maskCore(core []byte, off int) tokFlag {
	cls := classOf(core)
	switch {
	case len(core) == 0:
		return 0
	case cls&clsHigh != 0 && !utf8.Valid(core):
		return m.wild() // binary garbage, not words
	case cls&^clsWord == 0:
		return m.keepWord(core)
	case cls == clsDigit:
		return m.wild()
	case cls&clsSlash != 0 && m.maskInnerPath(core):
		return tfHasVar
	case cls&clsDigit == 0:
		return m.maskNoDigits(core, off, cls)
	case isHexGroups(core), m.isIP(core, off, cls), isPath(core, cls), cls&clsDot != 0 && isHostPort(core):
		return m.wild()
	case cls&clsEq != 0:
		if f, ok := m.maskKV(core, off); ok {
			return f
		}
	}
	return m.maskParts(core)
}

// maskInnerPath masks a path that opens after a call or assignment, as in
// "chdir(/home/x" (the closing bracket was set aside): "chdir(<*>".
func (m *masker) maskInnerPath(core []byte) bool {
	i := indexByte(core, '/')
	if i <= 0 || !isPathOpener(core[i-1]) || !isPath(core[i:], clsSlash) {
		return false
	}
	m.out = append(m.out, core[:i]...)
	m.wild()
	return true
}

func isPathOpener(c byte) bool { return c == '(' || c == '[' || c == '=' || c == '\'' || c == '"' }

// wild writes a variable.
func (m *masker) wild() tokFlag {
	m.out = append(m.out, wildcard...)
	return tfPure | tfHasVar
}

// keepWord writes a plain word, flagged when it is a unit or an entity
// noun; literal values such as true or null become variables.
func (m *masker) keepWord(core []byte) tokFlag {
	if !specialWords.mayHave(core) {
		m.out = append(m.out, core...)
		return 0
	}
	m.anyDay = m.anyDay || monthWords.mayHave(core) || weekdayWords.mayHave(core)
	switch wordKinds.kind(core) {
	case kindValue:
		return m.wild()
	case kindUnit:
		m.out = append(m.out, core...)
		return tfUnit
	case kindEntity:
		m.out = append(m.out, core...)
		return tfEntity
	}
	m.out = append(m.out, core...)
	return 0
}

// maskNoDigits writes a digit-free core with punctuation: paths and host
// names are variables, key=value masks its value, the rest is kept.
func (m *masker) maskNoDigits(core []byte, off int, cls byteClassSet) tokFlag {
	if cls&(clsSlash|clsBackslash) != 0 && isPath(core, cls) || cls&clsDot != 0 && isHost(core) {
		return m.wild()
	}
	if cls&clsEq != 0 {
		if f, ok := m.maskKV(core, off); ok {
			return f
		}
	}
	return m.keepWord(core)
}

// hashTokens fills the hash of every token.
func (m *masker) hashTokens() {
	for i := range m.toks {
		t := &m.toks[i]
		t.hash = wildHash
		if t.flags&tfWild == 0 {
			t.hash = tokenHash(m.out[t.off:t.end])
		}
	}
}

// sequenceHash identifies the masked message: its text determines its
// tokens, which never hold a blank.
func (m *masker) sequenceHash() uint64 { return tokenHash(m.out) }
