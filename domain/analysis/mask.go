package analysis

import (
	"encoding/binary"
	"unicode/utf8"
)

// The masker turns a message into template tokens: it splits on blanks and
// replaces the variable parts of each token - numbers, hex, IPs, UUIDs,
// paths, host names, key=value values, dates - by "<*>", keeping constant
// prefixes such as "uid=<*>" or "core.<*>". Runs of whole-token variables
// collapse into one, so variable-length lists do not split templates.

// tokFlag describes a masked token.
type tokFlag uint8

const (
	tfWild     tokFlag = 1 << iota // exactly "<*>"
	tfPure                         // a variable inside punctuation only: "<*>", "(<*>)", "<*>,"
	tfHasVar                       // contains a variable
	tfUnit                         // a unit word: "KB", "ms"
	tfEntity                       // names the token after it: "user", "host"
	tfDate                         // a month or weekday name masked as part of a date
	tfTrack                        // a variable that may be a constant: a word value or a short name with a digit
	tfOneValue                     // a run of variables that is one value (a date and a time): never expanded
)

// token is one masked token of a message.
type token struct {
	off, end int32 // in masker.out
	raw      span  // the token in the message
	hash     uint64
	flags    tokFlag
	xi       uint16 // 1 + the index in masker.expList of the token with one "<*>" per value of a list it holds; 0 if none
	run      uint16 // values in the run of variables the token stands for, when more than one and xi is 0
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
	ips     []foundIP // IP addresses seen in the message
	anyVar  bool      // some token holds a variable
	anyDay  bool      // some word is a month or weekday name or a time zone
	scratch []byte
	shapes  []itemShape // the tokens as items, while repeats are looked for

	msg      []byte // the message being masked
	exps     []byte // expansions of the tokens that hold lists of values
	expList  []span // their spans in exps, by token.xi-1
	pending  []expPatch
	anyExp   bool // some token has an expansion
	anyTrack bool // some token is flagged tfTrack

	// kw, when set, is searched in the tokens that hold variables; the
	// miner finds it in constant tokens once per distinct message.
	kw    *keywordSet
	varKW uint64 // bits of kw found in the variable tokens of the message

	general bool // every token through addToken: tests compare the fast paths with it
}

// mask fills m.out and m.toks from msg. Token hashes are left to
// hashTokens: a message seen before does not need them.
func (m *masker) mask(msg []byte) {
	m.out, m.toks, m.ips = m.out[:0], m.toks[:0], m.ips[:0]
	m.anyVar, m.anyDay, m.varKW = false, false, 0
	m.msg, m.exps, m.expList, m.anyExp, m.anyTrack = msg, m.exps[:0], m.expList[:0], false, false
	for pos := skipBlanks(msg, 0); pos < len(msg); {
		end, cls := tokenEnd(msg, pos)
		if cls&clsOther != 0 { // '=' and a quote or a bracket, or '{': a value blanks may interrupt
			end, cls = extendToken(msg, pos, end, cls)
		}
		rest := len(m.toks) == maxTokens-1
		if rest {
			end = len(msg)
		}
		if cls == clsLetter && !rest && !m.general && !specialWords.mayHave(msg[pos:end]) {
			m.addPlainWord(pos, end) // what addToken does with it, without the call
		} else {
			m.addToken(msg, pos, end, cls, rest)
		}
		pos = nextTokenStart(msg, end)
	}
	if n := len(m.toks); n > 0 && (msg[m.toks[n-1].raw.end-1] == ')' || msg[m.toks[n-1].raw.end-1] == ']') {
		m.maskClosingGroup(msg)
	}
	if m.anyVar && m.anyDay {
		m.maskDates(msg)
	}
}

// extendToken extends the token msg[pos:end], whose classes are cls, over
// the blanks inside a quoted value after '=', a call's arguments or a
// structure in braces, and returns its end and classes.
func extendToken(msg []byte, pos, end int, cls byteClassSet) (int, byteClassSet) {
	if cls&clsEq != 0 {
		e := quotedValueEnd(msg, pos, end)
		if e == end {
			e = callValueEnd(msg, pos, end)
		}
		if e > end {
			end, cls = e, cls|classOf(msg[end:e])
		}
	}
	if msg[pos] == '{' && end < len(msg) {
		if e := structEnd(msg, pos, end); e > end {
			end, cls = e, cls|classOf(msg[end:e])
		}
	}
	return end, cls
}

