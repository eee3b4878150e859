package analysis

import "bytes"

// Folding multi-line entries. In a file with a clear header layout, a line
// without the header continues the entry before it. Elsewhere only lines
// that clearly continue one do: stack frames, "Caused by:", tracebacks,
// goroutine dumps, indented or blank lines.

// stackMode remembers which kind of trace an entry is in, for the lines
// whose meaning depends on it (a Python exception line, Go frames).
type stackMode uint8

const (
	modeNone stackMode = iota
	modePython
	modeGo
)

// continues reports whether line continues the entry before it in a file
// without a clear header layout. A new trace (a traceback, an exception
// line) starts its own entry once the open entry already holds one.
func continues(line []byte, s *stackSig) bool {
	if len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
		return true
	}
	mode := s.mode
	switch {
	case hasPrefix(line, "Caused by:"), hasPrefix(line, "Suppressed:"),
		hasPrefix(line, "During handling of the above exception"),
		hasPrefix(line, "The above exception was the direct cause"), isGoroutineHeader(line):
		return true
	case hasPrefix(line, "Exception in thread "):
		return false
	case hasPrefix(line, "Traceback (most recent call last)"), hasPrefix(line, "panic: "), exceptionType(line) != nil:
		return !s.has() || mode == modePython
	case mode == modePython:
		return true // the exception line closing a traceback
	case mode == modeGo:
		return hasPrefix(line, "created by ") || bytes.HasSuffix(line, []byte(")"))
	}
	return false
}

// isGoroutineHeader matches "goroutine 12 [running]:".
func isGoroutineHeader(line []byte) bool {
	if !hasPrefix(line, "goroutine ") {
		return false
	}
	rest := line[len("goroutine "):]
	i := 0
	for i < len(rest) && isDigit(rest[i]) {
		i++
	}
	return i > 0 && i+1 < len(rest) && rest[i] == ' ' && rest[i+1] == '['
}

// exceptionType returns the exception class a line starts with, as in
// "java.lang.IllegalStateException: boom" or "Exception in thread "main"
// java.io.IOException", or nil.
func exceptionType(line []byte) []byte {
	if hasPrefix(line, "Exception in thread ") {
		if i := bytes.LastIndexByte(line, '"'); i > 0 {
			line = line[skipBlanks(line, i+1):]
		}
	}
	end := 0
	for end < len(line) && isClassByte(line[end]) {
		end++
	}
	name := line[:end]
	if end < len(line) && line[end] != ':' {
		return nil
	}
	if !isExceptionName(name) {
		return nil
	}
	return name
}

func isClassByte(c byte) bool { return classNameBytes[c] }

// classNameBytes marks the bytes of a class name: letters, digits, '.',
// '_' and '$'. A table, as the first word of every message is read with it.
var classNameBytes = func() (t [256]bool) {
	for i := range t {
		c := byte(i)
		t[i] = isLetter(c) || isDigit(c) || c == '.' || c == '_' || c == '$'
	}
	return t
}()

// isExceptionName wants a dotted class name ending in Exception, Error or
// Throwable: a bare "Error" alone is a word, not a class.
func isExceptionName(name []byte) bool {
	if len(name) < 6 || !isLetter(name[0]) {
		return false
	}
	simple := name[bytes.LastIndexByte(name, '.')+1:]
	for _, suffix := range [...]string{"Exception", "Error", "Throwable", "Exit", "Interrupt"} {
		if bytes.HasSuffix(simple, []byte(suffix)) && (len(simple) > len(suffix) || len(simple) < len(name)) {
			return true
		}
	}
	return false
}
