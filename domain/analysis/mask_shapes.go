package analysis

import "net/netip"

// byteClassSet says which kinds of bytes a token holds; masking decisions
// read it instead of scanning the token again.
type byteClassSet uint16

const (
	clsDigit byteClassSet = 1 << iota
	clsLetter
	clsDot
	clsSlash
	clsBackslash
	clsEq
	clsColon
	clsOther
	clsHigh  // a byte of a multi-byte UTF-8 sequence, or an invalid one
	clsBlank // a space or a tab: it ends a token
)

// clsWord is what plain words hold: letters, '-' and '_' (clsLetter).
const clsWord = clsLetter

var byteClasses = func() (t [256]byteClassSet) {
	for i := range t {
		c := byte(i)
		switch {
		case isDigit(c):
			t[i] = clsDigit
		case isLetter(c) || c == '-' || c == '_':
			t[i] = clsLetter
		case c == '.':
			t[i] = clsDot
		case c == '/':
			t[i] = clsSlash
		case c == '\\':
			t[i] = clsBackslash
		case c == '=':
			t[i] = clsEq
		case c == ':':
			t[i] = clsColon
		case c >= 0x80:
			t[i] = clsHigh
		case c == ' ' || c == '\t':
			t[i] = clsBlank
		default:
			t[i] = clsOther
		}
	}
	return t
}()

func classOf(b []byte) byteClassSet {
	var c0, c1 byteClassSet
	for len(b) >= 4 {
		c0 |= byteClasses[b[0]] | byteClasses[b[1]]
		c1 |= byteClasses[b[2]] | byteClasses[b[3]]
		b = b[4:]
	}
	for _, c := range b {
		c0 |= byteClasses[c]
	}
	return c0 | c1
}

// isPath recognises file paths and URLs.
func isPath(b []byte, cls byteClassSet) bool {
	switch {
	case cls&(clsSlash|clsBackslash) == 0:
		return false
	case len(b) > 1 && b[0] == '/':
		return true
	case hasPrefix(b, "./") || hasPrefix(b, "../") || hasPrefix(b, "~/"):
		return true
	}
	return countByte(b, '/') >= 2 || countByte(b, '\\') >= 2
}

// isHost recognises DNS names: two or more labels of letters, digits and
// hyphens, ending in a known top-level domain, not starting like a Java
// package.
func isHost(b []byte) bool {
	if !topLevelDomains.has(b[lastIndexByte(b, '.')+1:]) {
		return false // the cheap test first: most dotted names are code
	}
	labels, start := 0, 0
	var first []byte
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] != '.' {
			if c := b[i]; !isLetter(c) && !isDigit(c) && c != '-' {
				return false
			}
			continue
		}
		if i == start {
			return false
		}
		if labels == 0 {
			first = b[start:i]
		}
		labels++
		start = i + 1
	}
	last := b[lastIndexByte(b, '.')+1:]
	return labels >= 2 && topLevelDomains.has(last) && !codePrefixes.has(first)
}

// isHostPort recognises host names joined with ports or other host names
// by ':': "db1.example.com:5432", "a.example.com:a.example.com".
func isHostPort(b []byte) bool {
	hosts := 0
	for len(b) > 0 {
		piece := b
		if i := indexByte(b, ':'); i >= 0 {
			piece, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		switch {
		case isHost(piece):
			hosts++
		case !isAllDigits(piece):
			return false
		}
	}
	return hosts > 0
}

// isHexGroups recognises MAC addresses and similar: four or more groups of
// two hex digits joined by ':' or '-'.
func isHexGroups(b []byte) bool {
	if len(b) < 11 || (len(b)+1)%3 != 0 || b[2] != ':' && b[2] != '-' {
		return false // the first separator tells most ids apart at once
	}
	for i, c := range b {
		if i%3 == 2 {
			if c != ':' && c != '-' {
				return false
			}
		} else if hexValue(c) < 0 {
			return false
		}
	}
	return true
}

// isIP recognises an IPv4 address, optionally with a port, or an IPv6
// address, and records it.
func (m *masker) isIP(b []byte, off int, cls byteClassSet) bool {
	if cls&clsDot != 0 {
		if v, n, ok := ipv4Prefix(b); ok && (n == len(b) || b[n] == ':' && isAllDigits(b[n+1:])) {
			m.ips = append(m.ips, foundIP{span: span{int32(off), int32(off + n)}, v4: v})
			return true
		}
	}
	if cls&clsColon != 0 && mayBeIPv6(b) {
		if _, err := netip.ParseAddr(string(b)); err == nil {
			m.ips = append(m.ips, foundIP{span: span{int32(off), int32(off + len(b))}, v6: true})
			return true
		}
	}
	return false
}

// foundIP is an address the masker found: where, and an IPv4's value.
type foundIP struct {
	span
	v4 uint32
	v6 bool
}

// ipsAfterSeparators records the IPv4 addresses that follow a '/' or an
// '=' inside the token t found at offset base, an opening quote allowed
// after '=': "/10.1.2.3:50010", "ip=10.0.0.7", "addr='10.0.0.7'",
// "http://10.0.0.7:80/x". The token is masked as a path or a key=value
// pair, never as an address, so isIP does not see them.
func (m *masker) ipsAfterSeparators(t []byte, base int) {
	for i := 0; i+1 < len(t); i++ {
		if t[i] != '/' && t[i] != '=' {
			continue
		}
		start := i + 1
		if t[i] == '=' && (t[start] == '"' || t[start] == '\'') {
			start++
		}
		if start >= len(t) || !isDigit(t[start]) {
			continue
		}
		if v, n, ok := boundedIPv4(t[start:]); ok {
			m.ips = append(m.ips, foundIP{span: span{int32(base + start), int32(base + start + n)}, v4: v})
			i = start + n - 1
		}
	}
}

// mayBeIPv6 filters cheaply before a full parse: hex digits, colons and
// dots only, and either "::" or seven colons.
func mayBeIPv6(b []byte) bool {
	if len(b) < 3 || len(b) > 45 {
		return false
	}
	colons, double := 0, false
	for i, c := range b {
		switch {
		case c == ':':
			colons++
			double = double || i > 0 && b[i-1] == ':'
		case c != '.' && hexValue(c) < 0:
			return false
		}
	}
	return double || colons == 7
}