// maxQuoted bounds the quoted value, blanks included, that one token may
// hold.
const maxQuoted = 256

// quotedValueEnd extends the token msg[pos:end] when it opens a quoted
// value after '=' that a blank interrupts (tag="Some Lock Name"): the token
// then runs to the closing quote and the punctuation glued to it.
func quotedValueEnd(msg []byte, pos, end int) int {
	i := indexByte(msg[pos:end], '=')
	if i < 0 || pos+i+1 >= end {
		return end
	}
	q := pos + i + 1
	quote := msg[q]
	if quote != '"' && quote != '\'' || indexByte(msg[q+1:end], quote) >= 0 {
		return end
	}
	limit := min(len(msg), q+maxQuoted)
	j := indexByte(msg[end:limit], quote)
	if j < 0 {
		return end
	}
	e, _ := tokenEnd(msg, end+j+1)
	return e
}

// maskClosingGroup makes the words in parentheses or brackets that end a
// message one value: "(KILLED)", "(This connection closed normally without
// authentication)", "[-ERR Authorization Violation]". A reason or a state in parentheses varies in length
// and wording; a group with digits or '=' holds fields and is masked as
// usual. The value shows as a constant when it never varies.
func (m *masker) maskClosingGroup(msg []byte) {
	last := len(m.toks) - 1
	end := int(m.toks[last].raw.end)
	closing := msg[end-1]
	opening := byte('(')
	if closing == ']' {
		opening = '['
	}
	k := last
	for ; k >= 0; k-- {
		if m.toks[k].flags&tfHasVar != 0 {
			return // a group with values in it holds fields
		}
		raw := msg[m.toks[k].raw.start:m.toks[k].raw.end]
		if k < last && indexByte(raw, closing) >= 0 {
			return
		}
		if raw[0] == opening {
			break
		}
	}
	if k < 0 || k > 0 && m.toks[k-1].flags&tfWild != 0 || opening == '[' && k == last {
		return // one word in brackets is a tag or a command: "[PONG]"
	}
	start := int(m.toks[k].raw.start)
	inner := msg[start+1 : end-1]
	if len(inner) == 0 || countByte(inner, opening)+countByte(inner, closing) > 0 || classOf(inner)&(clsDigit|clsEq) != 0 {
		return
	}
	t := &m.toks[k]
	m.out = append(append(append(m.out[:t.off], opening), wildcard...), closing)
	t.end, t.raw.end = int32(len(m.out)), int32(end)
	t.flags, t.xi, t.run = tfPure|tfHasVar|tfTrack, 0, 0
	m.toks = m.toks[:k+1]
	m.anyVar, m.anyTrack = true, true
}

// structEnd extends the token msg[pos:end] that opens a brace its blanks
// interrupt, "{a=1, b=2}" or "{alice 30 true}", to the closing brace and
// the punctuation glued to it: a structure is one value, whether it names
// its fields or only lists them; else it returns end.
func structEnd(msg []byte, pos, end int) int {
	e := groupEnd(msg, pos, '{', '}')
	if e <= end {
		return end
	}
	e, _ = tokenEnd(msg, e)
	return e
}

// varKeywords searches a token that holds a variable.
func (m *masker) varKeywords(t []byte, cls byteClassSet) {
	if m.kw != nil && cls&clsLetter != 0 {
		m.varKW |= m.kw.find(t)
	}
}

