package analysis

// maskParts masks the parts of a token that hold digits, keeping the
// others: "core.2275" -> "core.<*>", "chdir(/x)" -> "chdir(<*>)". Variable
// parts joined only by delimiters become one variable.
func (m *masker) maskParts(core []byte) tokFlag {
	start := len(m.out)
	varEnd := -1 // end of the last variable written, while only delimiters follow it
	any, collapsed := false, false
	for i := 0; i < len(core); {
		if isPartDelim(core[i]) {
			m.out = append(m.out, core[i])
			if core[i] == '=' || closer(core[i]) != 0 || isCloseBracket(core[i]) {
				varEnd = -1 // "a=1", "f(0x0)", "<0>": a bracket or a key parts values
			}
			i++
			continue
		}
		j := i
		digits := false
		for j < len(core) && !isPartDelim(core[j]) {
			digits = digits || isDigit(core[j])
			j++
		}
		switch {
		case !digits || isNameWithDigit(core[i:j]):
			m.out = append(m.out, core[i:j]...)
			varEnd = -1
		case varEnd >= 0:
			m.out = m.out[:varEnd]
			collapsed = true
		default:
			m.out = append(m.out, wildcard...)
			varEnd, any = len(m.out), true
		}
		i = j
	}
	if collapsed {
		m.noteInnerList(core, start)
	}
	return partFlags(string(m.out[start:]) == wildcard, any)
}

func isCloseBracket(c byte) bool { return c == ')' || c == ']' || c == '}' || c == '>' }

// isNameWithDigit recognises identifiers that hold a digit but are names,
// not values: "jk2_init", "log4j", "e2fsck". They start with two letters,
// end with a letter, hold at most two digits and are not hex numbers.
func isNameWithDigit(p []byte) bool {
	if len(p) < 4 || !isLetter(p[0]) || !isLetter(p[1]) || !isLetter(p[len(p)-1]) {
		return false
	}
	digits, hex := 0, true
	for _, c := range p {
		if isDigit(c) {
			digits++
		}
		hex = hex && hexValue(c) >= 0
	}
	return digits <= 2 && !hex
}

func partFlags(pure, any bool) tokFlag {
	switch {
	case pure:
		return tfPure | tfHasVar
	case any:
		return tfHasVar
	}
	return 0
}

func isPartDelim(c byte) bool { return partDelims[c] }

// partDelims marks the bytes that part a token's values.
var partDelims = func() (t [256]bool) {
	for _, c := range []byte(".:@/,()[]{}=~;<>\"'|#%") {
		t[c] = true
	}
	return t
}()
