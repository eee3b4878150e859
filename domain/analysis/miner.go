package analysis

import (
	"fmt"
	"strings"
)

// The miner groups masked messages into templates online, like Drain: a
// tree of fixed depth - token count, then first token - leads to a leaf of
// candidate templates, and a message joins the most similar one when it is
// similar enough, turning the positions where they differ into "<*>".
//
// Similarity is the share of positions where the template holds the same
// token, a variable, or a soft position, and the threshold is 1: every
// other constant token must match. Soft positions are the word after an
// entity noun ("user root" vs "user news"), a unit after a number ("16.0 B"
// vs "16.0 KB"), and a token holding a variable against a token that is
// only one ("<*>," vs "x~<*>,"). Drain's usual threshold of 0.5 would merge
// events that differ in one constant word ("VM Paused", "VM Resumed"); words
// that truly vary are found by their number instead (miner_siblings.go).

// tmplTok is one position of a template.
type tmplTok struct {
	hash  uint64
	flags tokFlag
	text  string
	shown shownText // what the template shows at this position, if not text
}

// cluster is one mined template.
type cluster struct {
	id    string // stable: derived from the text the template was created with
	toks  []tmplTok
	count int64
	text  string // rendered template, "" until asked for
	// watch lists the positions that compare what their messages hold:
	// their values or their runs.
	watch []int32
}

// leafKey names a leaf of the tree: token count and first token.
type leafKey struct {
	n     int32
	first uint64
}

// maxSeen bounds the cache of masked messages already placed.
const maxSeen = 1 << 16

// maxTokenText bounds the text kept for one template position.
const maxTokenText = 256

// miner holds the tree, the templates and a cache of the masked messages
// it has placed.
type miner struct {
	leaves   map[leafKey][]int32
	clusters []*cluster
	seen     map[uint64]placed // hash of a masked message -> where it went
	max      int
	overflow int32
	kw       *keywordSet // keywords looked for in constant tokens, or nil
	siblings siblingIndex
	bytes    int // memory the templates hold, roughly
}

// maxTemplateBytes bounds the memory of the templates, whatever their
// number: long messages make large templates.
const maxTemplateBytes = 32 << 20

// clusterSize estimates the memory a template of mk would hold: its token
// texts and, per token, the template slot and the sibling index entry.
func clusterSize(mk *masker) int {
	const perToken = 96
	return len(mk.toks)*perToken + min(len(mk.out), len(mk.toks)*maxTokenText)
}

// placed is what the miner remembers of a masked message it has seen.
type placed struct {
	cluster  int32
	keywords uint64 // bits of the miner's keywords in the constant tokens
	repeats  bool   // the message holds a run of repeated items (mask_repeats.go)
	groups   bool   // the message holds a bracketed group of words (mask_groups.go)
}

func newMiner(maxTemplates int) *miner {
	return &miner{leaves: make(map[leafKey][]int32), seen: make(map[uint64]placed), max: maxTemplates, overflow: -1,
		siblings: newSiblingIndex()}
}

// add places the masked message held by mk. Most messages were seen before
// with the same masked text, which one hash lookup finds; runs of repeated
// items are looked for only in the others.
func (m *miner) add(mk *masker) placed {
	h := mk.sequenceHash()
	if p, ok := m.seen[h]; ok {
		if p.groups {
			mk.joinWordGroups() // as when it was placed
		}
		if p.repeats {
			mk.collapseRepeats() // as when it was placed: the template compares its items
		}
		m.clusters[p.cluster].observe(mk)
		return p
	}
	keywords := m.constKeywords(mk) // words in a run of items count too
	groups := mk.joinWordGroups()
	repeats := mk.collapseRepeats()
	mk.hashTokens()
	p := placed{cluster: m.place(mk), keywords: keywords, repeats: repeats, groups: groups}
	m.clusters[p.cluster].observe(mk)
	if len(m.seen) >= maxSeen {
		clear(m.seen)
	}
	m.seen[h] = p
	return p
}

// constKeywords finds the miner's keywords in the constant tokens of mk.
func (m *miner) constKeywords(mk *masker) uint64 {
	var found uint64
	if m.kw == nil {
		return 0
	}
	for _, t := range mk.toks {
		if t.flags&tfHasVar == 0 {
			found |= m.kw.find(mk.out[t.off:t.end])
		}
	}
	return found
}

