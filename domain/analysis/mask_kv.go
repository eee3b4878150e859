package analysis

// maskKV masks the value of key=value when the key is an identifier. An
// empty value, or an empty list, stays as it is. The value ends at ',', ';',
// '&' or '}', and what follows is masked in turn: "a=1,b=2" -> "a=<*>,b=<*>".
func (m *masker) maskKV(core []byte, off int) (tokFlag, bool) {
	i := indexByte(core, '=')
	if i <= 0 || !isKey(core[:i]) {
		return 0, false
	}
	m.out = append(m.out, core[:i+1]...)
	val, rest := core[i+1:], []byte(nil)
	if j := indexValueEnd(val); j >= 0 {
		val, rest = val[:j], val[j:]
	}
	flags := tfHasVar
	if isOnlyBrackets(val) {
		m.out = append(m.out, val...)
		flags = 0
	} else {
		m.out = append(m.out, wildcard...)
	}
	if len(rest) > 0 {
		m.out = append(m.out, rest[0])
		flags |= m.maskCore(rest[1:], off+len(core)-len(rest)+1) & tfHasVar
	}
	return flags, true
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