// tokenEnd finds the end of the token at pos and the classes of its bytes.
// It looks up four bytes at a time, two such steps a turn of its loop; the
// step that holds a blank tells where the token ends from the classes it
// looked up.
func tokenEnd(b []byte, pos int) (int, byteClassSet) {
	var cls byteClassSet
	for ; pos+8 <= len(b); pos += 8 {
		q := b[pos : pos+8 : pos+8]
		k0, k1, k2, k3 := byteClasses[q[0]], byteClasses[q[1]], byteClasses[q[2]], byteClasses[q[3]]
		if k := k0 | k1 | k2 | k3; k&clsBlank != 0 {
			return blankStep(pos, cls, k0, k1, k2)
		}
		cls |= k0 | k1 | k2 | k3
		k0, k1, k2, k3 = byteClasses[q[4]], byteClasses[q[5]], byteClasses[q[6]], byteClasses[q[7]]
		if k := k0 | k1 | k2 | k3; k&clsBlank != 0 {
			return blankStep(pos+4, cls, k0, k1, k2)
		}
		cls |= k0 | k1 | k2 | k3
	}
	if pos+4 <= len(b) {
		q := b[pos : pos+4 : pos+4]
		k0, k1, k2, k3 := byteClasses[q[0]], byteClasses[q[1]], byteClasses[q[2]], byteClasses[q[3]]
		if k := k0 | k1 | k2 | k3; k&clsBlank != 0 {
			return blankStep(pos, cls, k0, k1, k2)
		}
		cls |= k0 | k1 | k2 | k3
		pos += 4
	}
	for ; pos < len(b); pos++ {
		k := byteClasses[b[pos]]
		if k == clsBlank {
			break
		}
		cls |= k
	}
	return pos, cls
}

// blankStep ends a token in the four bytes at pos, one of which is a blank,
// from the classes k0-k2 of the first three: where the token ends, and cls
// with the classes of its bytes before it.
func blankStep(pos int, cls, k0, k1, k2 byteClassSet) (int, byteClassSet) {
	switch {
	case k0 == clsBlank:
		return pos, cls
	case k1 == clsBlank:
		return pos + 1, cls | k0
	case k2 == clsBlank:
		return pos + 2, cls | k0 | k1
	}
	return pos + 3, cls | k0 | k1 | k2
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
	case cls == clsLetter|clsColon && isWordColon(msg[s:e]): // "updated:", as maskWord would
		flags = m.keepWord(msg[s : e-1])
		m.out = append(m.out, ':')
	case cls == clsDigit && !m.general: // "12345", as maskWord would mask it
		flags = m.wild() | tfWild
	case cls == clsLetter|clsDigit && !m.general && !isHexGroups(msg[s:e]):
		// an id, "blk_-1608999687919862906", as maskWord would mask it
		if flags = m.maskID(msg[s:e]); flags&tfPure != 0 {
			flags |= tfWild
		}
	case cls == clsLetter|clsOther && !m.general && isBareWord(msg[s:e]): // "BLOCK*", as maskWord would
		if flags = m.keepWord(msg[s:e]); flags&tfPure != 0 {
			flags |= tfWild
		}
	case cls == clsLetter|clsDot|clsColon && !m.general && isDottedNameColon(msg[s:e]):
		// "NameSystem.addStoredBlock:", as maskWord would
		flags = m.keepWord(msg[s : e-1])
		m.out = append(m.out, ':')
	case cls&^(clsSlash|clsDigit|clsDot|clsColon) == 0 && !m.general && m.maskAddressOrPath(msg[s:e], s, cls):
		flags = tfWild | tfPure | tfHasVar
	default:
		flags = m.maskWord(msg[s:e], s, cls)
	}
	if flags&tfHasVar != 0 {
		m.anyVar = true
		m.varKeywords(msg[s:e], cls)
	}
	// The token is written in place: a literal copied in would be read back
	// wider than it was stored, which stalls the store.
	m.toks = append(m.toks, token{})
	n := len(m.toks) - 1
	t := &m.toks[n]
	t.off, t.end, t.raw.start, t.raw.end, t.flags = int32(off), int32(len(m.out)), int32(s), int32(e), flags
	if flags&(tfHasVar|tfUnit) == 0 {
		return // a constant word: nothing to join
	}
	if len(m.pending) > 0 {
		m.applyPatches(t)
	}
	if n > 0 && m.toks[n-1].flags&tfHasVar != 0 && m.joinsPrevious(&m.toks[n-1], t) {
		m.toks = m.toks[:n]
		return
	}
	m.anyTrack = m.anyTrack || flags&tfTrack != 0
}

// isBareWord says whether maskWord keeps a token of letters and other
// bytes whole as a word: no punctuation it would set aside at either end,
// no empty brackets.
func isBareWord(t []byte) bool {
	return byteClasses[t[0]] == clsLetter && punctKinds[t[len(t)-1]] == 0 && !isEmptyBrackets(t)
}

