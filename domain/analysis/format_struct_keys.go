package analysis

// Structured formats (JSON lines, logfmt) name their fields; keyRole says
// which field plays which part. Lower rank wins when a line has several
// keys of one role.

type role uint8

const (
	roleNone role = iota
	roleLevel
	roleTime
	roleMsg
	roleComp
	roleStack
	numRoles
)

// roleNames names the roles in a format's description.
var roleNames = [numRoles]string{roleTime: "time", roleLevel: "level", roleMsg: "message", roleComp: "component", roleStack: "stack"}

type keyRole struct {
	role role
	rank uint8
}

var keyRoles = buildKeyRoles(map[role][]string{
	roleLevel: {"level", "lvl", "severity", "loglevel", "log_level", "log.level", "levelname", "severity_text", "@level", "priority"},
	roleTime:  {"time", "timestamp", "ts", "@timestamp", "datetime", "date", "asctime", "t", "@t", "eventtime"},
	roleMsg:   {"msg", "message", "@message", "@m", "text", "event", "log", "body"},
	roleComp:  {"logger", "logger_name", "component", "module", "name", "service", "source", "category", "caller"},
	roleStack: {"stack", "stacktrace", "stack_trace", "exc_info", "exception", "error.stack", "err.stack"},
})

func buildKeyRoles(m map[role][]string) map[string]keyRole {
	out := make(map[string]keyRole)
	for r, keys := range m {
		for i, k := range keys {
			out[k] = keyRole{role: r, rank: uint8(i)}
		}
	}
	return out
}

// maxKeyLen bounds the keys worth looking up.
const maxKeyLen = 16

// roleOf returns the role of a key, ignoring case.
func roleOf(key []byte) keyRole {
	if len(key) > maxKeyLen {
		return keyRole{}
	}
	var low [maxKeyLen]byte
	for i, c := range key {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	return keyRoles[string(low[:len(key)])]
}

// roleValues collects, for one line, the best-ranked value of each role.
// It remembers the roles of the last keys it saw: a file repeats the same
// few keys on every line, so most lookups are a byte comparison.
type roleValues struct {
	key    [numRoles][]byte
	val    [numRoles][]byte
	quoted [numRoles]bool
	rank   [numRoles]uint8
	set    [numRoles]bool
	recent [8]recentKey
	next   int
}

type recentKey struct {
	key  [maxKeyLen]byte
	n    int
	role keyRole
}

// reset clears the values for the next line, keeping the recent keys.
func (rv *roleValues) reset() {
	rv.key, rv.val = [numRoles][]byte{}, [numRoles][]byte{}
	rv.quoted, rv.rank, rv.set = [numRoles]bool{}, [numRoles]uint8{}, [numRoles]bool{}
}

// roleOf returns the role of a key, from the recent keys when it can.
func (rv *roleValues) roleOf(key []byte) keyRole {
	if len(key) > maxKeyLen {
		return keyRole{}
	}
	for i := range rv.recent {
		if r := &rv.recent[i]; r.n == len(key) && string(r.key[:r.n]) == string(key) {
			return r.role
		}
	}
	r := &rv.recent[rv.next%len(rv.recent)]
	rv.next++
	r.n, r.role = copy(r.key[:], key), roleOf(key)
	return r.role
}

// offer records val for key when it outranks what the role holds.
func (rv *roleValues) offer(key, val []byte, quoted bool) {
	kr := rv.roleOf(key)
	if kr.role == roleNone || (rv.set[kr.role] && rv.rank[kr.role] <= kr.rank) {
		return
	}
	rv.key[kr.role], rv.val[kr.role] = key, val
	rv.quoted[kr.role], rv.rank[kr.role], rv.set[kr.role] = quoted, kr.rank, true
}
