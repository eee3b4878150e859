package analysis

// Level is a normalised severity: one of the Level constants, or LevelNone
// when an entry carries no level.
type Level string

// The normalised levels, from least to most severe.
const (
	LevelNone  Level = ""
	LevelTrace Level = "TRACE"
	LevelDebug Level = "DEBUG"
	LevelInfo  Level = "INFO"
	LevelWarn  Level = "WARN"
	LevelError Level = "ERROR"
	LevelFatal Level = "FATAL"
)

// levelCode is a Level as a small integer, so hot paths count levels in an
// array. Codes grow with severity.
type levelCode uint8

const (
	codeNone levelCode = iota
	codeTrace
	codeDebug
	codeInfo
	codeWarn
	codeError
	codeFatal
	numLevels
)

var levelsByCode = [numLevels]Level{LevelNone, LevelTrace, LevelDebug, LevelInfo, LevelWarn, LevelError, LevelFatal}

// Level returns the normalised level of a code.
func (c levelCode) Level() Level { return levelsByCode[c] }

// isError says whether entries at this level form error groups.
func (c levelCode) isError() bool { return c >= codeError }

// levelWords maps every level spelling we know, lower-cased, to its code.
// Single letters (Android, glog) are included: they are only read at a
// position the layout learned to hold levels, never guessed from messages.
var levelWords = map[string]levelCode{
	"trace": codeTrace, "trc": codeTrace, "finest": codeTrace, "finer": codeTrace, "verbose": codeTrace, "v": codeTrace,
	"debug": codeDebug, "dbg": codeDebug, "fine": codeDebug, "d": codeDebug,
	"debug1": codeDebug, "debug2": codeDebug, "debug3": codeDebug, "debug4": codeDebug, "debug5": codeDebug,
	"info": codeInfo, "inf": codeInfo, "information": codeInfo, "informational": codeInfo, "i": codeInfo,
	"notice": codeInfo, "log": codeInfo, "note": codeInfo,
	"warn": codeWarn, "warning": codeWarn, "wrn": codeWarn, "w": codeWarn,
	"error": codeError, "err": codeError, "e": codeError, "severe": codeError,
	"fatal": codeFatal, "ftl": codeFatal, "f": codeFatal, "crit": codeFatal, "critical": codeFatal,
	"emerg": codeFatal, "emergency": codeFatal, "alert": codeFatal, "panic": codeFatal,
}

// annotationWords stand where a level stands but tag a line that adds to
// the record before it instead of carrying a severity of its own, as the
// DETAIL, HINT and STATEMENT lines after a PostgreSQL error. Alone, such a
// line reads as INFO.
var annotationWords = map[string]bool{
	"detail": true, "hint": true, "statement": true, "context": true, "query": true, "location": true,
}

// maxLevelWord is the length of the longest spelling in levelWords.
const maxLevelWord = len("informational")

// lookupLevel normalises one level word. It strips the brackets and
// punctuation that commonly surround levels ("[INFO]", "<warn>", "ERROR:")
// and ignores case. ok is false when b is not a level word; annotation
// words read as INFO.
func lookupLevel(b []byte) (levelCode, bool) {
	c, _, ok := lookupLevelWord(b)
	return c, ok
}

// lookupLevelWord is lookupLevel that also says whether b is an annotation
// word.
func lookupLevelWord(b []byte) (code levelCode, annot, ok bool) {
	b = trimLevelPunct(b)
	if len(b) == 0 || len(b) > maxLevelWord {
		return codeNone, false, false
	}
	var low [maxLevelWord]byte
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	word := low[:len(b)]
	if code, ok = levelWords[string(word)]; ok {
		return code, false, true
	}
	if annotationWords[string(word)] {
		return codeInfo, true, true
	}
	return codeNone, false, false
}

// trimLevelPunct removes surrounding brackets, spaces and a trailing colon.
func trimLevelPunct(b []byte) []byte {
	for len(b) > 0 && isLevelPunct(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && (isLevelPunct(b[len(b)-1]) || b[len(b)-1] == ':' || b[len(b)-1] == ',') {
		b = b[:len(b)-1]
	}
	return b
}

func isLevelPunct(c byte) bool {
	switch c {
	case '[', ']', '<', '>', '(', ')', '{', '}', ' ', '\t', '"', '\'':
		return true
	}
	return false
}

// NormalizeLevel maps any level spelling to its normalised Level, or
// LevelNone when s is not a level word. Harnesses use it to compare
// ground-truth levels with the engine's.
func NormalizeLevel(s string) Level {
	c, _ := lookupLevel([]byte(s))
	return c.Level()
}

// levelFromNumber reads the numeric levels of pino and bunyan (10 trace ...
// 60 fatal).
func levelFromNumber(n int64) levelCode {
	switch {
	case n <= 0:
		return codeNone
	case n < 20:
		return codeTrace
	case n < 30:
		return codeDebug
	case n < 40:
		return codeInfo
	case n < 50:
		return codeWarn
	case n < 60:
		return codeError
	}
	return codeFatal
}

// levelCache remembers the last level fields read and their codes: a file
// spells its levels a handful of ways, and comparing a few bytes is cheaper
// than folding case and hashing.
type levelCache struct {
	raw   [4][maxLevelWord + 4]byte
	n     [4]uint8
	code  [4]levelCode
	annot [4]bool
	next  uint8
}

// lookup returns the code of a level field, or codeNone, and whether it
// is an annotation word.
func (c *levelCache) lookup(b []byte) (levelCode, bool) {
	for i := range c.n {
		if int(c.n[i]) == len(b) && string(c.raw[i][:c.n[i]]) == string(b) {
			return c.code[i], c.annot[i]
		}
	}
	code, annot, _ := lookupLevelWord(b)
	if len(b) <= len(c.raw[0]) {
		i := c.next % uint8(len(c.n))
		c.n[i], c.code[i], c.annot[i] = uint8(copy(c.raw[i][:], b)), code, annot
		c.next++
	}
	return code, annot
}
