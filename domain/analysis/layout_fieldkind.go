package analysis

// fieldKind describes what a header field looks like; a field may be
// several kinds at once.
type fieldKind uint16

const (
	kindLevel   fieldKind = 1 << iota // a level word
	kindInt                           // digits only
	kindDash                          // "-" or "--"
	kindBracket                       // a closed bracket group
	kindColon                         // ends with ':' ("sshd[42]:", "dfs.DataNode:")
	kindDotted                        // a dotted name ("nova.compute.manager")
	kindNamePid                       // name[1234], optionally with ':'
	kindWide                          // followed by padding: a column
	kindPipe                          // followed by '|'
	kindWord                          // none of the above
	kindTime                          // the learned timestamp
	kindAnnot                         // an annotation word where levels stand ("DETAIL:")
	kindSymbol                        // one punctuation byte ("*", "#"), as a marker column
	kindGlued                         // a level word glued by ':' to what follows ("INFO:root:msg")
)

// kindComponent is what a component or logger field looks like.
const kindComponent = kindColon | kindDotted | kindNamePid | kindWide | kindPipe

// classifyField returns the kinds of field f followed by separator sep.
func classifyField(f []byte, sep sepKind) fieldKind {
	var k fieldKind
	if _, annot, ok := lookupLevelWord(f); annot {
		k |= kindAnnot
	} else if ok {
		k |= kindLevel
	}
	switch {
	case isAllDigits(f):
		k |= kindInt
	case string(f) == "-" || string(f) == "--":
		k |= kindDash
	case len(f) == 1 && isMarkerSymbol(f[0]):
		k |= kindSymbol
	case len(f) > 1 && closer(f[0]) != 0 && groupEnd(f, 0, f[0], closer(f[0])) > 0:
		k |= kindBracket
	}
	k |= nameKinds(f)
	switch sep {
	case sepWide:
		k |= kindWide
	case sepPipe:
		k |= kindPipe
	}
	if k == 0 {
		k = kindWord
	}
	return k
}

// nameKinds recognises component-like names.
func nameKinds(f []byte) fieldKind {
	var k fieldKind
	if len(f) > 1 && f[len(f)-1] == ':' {
		k |= kindColon
		f = f[:len(f)-1]
	}
	if _, pid := splitNamePid(f); pid != nil {
		k |= kindNamePid
	}
	if isDottedName(f) {
		k |= kindDotted
	}
	return k
}

// splitNamePid splits "sshd(pam_unix)[19939]" into name and pid; pid is
// nil when f does not end with a bracketed number after a name.
func splitNamePid(f []byte) (name, pid []byte) {
	if len(f) < 4 || f[len(f)-1] != ']' {
		return f, nil
	}
	open := len(f) - 2
	for open > 0 && isDigit(f[open]) {
		open--
	}
	if open < 1 || f[open] != '[' || open == len(f)-2 {
		return f, nil
	}
	return f[:open], f[open+1 : len(f)-1]
}

// isDottedName matches identifiers joined by dots, such as Java classes
// and Python modules: letters required, no leading or trailing dot.
func isDottedName(f []byte) bool {
	if len(f) < 3 || f[0] == '.' || f[len(f)-1] == '.' {
		return false
	}
	dots, letters := 0, 0
	for _, c := range f {
		switch {
		case c == '.':
			dots++
		case isLetter(c):
			letters++
		case isDigit(c) || c == '_' || c == '$' || c == '-':
		default:
			return false
		}
	}
	return dots > 0 && letters > 0 && isLetter(f[0])
}

// isMarkerSymbol matches the punctuation a log may put in a column of its
// own, as a marker before the message.
func isMarkerSymbol(c byte) bool {
	switch c {
	case '*', '#', '.', '+', '!', '>', '<', '~', '=', '%', '@', '$', '&', '^', '?', ':':
		return true
	}
	return false
}
