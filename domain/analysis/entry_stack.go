package analysis

import "bytes"

// stackSig reads a stack trace line by line and keeps what identifies it:
// the exception type and the top frames (where it was thrown). Frames keep
// the function and drop line numbers, so a signature survives small code
// changes and never depends on variable text.
type stackSig struct {
	mode      stackMode
	exception []byte
	frames    [topFrames][]byte
	nFrames   int
	python    bool // frames fill from the end: Python lists the throwing frame last
}

// topFrames is how many frames a signature keeps.
const topFrames = 3

// maxSigText bounds the bytes kept for an exception type or a frame.
const maxSigText = 200

func (s *stackSig) reset() {
	s.mode, s.exception, s.nFrames, s.python = modeNone, s.exception[:0], 0, false
	for i := range s.frames {
		s.frames[i] = s.frames[i][:0]
	}
}

// start resets the reader for an entry whose first message is msg; a
// structured line may carry its trace in a field of its own.
func (s *stackSig) start(msg, field []byte) {
	s.reset()
	s.feed(msg)
	for len(field) > 0 {
		var l []byte
		l, field, _ = bytes.Cut(field, []byte{'\n'})
		s.feed(l)
	}
}

// has says whether the entry carries a stack trace.
func (s *stackSig) has() bool { return s.nFrames > 0 }

// feed reads one line of the entry.
func (s *stackSig) feed(line []byte) {
	if s.mode == modeNone && !mayStartTrace(line) {
		return
	}
	trimmed := line[skipBlanks(line, 0):]
	switch {
	case hasPrefix(trimmed, "Traceback (most recent call last)"):
		s.mode = modePython
	case isGoroutineHeader(trimmed):
		s.mode = modeGo
	case hasPrefix(trimmed, "at "):
		s.javaFrame(trimmed[3:])
	case hasPrefix(trimmed, "File \"") && s.mode == modePython:
		s.pythonFrame(trimmed)
	case s.mode == modePython && len(line) > 0 && line[0] != ' ' && line[0] != '\t':
		s.setException(line[:max(0, exceptionEnd(line))], true)
		s.mode = modeNone
	case s.mode == modeGo && len(line) > 0 && line[0] != '\t':
		s.goFrame(line)
	default:
		if name := exceptionType(trimmed); name != nil {
			s.setException(name, false)
		} else if hasPrefix(trimmed, "panic: ") {
			s.setException([]byte("panic"), false)
		}
	}
}

// mayStartTrace is a cheap filter for lines outside a trace: only lines
// led by a blank, a letter (an exception class, "Traceback", "at",
// "goroutine", "panic:") can matter.
func mayStartTrace(line []byte) bool {
	return len(line) > 0 && (isLetter(line[0]) || line[0] == ' ' || line[0] == '\t') && hasTraceWord(line)
}

// hasTraceWord looks for what every trace line this reader uses holds: a
// frame ("at ", "File"), a header ("Traceback", "goroutine", "panic") or an
// exception class name.
func hasTraceWord(line []byte) bool {
	l := line[skipBlanks(line, 0):]
	if len(l) == 0 {
		return false
	}
	switch l[0] {
	case 'a', 'F', 'T', 'g', 'p', 'C', 'E':
		if hasPrefix(l, "at ") || hasPrefix(l, "File \"") || hasPrefix(l, "Traceback") || hasPrefix(l, "goroutine ") ||
			hasPrefix(l, "panic: ") || hasPrefix(l, "Caused by") || hasPrefix(l, "Exception in") {
			return true
		}
	}
	end := 0
	for end < len(l) && isClassByte(l[end]) {
		end++
	}
	return end < len(l) && l[end] == ':' || end == len(l)
}

// setException records the exception type: the first one seen, except that
// Python's comes last and wins.
func (s *stackSig) setException(name []byte, last bool) {
	if len(name) == 0 || (len(s.exception) > 0 && !last) {
		return
	}
	s.exception = append(s.exception[:0], name[:min(len(name), maxSigText)]...)
}

// exceptionEnd finds the end of "ValueError" in "ValueError: message".
func exceptionEnd(line []byte) int {
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		return i
	}
	return len(bytes.TrimRight(line, " \t"))
}

// javaFrame reads "com.x.Y.method(Y.java:42)" (also .NET's "at N.C.M() in f:line 3").
func (s *stackSig) javaFrame(f []byte) {
	if i := bytes.IndexByte(f, '('); i > 0 {
		f = f[:i]
	}
	s.firstFrame(f)
}

// goFrame reads "main.(*T).run(0xc000010000)" and "created by main.main".
func (s *stackSig) goFrame(f []byte) {
	if hasPrefix(f, "created by ") {
		return
	}
	if i := bytes.LastIndexByte(f, '('); i > 0 {
		f = f[:i]
	}
	s.firstFrame(f)
}

// firstFrame keeps the first frames: Java and Go list the throwing frame
// first.
func (s *stackSig) firstFrame(f []byte) {
	if s.nFrames < topFrames {
		s.frames[s.nFrames] = append(s.frames[s.nFrames][:0], f[:min(len(f), maxSigText)]...)
	}
	s.nFrames++
}

// pythonFrame reads `File "app.py", line 12, in handler` and keeps the
// last frames: Python lists the throwing frame last.
func (s *stackSig) pythonFrame(f []byte) {
	file := f[len("File \""):]
	if i := bytes.IndexByte(file, '"'); i >= 0 {
		file = file[:i]
	}
	fn := []byte(nil)
	if i := bytes.LastIndex(f, []byte(", in ")); i >= 0 {
		fn = f[i+len(", in "):]
	}
	first := s.frames[0]
	copy(s.frames[:], s.frames[1:])
	first = append(append(append(first[:0], file[:min(len(file), maxSigText)]...), ':'), fn[:min(len(fn), maxSigText)]...)
	s.frames[topFrames-1] = first
	s.nFrames++
	s.python = true
}

// signature returns the group id of the trace and its exception type.
func (s *stackSig) signature() (id string, exception string) {
	h := hashBytes(s.exception)
	for _, f := range s.frameList() {
		h = (h ^ '|') * fnvPrime
		for _, c := range f {
			h = (h ^ uint64(c)) * fnvPrime
		}
	}
	exception = string(s.exception)
	if exception == "" {
		exception = "(unknown)"
	}
	return formatID('X', h), exception
}

// frameList returns the kept frames, top first for every language.
func (s *stackSig) frameList() [][]byte {
	n := min(s.nFrames, topFrames)
	if s.python {
		out := make([][]byte, 0, n)
		for i := topFrames - 1; i >= topFrames-n; i-- {
			out = append(out, s.frames[i])
		}
		return out
	}
	return s.frames[:n]
}