// place finds the template of a message not seen before, or makes one.
func (m *miner) place(mk *masker) int32 {
	key := leafKey{n: int32(len(mk.toks))}
	if len(mk.toks) > 0 {
		key.first = headKey(mk.out[mk.toks[0].off:mk.toks[0].end])
	}
	if best := m.bestInLeaf(m.leaves[key], mk.toks, mk.out); best >= 0 {
		m.clusters[best].generalize(mk.toks, mk.out)
		m.observeValues(mk, best)
		return best
	}
	if rep := m.joinSiblings(mk); rep >= 0 {
		return rep
	}
	size := clusterSize(mk)
	if len(m.clusters) >= m.max || m.bytes+size > maxTemplateBytes {
		return m.overflowCluster()
	}
	m.bytes += size
	ci := int32(len(m.clusters))
	m.clusters = append(m.clusters, newCluster(mk))
	m.leaves[key] = append(m.leaves[key], ci)
	m.siblings.add(mk, ci)
	return ci
}

// maxLeafScan bounds the templates compared in a crowded leaf: the oldest
// and the newest halves, so a file of ever new messages stays linear.
const maxLeafScan = 512

// bestInLeaf returns the template of the leaf that toks fits with the most
// equal tokens, or -1.
func (m *miner) bestInLeaf(leaf []int32, toks []token, out []byte) int32 {
	if len(leaf) <= maxLeafScan {
		best, _ := m.bestOf(leaf, toks, out)
		return best
	}
	old, oldExact := m.bestOf(leaf[:maxLeafScan/2], toks, out)
	recent, recentExact := m.bestOf(leaf[len(leaf)-maxLeafScan/2:], toks, out)
	if recentExact > oldExact {
		return recent
	}
	return old
}

// bestOf returns the template of leaf that toks fits with the most equal
// tokens, and their number; -1 when toks fits none.
func (m *miner) bestOf(leaf []int32, toks []token, out []byte) (int32, int) {
	best, bestExact := int32(-1), -1
	for _, ci := range leaf {
		if exact, ok := m.clusters[ci].match(toks, out); ok && exact > bestExact {
			best, bestExact = ci, exact
		}
	}
	return best, bestExact
}

// overflowCluster returns the one template shared by messages that come
// after the template cap is reached.
func (m *miner) overflowCluster() int32 {
	if m.overflow < 0 {
		m.overflow = int32(len(m.clusters))
		m.clusters = append(m.clusters, &cluster{id: "Eoverflow", toks: []tmplTok{wildTok}})
	}
	return m.overflow
}

var wildTok = tmplTok{hash: wildHash, flags: tfWild | tfPure | tfHasVar, text: wildcard}

func newCluster(mk *masker) *cluster {
	c := &cluster{id: templateID(mk.out), toks: make([]tmplTok, len(mk.toks))}
	for i, t := range mk.toks {
		text := mk.out[t.off:t.end]
		if len(text) > maxTokenText {
			text = text[:maxTokenText]
		}
		c.toks[i] = tmplTok{hash: t.hash, flags: t.flags, text: strings.ToValidUTF8(string(text), "\uFFFD")}
		c.toks[i].shown.start(mk, &t)
		if c.toks[i].shown.open() {
			c.watch = append(c.watch, int32(i))
		}
	}
	return c
}

// templateID derives a stable id from a template's first text.
func templateID(text []byte) string {
	return formatID('E', hashBytes(text))
}

// formatID renders a hash as a short id: a letter and 48 bits in hex.
func formatID(prefix byte, h uint64) string {
	return fmt.Sprintf("%c%012x", prefix, h>>16)
}

// match reports whether toks, masked into out, fits the template and how
// many tokens are equal. out may be nil: shapes are then not compared.
func (c *cluster) match(toks []token, out []byte) (int, bool) {
	exact := 0
	for i, t := range toks {
		ct := c.toks[i]
		switch {
		case ct.hash == t.hash:
			exact++
		case ct.flags&tfWild != 0:
		case i > 0 && softMismatch(c.toks[i-1], ct, t):
		case out != nil && sameShape(ct, t, out):
		case i == 0 && out != nil && sameHead(ct.text, out[t.off:t.end]):
		case i > 0 && out != nil && identifierAgainstValue(ct, t, out):
		default:
			return exact, false
		}
	}
	return exact, true
}

