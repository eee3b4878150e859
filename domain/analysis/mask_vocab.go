package analysis

import "encoding/binary"

// Word lists the masker consults. They describe logs in general, never one
// dataset: values that are variables although they hold no digit, and
// words whose neighbour is a variable.

// wordKind says what a plain word means to the masker.
type wordKind uint8

const (
	kindPlain  wordKind = iota
	kindValue           // a literal value: a boolean or a null
	kindUnit            // follows a number; kept unless it varies ("KB", "ms")
	kindEntity          // names the token after it: "user root", "host db1"
)

// wordKinds classifies plain words in one lookup.
var wordKinds = newKindTable(map[wordKind][]string{
	kindValue:  {"true", "false", "null", "nil", "none"},
	kindUnit:   {"b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "bytes", "ms", "s", "us", "ns", "sec", "secs", "seconds", "min"},
	kindEntity: {"user", "username", "account", "login", "host", "hostname", "name", "status", "state"},
})

// kindTable maps words to kinds behind the same cheap filter as vocab.
type kindTable struct {
	filter *vocab
	kinds  map[string]wordKind
}

func newKindTable(m map[wordKind][]string) *kindTable {
	var all []string
	t := &kindTable{kinds: make(map[string]wordKind)}
	for k, words := range m {
		for _, w := range words {
			t.kinds[w] = k
			all = append(all, w)
		}
	}
	t.filter = wordSet(all...)
	for i, w := range t.filter.list {
		t.filter.list[i].kind = t.kinds[w.word]
	}
	return t
}

// kind returns the kind of a word, ignoring ASCII case.
func (t *kindTable) kind(b []byte) wordKind {
	if !t.filter.mayHave(b) {
		return kindPlain
	}
	if i := t.filter.index(b); i >= 0 {
		return t.filter.list[i].kind
	}
	return kindPlain
}

// zoneWords end a date: "Fri Jul 01 08:16:53 PDT 2005".
var zoneWords = wordSet("utc", "gmt", "z", "pst", "pdt", "mst", "mdt", "cst", "cdt", "est", "edt",
	"cet", "cest", "eet", "eest", "wet", "west", "bst", "ist", "jst", "kst", "msk", "aest", "aedt")

// sizeUnits scale the number before them: "5.2 KB" is one value.
var sizeUnits = wordSet("b", "kb", "mb", "gb", "tb", "kib", "mib", "gib", "tib")

// topLevelDomains end a host name.
var topLevelDomains = wordSet("com", "net", "org", "edu", "gov", "mil", "io", "info", "biz",
	"local", "lan", "internal", "us", "uk", "de", "jp", "fr", "pl", "cn", "ru", "br", "it", "nl",
	"au", "ca", "kr", "in", "es", "se", "ch", "at", "be", "dk", "fi", "no", "cz", "hu", "tw", "hk",
	"sg", "il", "za", "mx", "ar", "nz", "ie", "pt", "gr", "tr", "ro", "ua")

// codePrefixes start dotted names that are code (Java packages), not hosts.
var codePrefixes = wordSet("com", "org", "net", "java", "javax", "android", "io", "sun", "edu")

// monthWords and weekdayWords are masked when they sit next to a variable,
// as part of a date inside a message.
var monthWords = wordSet("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
	"january", "february", "march", "april", "june", "july", "august", "september", "october", "november", "december")
var weekdayWords = wordSet("mon", "tue", "wed", "thu", "fri", "sat", "sun",
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

// specialWords holds every word the masker treats specially, as one cheap
// filter: a word it rejects is plain. Each of its words carries its kind
// and whether it is a month or weekday name or a zone, so that keepWord
// looks a word up once.
var specialWords = func() *vocab {
	v := wordSet()
	for _, src := range []*vocab{wordKinds.filter, monthWords, weekdayWords, zoneWords} {
		for w := range src.words {
			v.add(w)
		}
	}
	for i := range v.list {
		w := &v.list[i]
		wb := []byte(w.word)
		w.kind = wordKinds.kind(wb)
		w.day = monthWords.has(wb) || weekdayWords.has(wb)
		w.zone = zoneWords.has(wb)
	}
	return v
}()

// maxVocab is the longest word in the lists above.
const maxVocab = 12

// vocab is a word list. Lookups run for most tokens of every message, so
// a word is first checked against the lengths, first and last letters of
// the list's words, which rejects nearly every token without hashing it;
// the few that pass are compared, folded to lower case and packed into
// two integers, with the words of their length and first letter.
type vocab struct {
	words map[string]struct{}
	// ends[n][f] has bit l set when a word of length n starts with the
	// letter f and ends with the letter l (letters a-z as 0-25).
	ends [maxVocab + 1][26]uint32
	// bucket[n][f] lists the indexes in list of the words of length n
	// starting with the letter f.
	bucket [maxVocab + 1][26][]uint16
	list   []vocabWord
}

// vocabWord is a word of a vocab, packed as foldKey packs a token.
type vocabWord struct {
	key  [2]uint64
	word string
	kind wordKind // its kind, in a kindTable's filter and in specialWords
	day  bool     // in specialWords: a month or weekday name
	zone bool     // in specialWords: a time zone
}

func wordSet(words ...string) *vocab {
	v := &vocab{words: make(map[string]struct{}, len(words))}
	for _, w := range words {
		v.add(w)
	}
	return v
}

func (v *vocab) add(w string) {
	if _, ok := v.words[w]; ok {
		return
	}
	v.words[w] = struct{}{}
	v.ends[len(w)][w[0]-'a'] |= 1 << (w[len(w)-1] - 'a')
	b := &v.bucket[len(w)][w[0]-'a']
	*b = append(*b, uint16(len(v.list)))
	v.list = append(v.list, vocabWord{key: foldKey([]byte(w)), word: w})
}

// has reports whether b, ignoring ASCII case, is in the list.
func (v *vocab) has(b []byte) bool {
	return v.mayHave(b) && v.index(b) >= 0
}

// index returns the index in v.list of b, which passed mayHave, or -1.
func (v *vocab) index(b []byte) int {
	k := foldKey(b)
	for _, i := range v.bucket[len(b)][foldTable[b[0]]-'a'] {
		if v.list[i].key == k {
			return int(i)
		}
	}
	return -1
}

// foldKey packs b, 1 to maxVocab bytes long, lower-cased, into two
// integers, zeros after its end: two words of one length are equal when
// their keys are.
func foldKey(b []byte) [2]uint64 {
	var buf [16]byte
	for i, c := range b[:min(len(b), maxVocab)] {
		buf[i] = foldTable[c]
	}
	return [2]uint64{binary.LittleEndian.Uint64(buf[:8]), binary.LittleEndian.Uint64(buf[8:])}
}

// mayHave is the cheap filter: length, first and last letter.
func (v *vocab) mayHave(b []byte) bool {
	if len(b) == 0 || len(b) > maxVocab {
		return false
	}
	first, last := foldTable[b[0]]-'a', foldTable[b[len(b)-1]]-'a'
	return first < 26 && last < 26 && v.ends[len(b)][first]&(1<<last) != 0
}
