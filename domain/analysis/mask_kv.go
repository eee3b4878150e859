package analysis

// maskKV masks the value of key=value when the key is an identifier. An
// empty value, or an empty list, stays as it is. The value ends at ',', ';',
// '&' or '}', and what follows is masked in turn: "a=1,b=2" -> "a=<*>,b=<*>".
func (m *masker) maskKV(core []byte, off int) (tokFlag, bool) {
	i := indexByte(core, '=')
	if i <= 0 {
		return 0, false
	}
	if ks := keyStart(core[:i]); ks >= i || !isKey(core[ks:i]) {
		return 0, false // no key, as in "(=": not a pair
	}
	m.out = append(m.out, core[:i+1]...)
	val, rest := core[i+1:], []byte(nil)
	var quote byte
	closed := false
	if len(val) > 0 && (val[0] == '"' || val[0] == '\'') {
		// a quoted value, blanks and all: the quotes stay outside the variable
		quote, val = val[0], val[1:]
		if j := indexByte(val, quote); j >= 0 {
			val, rest, closed = val[:j], val[j+1:], true
		}
	} else if j := indexValueEnd(val); j >= 0 {
		val, rest = val[:j], val[j:]
	}
	flags := m.kvValue(val, quote)
	if closed {
		m.out = append(m.out, quote)
	}
	if len(rest) > 0 {
		m.out = append(m.out, rest[0])
		flags |= m.maskCore(rest[1:], off+len(core)-len(rest)+1) & tfHasVar
	}
	return flags, true
}

// kvValue writes the value of a key=value pair, between its quotes if it
// had some.
func (m *masker) kvValue(val []byte, quote byte) tokFlag {
	if quote != 0 {
		m.out = append(m.out, quote)
	}
	flags := tfHasVar
	switch {
	case len(val) == 0 || quote == 0 && isOnlyBrackets(val):
		m.out = append(m.out, val...)
		flags = 0
	case isPlainValue(val) || isDottedValue(val):
		m.out = append(m.out, wildcard...)
		flags |= tfTrack // a word: may be the same in every message
	default:
		m.out = append(m.out, wildcard...)
	}
	return flags
}

// keyStart returns where the key before '=' starts in k: after the last
// opening bracket, as in "Window(title=...", or at 0.
func keyStart(k []byte) int {
	for i := len(k) - 1; i >= 0; i-- {
		if c := k[i]; c == '(' || c == '[' || c == '{' {
			return i + 1
		}
	}
	return 0
}

// indexValueEnd finds the separator ending a key=value value, or -1.
func indexValueEnd(v []byte) int {
	for i, c := range v {
		if c == ',' || c == ';' || c == '&' || c == '}' {
			return i
		}
	}
	return -1
}

// isKey matches [A-Za-z_][A-Za-z0-9_.-]*.
func isKey(k []byte) bool {
	if !isLetter(k[0]) && k[0] != '_' {
		return false
	}
	for _, c := range k {
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// maskColonPair masks the value of key:value, a key glued to a word by one
// colon ("cached:false", "state:RUNNING"): the value is a variable, shown
// as a constant when it never varies.
func (m *masker) maskColonPair(core []byte) (tokFlag, bool) {
	i := indexByte(core, ':')
	if i <= 0 || i+1 >= len(core) || !isLetter(core[i+1]) || !isKey(core[:i]) {
		return 0, false
	}
	if !isPlainValue(core[i+1:]) {
		return 0, false // a dotted name is a value only when many vary (miner_siblings.go)
	}
	m.out = append(m.out, core[:i+1]...)
	m.out = append(m.out, wildcard...)
	return tfHasVar | tfTrack, true
}

// isPlainValue matches a word value: a letter, then letters, digits, '-'
// and '_'. Dotted names, paths and numbers are not plain.
func isPlainValue(v []byte) bool {
	if len(v) == 0 || !isLetter(v[0]) {
		return false
	}
	for _, c := range v {
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// isDottedValue matches a file or class name that is not a host name:
// "idotransportmgr.cpp", "a.b.C".
func isDottedValue(v []byte) bool {
	if len(v) == 0 || !isLetter(v[0]) || isHost(v) {
		return false
	}
	for _, c := range v {
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}