// isDottedNameColon says whether maskWord keeps a dotted name and the one
// colon that ends it: a word byte first, no punctuation before the colon,
// no other colon, and no host name, which would be a variable.
func isDottedNameColon(t []byte) bool {
	n := len(t)
	return n > 2 && t[n-1] == ':' && byteClasses[t[0]] == clsLetter && punctKinds[t[n-2]] == 0 &&
		indexByte(t[:n-1], ':') < 0 && !isHost(t[:n-1])
}

// maskAddressOrPath gives maskWord's answer for the commonest variables
// of digits, dots, colons and slashes, and reports whether t was one: an
// absolute path of them ("/10.1.2.3:50010", "/10.1.2.3"), which has no
// letter for maskPathLine, an address with or without a port
// ("10.1.2.3:50010", "10.1.2.3") and a number with a decimal point
// ("1.6135054"). Their first and last bytes are no punctuation that
// maskWord would set aside.
func (m *masker) maskAddressOrPath(t []byte, base int, cls byteClassSet) bool {
	if len(t) < 2 || cls&clsDigit == 0 || !isDigit(t[len(t)-1]) {
		return false
	}
	switch {
	case t[0] == '/':
		if cls&clsDot != 0 {
			m.ipsAfterSeparators(t, base)
		}
	case cls == clsDigit|clsDot && isDigit(t[0]) && isNumber(t):
		// "1.6135054", as maskCoreClass masks it before the tests below
	case cls&clsSlash == 0 && cls&clsDot != 0 && isDigit(t[0]):
		if isHexGroups(t) || !m.isIP(t, base, cls) {
			return false
		}
	default:
		return false
	}
	m.wild()
	return true
}

// addPlainWord is addToken for a plain word that no word list holds, the
// most common token: it is written as it is, a constant.
func (m *masker) addPlainWord(s, e int) {
	out := m.out
	if len(out) > 0 {
		out = append(out, ' ')
	}
	off := len(out)
	if e-s <= 8 && s+8 <= len(m.msg) && off+8 <= cap(out) {
		// a short word is copied as one eight-byte word, past its end into
		// the room out has anyway, without a call of memmove
		binary.LittleEndian.PutUint64(out[off:off+8], binary.LittleEndian.Uint64(m.msg[s:s+8]))
		out = out[:off+e-s]
	} else {
		out = append(out, m.msg[s:e]...)
	}
	m.out = out
	m.toks = append(m.toks, token{})
	t := &m.toks[len(m.toks)-1]
	t.off, t.end, t.raw.start, t.raw.end = int32(off), int32(len(m.out)), int32(s), int32(e)
}

// isWordColon matches a plain word and the colon that ends it.
func isWordColon(t []byte) bool {
	n := len(t)
	return n > 1 && t[n-1] == ':' && indexByte(t[:n-1], ':') < 0
}