// softMismatch says whether a template token may become a variable when a
// message differs from it.
func softMismatch(prev, ct tmplTok, t token) bool {
	switch {
	case prev.flags&tfEntity != 0:
		return true
	case prev.flags&tfHasVar != 0 && ct.flags&tfUnit != 0 && t.flags&tfUnit != 0:
		return true
	case ct.flags&tfHasVar != 0 && t.flags&tfHasVar != 0 && (ct.flags|t.flags)&tfPure != 0:
		return true
	}
	return false
}

// identifierAgainstValue says whether one of ct and t is a variable in
// punctuation and the other an identifier in the same punctuation:
// "corpus-guest," against "<*>,". A name joined by '-' or '_' is a value
// in a slot where values go.
func identifierAgainstValue(ct tmplTok, t token, out []byte) bool {
	a, b := ct.text, string(out[t.off:t.end])
	switch {
	case ct.flags&tfPure != 0 && t.flags&tfHasVar == 0:
	case t.flags&tfPure != 0 && ct.flags&tfHasVar == 0:
		a, b = b, a
	default:
		return false
	}
	// a is the variable, b the identifier
	i := strings.Index(a, wildcard)
	pre, suf := a[:i], a[i+len(wildcard):]
	if !strings.HasPrefix(b, pre) || !strings.HasSuffix(b, suf) || len(b) <= len(pre)+len(suf) {
		return false
	}
	return isIdentifier(b[len(pre) : len(b)-len(suf)])
}

// isIdentifier matches a name made of words joined by '-' or '_':
// "corpus-guest", "worker_3".
func isIdentifier(s string) bool {
	joined := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '_':
			if i == 0 || i == len(s)-1 || !isLetter(s[i-1]) && !isDigit(s[i-1]) {
				return false
			}
			joined = true
		case !isLetter(c) && !isDigit(c):
			return false
		}
	}
	return joined
}

// sameShape says whether the template token ct holds a variable glued to
// a name by the same punctuation as the message token t, the names
// differing: "libc-bin:<*>" and "cowsay:<*>", "worker[<*>]:" and
// "reaper[<*>]:"; where ct shows a variable, t may hold a name
// ("<*>:<*>" and "krb5-locales:all"). A name in such a slot varies as the value beside it does.
// A run of punctuation ("dcbf.........0") makes a label, not such a slot.
func sameShape(ct tmplTok, t token, out []byte) bool {
	if (ct.flags|t.flags)&tfHasVar == 0 || (ct.flags|t.flags)&tfPure != 0 {
		return false
	}
	_, ok := shapeMerge(ct.text, out[t.off:t.end], false)
	return ok
}

// shapeMerge walks a template token a and a message token b together:
// variables meet variables (or, in a, names), names meet names, and other
// bytes must be equal. When build is set it returns a with the names that
// differ turned into variables.
func shapeMerge(a string, b []byte, build bool) (string, bool) {
	var sb strings.Builder
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case strings.HasPrefix(a[i:], wildcard):
			if j = valueEnd(a, i+len(wildcard), b, j); j < 0 {
				return "", false
			}
			i += len(wildcard)
			if build {
				sb.WriteString(wildcard)
			}
		case hasPrefix(b[j:], wildcard) && isNameByte(a[i]):
			// a name in the template where the message has a value
			i = nameEndString(a, i)
			j += len(wildcard)
			if build {
				sb.WriteString(wildcard)
			}
		case hasPrefix(b[j:], wildcard):
			return "", false
		case isNameByte(a[i]) && isNameByte(b[j]):
			ie, je := valueRunEndString(a, i), valueRunEnd(b, j)
			same := a[i:ie] == string(b[j:je])
			if !same && (ie < len(a) && a[ie] == '=' || je < len(b) && b[je] == '=') {
				return "", false // a key names its field: "uid=<*>", "gid=<*>"
			}
			if build && same {
				sb.WriteString(a[i:ie])
			} else if build {
				sb.WriteString(wildcard)
			}
			i, j = ie, je
		case a[i] == b[j] && !(a[i] == '.' && i+1 < len(a) && a[i+1] == '.'):
			if build {
				sb.WriteByte(a[i])
			}
			i, j = i+1, j+1
		default:
			return "", false
		}
	}
	if i != len(a) || j != len(b) {
		return "", false
	}
	return sb.String(), true
}

// headKey names the leaf of a message by its first token, a trailing
// colon left out: "retrying:" and "retrying" begin the same event.
func headKey(text []byte) uint64 {
	if n := len(text); n > 1 && text[n-1] == ':' {
		text = text[:n-1]
	}
	return tokenHash(text)
}