// maskWord masks one blank-free token t found at offset base.
func (m *masker) maskWord(t []byte, base int, cls byteClassSet) tokFlag {
	if cls&(clsSlash|clsEq) != 0 && cls&clsDot != 0 && cls&clsDigit != 0 {
		m.ipsAfterSeparators(t, base)
	}
	if isEmptyBrackets(t) {
		m.out = append(m.out, t[0])
		m.out = append(m.out, wildcard...)
		m.out = append(m.out, t[1])
		return tfPure | tfHasVar
	}
	ps, pe := punctBounds(t)
	if t[0] == '<' && isAngleValue(t, ps, pe) {
		return m.wild() // "<none>": the brackets belong to the value
	}
	if ps > 0 && pe < len(t) && isGroupValue(t, ps, pe) {
		// "{a=1, b=2}", "[id-7,alpha,2]": a structure or a list is one value
		m.out = append(m.out, t[:ps]...)
		m.wild()
		m.out = append(m.out, t[pe:]...)
		return tfPure | tfHasVar
	}
	if ps > 0 {
		m.out = append(m.out, t[:ps]...)
	}
	var flags tokFlag
	q := -1
	if pe < len(t) && (t[pe] == '"' || t[pe] == '\'') {
		q = quotedWordStart(t, ps, pe)
	}
	if q >= 0 {
		// "terminated", 'guest', u'alice': a value, shown when constant
		m.out = append(m.out, t[ps:q]...)
		flags = m.wild() | tfTrack
	} else {
		if ps > 0 || pe < len(t) {
			cls = classOf(t[ps:pe]) // punctuation set aside changes the classes
		}
		flags = m.maskCoreClass(t[ps:pe], base+ps, cls)
	}
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

// isGroupValue says whether the core t[ps:pe], inside the brackets that
// open at t[ps-1] and close at t[pe], is one value: a structure that holds
// blanks, or a list of two or more items, one with a digit.
func isGroupValue(t []byte, ps, pe int) bool {
	open := t[ps-1]
	if closer(open) != t[pe] || open == '<' {
		return false
	}
	core := t[ps:pe]
	if open == '{' && indexByte(core, ' ') >= 0 {
		return true
	}
	cls := classOf(core)
	return indexByte(core, ',') > 0 && cls&clsDigit != 0 && cls&(clsBlank|clsEq) == 0
}

// isQuotedSymbol matches a short value between quotes that is no word:
// "/", "*", "-", a root or a wildcard.
func isQuotedSymbol(v []byte) bool {
	return len(v) <= 2 && classOf(v)&(clsLetter|clsDigit|clsHigh) == 0 && indexByte(v, '"') < 0 && indexByte(v, '\'') < 0
}

// isAngleValue matches a value in angle brackets: a placeholder
// ("<none>", "<null>") or a number with dots (an Erlang pid, "<0.2348.0>").
// The brackets belong to the value.
func isAngleValue(t []byte, ps, pe int) bool {
	if t[0] != '<' || ps != 1 || pe != len(t)-1 || t[pe] != '>' {
		return false
	}
	core := t[ps:pe]
	if len(core) == 0 {
		return false // "<>", an operator in SQL: no value
	}
	return wordKinds.kind(core) == kindValue || isDigit(core[0]) && classOf(core)&^(clsDigit|clsDot) == 0
}

// quotedWordStart returns where a plain word between quotes of one kind
// starts in t, whose core is t[ps:pe]: the core itself, or the core after a
// short prefix and the opening quote (u'alice'); -1 when t holds none.
func quotedWordStart(t []byte, ps, pe int) int {
	if pe >= len(t) || pe <= ps || t[pe] != '"' && t[pe] != '\'' {
		return -1
	}
	q := t[pe]
	if ps > 0 && t[ps-1] == q && (isPlainValue(t[ps:pe]) || isQuotedSymbol(t[ps:pe])) {
		return ps
	}
	for i := ps; i < pe && i < ps+3; i++ {
		if t[i] == q {
			if i > ps && isPlainValue(t[i+1:pe]) && isPlainValue(t[ps:i]) {
				return i + 1
			}
			break
		}
	}
	return -1
}

func isOpenPunct(c byte) bool { return punctKinds[c]&punctOpen != 0 }

func isClosePunct(c byte) bool { return punctKinds[c]&punctClose != 0 }

// punctKinds marks the punctuation a token's core may open with
// (punctOpen) or close with (punctClose): one look-up per byte, as
// punctBounds runs on most tokens.
var punctKinds = func() (t [256]uint8) {
	for _, c := range []byte("([{\"'<:") {
		t[c] |= punctOpen
	}
	for _, c := range []byte(")]}\"',;.:>") {
		t[c] |= punctClose
	}
	return t
}()

const (
	punctOpen = 1 << iota
	punctClose
)

// maskCore masks a token's core and returns its flags.
func (m *masker) maskCore(core []byte, off int) tokFlag {
	return m.maskCoreClass(core, off, classOf(core))
}

// maskCoreClass is maskCore for a core whose classes are known.
func (m *masker) maskCoreClass(core []byte, off int, cls byteClassSet) tokFlag {
	switch {
	case len(core) == 0:
		return 0
	case cls&clsHigh != 0 && !utf8.Valid(core):
		return m.wild() // binary garbage, not words
	case cls&^clsWord == 0:
		return m.keepWord(core)
	case cls == clsDigit:
		return m.wild()
	case cls == clsDigit|clsDot && isDigit(core[0]) && isDigit(core[len(core)-1]) && isNumber(core):
		return m.wild() // "0.2477829": what maskParts gives, sooner
	case cls == clsLetter|clsDigit && !isHexGroups(core):
		return m.maskID(core)
	case core[0] == '/' && len(core) > 1 && cls&clsDigit != 0 && cls&clsHigh == 0:
		// an absolute path with a digit, "/10.1.2.3:50010" too: the tests
		// below would end at isPath, after maskPathLine
		if cls&clsColon != 0 && m.maskPathLine(core) {
			return tfPure | tfHasVar
		}
		return m.wild()
	case cls&clsSlash != 0 && m.maskInnerPath(core):
		return tfHasVar
	case cls&clsDigit == 0:
		return m.maskNoDigits(core, off, cls)
	case cls&clsColon != 0 && cls&clsSlash != 0 && m.maskPathLine(core):
		return tfPure | tfHasVar
	case isHexGroups(core), m.isIP(core, off, cls), isPath(core, cls), cls&clsDot != 0 && isHostPort(core), isVersion(core, cls):
		return m.wild()
	case cls&clsEq != 0:
		if f, ok := m.maskKV(core, off); ok {
			return f
		}
	}
	f := m.maskParts(core)
	if f&tfPure != 0 && isLetter(core[0]) && isShortName(core) {
		f |= tfTrack
	}
	return f
}

// maskID masks a token of letters, digits, '-' and '_' only, as maskParts
// would: it holds no delimiter, so it is one part, a name with a digit or
// a variable ("blk_-1608999687919862906", "54fadb412c4e40cd").
func (m *masker) maskID(core []byte) tokFlag {
	if isNameWithDigit(core) {
		m.out = append(m.out, core...)
		return 0
	}
	m.wild()
	if isLetter(core[0]) && isShortName(core) {
		return tfPure | tfHasVar | tfTrack
	}
	return tfPure | tfHasVar
}

// isVersion recognises a version: a number with dots that goes on with
// letters or "~+-" ("2.36-9+deb12u10", "1:19.1.7-3~deb12u1",
// "1.13.4~dfsg+~1.11.4-3"). It is one value, however many parts it has.
func isVersion(core []byte, cls byteClassSet) bool {
	if cls&(clsLetter|clsOther) == 0 || !isDigit(core[0]) || cls&clsDot == 0 || cls&(clsSlash|clsEq|clsBackslash) != 0 {
		return false
	}
	dot, tail := false, false
	for _, c := range core {
		switch {
		case c == '.':
			dot = true
		case c == ':' && dot:
			return false // "10.0.0.1:50010:Got": an address, then a word
		case isLetter(c) || c == '~' || c == '+':
			tail = true
		}
	}
	return tail
}

// maskPathLine masks a path with a line number, "/etc/x.conf:12", as two
// values: "<*>:<*>".
func (m *masker) maskPathLine(core []byte) bool {
	i := lastIndexByte(core, ':')
	if i <= 0 || i == len(core)-1 || !isAllDigits(core[i+1:]) {
		return false
	}
	path := core[:i]
	cls := classOf(path)
	if cls&clsLetter == 0 || cls&clsColon != 0 || !isPath(path, cls) {
		return false // an address with a port, or a URL
	}
	m.out = append(m.out, wildcard+":"+wildcard...)
	return true
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
	i := -1
	if specialWords.mayHave(core) {
		i = specialWords.index(core)
	}
	if i < 0 {
		m.out = append(m.out, core...)
		return 0
	}
	w := &specialWords.list[i]
	// a month or weekday name, or a time zone in capitals
	m.anyDay = m.anyDay || w.day || w.zone && core[0] >= 'A' && core[0] <= 'Z' && len(core) <= 4
	switch w.kind {
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
	if cls&clsColon != 0 {
		if f, ok := m.maskColonPair(core); ok {
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
// Expansions count too: messages whose runs differ in length are placed
// apart, so that their templates learn it.
func (m *masker) sequenceHash() uint64 {
	h := tokenHash(m.out)
	if m.anyExp {
		for i := range m.toks {
			t := &m.toks[i]
			switch {
			case t.flags&tfOneValue != 0:
			case t.xi > 0:
				h = mix64(h ^ tokenHash(m.expOf(t)) + uint64(i))
			case t.run > 1:
				h = mix64(h ^ uint64(t.run)<<32 + uint64(i))
			}
		}
	}
	return h
}