// sameHead says whether two first tokens differ only by a trailing colon.
func sameHead(a string, b []byte) bool {
	a, bs := strings.TrimSuffix(a, ":"), b
	if n := len(bs); n > 0 && bs[n-1] == ':' {
		bs = bs[:n-1]
	}
	return a == string(bs)
}

// valueEnd returns where the value that a variable of the template stands
// for ends in b from j: at the byte that follows the variable in the
// template (a[next]), or at the end; -1 when it would be empty.
func valueEnd(a string, next int, b []byte, j int) int {
	if hasPrefix(b[j:], wildcard) {
		return j + len(wildcard)
	}
	if next == len(a) {
		return len(b)
	}
	for e := j + 1; e < len(b); e++ {
		if b[e] == a[next] {
			return e
		}
	}
	return -1
}

// valueRunEnd returns where the run of name bytes and variables at b[j:]
// ends: "corpus-<*>" is one name with a value in it.
func valueRunEnd(b []byte, j int) int {
	for j < len(b) {
		switch {
		case hasPrefix(b[j:], wildcard):
			j += len(wildcard)
		case isNameByte(b[j]):
			j++
		default:
			return j
		}
	}
	return j
}

// valueRunEndString is valueRunEnd for a template's text.
func valueRunEndString(a string, i int) int {
	for i < len(a) {
		switch {
		case strings.HasPrefix(a[i:], wildcard):
			i += len(wildcard)
		case isNameByte(a[i]):
			i++
		default:
			return i
		}
	}
	return i
}

// nameEndString returns where the run of name bytes at a[i:] ends,
// stopping at a variable.
func nameEndString(a string, i int) int {
	for i < len(a) && isNameByte(a[i]) && !strings.HasPrefix(a[i:], wildcard) {
		i++
	}
	return i
}

func isNameByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' || c == '-' }

// generalize turns the positions where toks differs into variables,
// keeping punctuation both sides share: "B," and "KB," give "<*>,".
func (c *cluster) generalize(toks []token, out []byte) {
	for i, t := range toks {
		if c.toks[i].hash != t.hash && c.toks[i].flags&tfWild == 0 && !(i == 0 && sameHead(c.toks[0].text, out[t.off:t.end])) {
			c.toks[i] = generalized(c.toks[i], t, out)
			c.text = ""
		}
	}
}

// generalized returns template token ct made to cover message token t: its
// differing names become variables when the two share a shape, else it is
// a variable with the punctuation both share.
func generalized(ct tmplTok, t token, out []byte) tmplTok {
	if sameShape(ct, t, out) {
		if text, ok := shapeMerge(ct.text, out[t.off:t.end], true); ok {
			return tmplTok{hash: tokenHash([]byte(text)), flags: ct.flags &^ tfTrack, text: text, shown: shownText{mixed: true}}
		}
	}
	return wildWithPunct(ct, string(out[t.off:t.end]))
}

// generalizeTmpl is generalize for the tokens of another template.
func (c *cluster) generalizeTmpl(toks []tmplTok) {
	for i, t := range toks {
		if c.toks[i].hash != t.hash && c.toks[i].flags&tfWild == 0 {
			c.toks[i] = wildWithPunct(c.toks[i], t.text)
			c.text = ""
		}
	}
}

// wildWithPunct returns a variable with the punctuation template token ct
// and text b share around their words. A unit stays flagged: the template
// shows it as part of the number before it.
func wildWithPunct(ct tmplTok, b string) tmplTok {
	a := ct.text
	pre, suf := 0, 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] && isOpenPunct(a[pre]) && a[pre] != '<' {
		pre++
	}
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] &&
		isClosePunct(a[len(a)-1-suf]) && a[len(a)-1-suf] != '>' {
		suf++
	}
	flags := wildTok.flags | ct.flags&tfUnit
	if pre == 0 && suf == 0 {
		return tmplTok{hash: wildTok.hash, flags: flags, text: wildcard, shown: shownText{mixed: true}}
	}
	return tmplTok{hash: wildTok.hash, flags: flags, text: a[:pre] + wildcard + a[len(a)-suf:], shown: shownText{mixed: true}}
}

// template renders the template with "<*>" for variables.
func (c *cluster) template() string {
	if c.text == "" && len(c.toks) > 0 {
		c.text = c.render()
	}
	return c.text
}

// renderTokens joins the texts of template tokens.
func renderTokens(toks []tmplTok) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		parts[i] = t.text
	}
	return strings.Join(parts, " ")
}
