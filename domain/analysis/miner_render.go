package analysis

import "strings"

// What a template shows. Grouping compares masked tokens; the text shown
// for a template is decided from what its messages held:
//
//   - a run of values the masker collapsed into one variable shows one
//     "<*>" per value when every message had the same number of values
//     ("REPORT : <*> <*> <*> <*>"), else one "<*>";
//   - a variable that may be a constant (the word value of a key=value or
//     key:value pair, a short name with a digit such as "eth0") shows the
//     value when every one of at least minConstantEvidence messages had the
//     same one ("application_name=psql", "IPv4");
//   - a unit that varied ("5.2 KB", "16 B") is part of the number before it:
//     "size <*>, free <*>", not "size <*> <*>".

// minConstantEvidence is how many messages must agree on a value before a
// template shows it as a constant.
const minConstantEvidence = 3

// shownText is what one position of a template learned of its messages.
type shownText struct {
	exp string // the expansion of a list of values; "" when none
	run uint16 // the values of a run of variables, when more than one
	// names are the values of the run that are short names ("ssh2"), as
	// the first message had them; "" where a value is not, or once a
	// message had another there.
	names    []string
	raw      string // the value of a tracked variable in the first message
	mixed    bool   // messages differed in their expansion here
	tracking bool   // raw is being compared
	rawMixed bool   // messages differed in their value here
}

// start records what the first message of a template held at token t.
func (s *shownText) start(mk *masker, t *token) {
	if t.flags&tfOneValue == 0 {
		if t.xi > 0 {
			s.exp = string(mk.expOf(t))
		} else if t.run > 1 {
			s.run = t.run
			s.names = runNames(mk.msg[t.raw.start:t.raw.end], int(t.run))
		}
	}
	if t.flags&tfTrack != 0 {
		s.tracking, s.raw = true, string(mk.msg[t.raw.start:t.raw.end])
	}
}

// observe counts a message placed in the template and compares what it
// holds with what the template has seen.
//
// Only what the first message held can show: a position that had neither
// a run nor a tracked value shows its text whatever later messages hold.
// Once every position has seen a difference, the template stops watching.
func (c *cluster) observe(mk *masker) {
	c.count++
	if c.count == minConstantEvidence {
		c.text = ""
	}
	if len(c.watch) == 0 {
		return
	}
	c.text = ""
	if len(mk.toks) != len(c.toks) { // placed in a shorter, merged template
		for i := range c.toks {
			c.toks[i].shown.mixed, c.toks[i].shown.rawMixed = true, true
		}
		c.watch = nil
		return
	}
	open := c.watch[:0]
	for _, i := range c.watch {
		s := &c.toks[i].shown
		s.differs(mk, &mk.toks[i])
		if s.open() {
			open = append(open, i)
		}
	}
	c.watch = open
}

// open says whether the position may still show something of its own.
func (s *shownText) open() bool {
	return !s.mixed && (s.exp != "" || s.run > 1) || s.tracking && !s.rawMixed
}

// runText shows a run of fixed length: one variable per value, or the
// name a value always had when there is evidence enough.
func (s *shownText) runText(evidence bool) string {
	f := make([]string, s.run)
	for i := range f {
		f[i] = wildcard
		if evidence && i < len(s.names) && s.names[i] != "" {
			f[i] = s.names[i]
		}
	}
	return strings.Join(f, " ")
}

// runNames returns the values of a run, raw, where they are short names
// ("port 38926 ssh2": "", "ssh2"); nil when none is.
func runNames(raw []byte, n int) []string {
	f := strings.Fields(string(raw))
	if len(f) != n {
		return nil
	}
	any := false
	for i, v := range f {
		if isShortName([]byte(v)) {
			any = true
		} else {
			f[i] = ""
		}
	}
	if !any {
		return nil
	}
	return f
}

// compareNames forgets the names of the run that the message's run, raw,
// does not repeat, and reports whether it forgot one.
func (s *shownText) compareNames(raw []byte) bool {
	changed, left := false, false
	for i, v := range strings.Fields(string(raw)) {
		if i < len(s.names) && s.names[i] != "" && s.names[i] != v {
			s.names[i], changed = "", true
		}
		left = left || i < len(s.names) && s.names[i] != ""
	}
	if !left {
		s.names = nil
	}
	return changed
}

// differs compares the message's token t with what the position has seen
// and reports whether that changed what the template shows.
func (s *shownText) differs(mk *masker, t *token) bool {
	changed := false
	if !s.mixed && (s.exp != "" || s.run > 1) {
		var exp []byte
		var run uint16
		if t.flags&tfOneValue == 0 {
			if t.xi > 0 {
				exp = mk.expOf(t)
			} else if t.run > 1 {
				run = t.run
			}
		}
		if string(exp) != s.exp || run != s.run {
			s.mixed, changed = true, true
		} else if s.names != nil {
			changed = s.compareNames(mk.msg[t.raw.start:t.raw.end])
		}
	}
	if s.tracking && !s.rawMixed && (t.flags&tfTrack == 0 || string(mk.msg[t.raw.start:t.raw.end]) != s.raw) {
		s.rawMixed, changed = true, true
	}
	return changed
}

// render writes the template as it shows.
func (c *cluster) render() string {
	var b strings.Builder
	for i := range c.toks {
		t := &c.toks[i]
		text := t.text
		switch {
		case t.shown.tracking && !t.shown.rawMixed && c.count >= minConstantEvidence:
			text = strings.ToValidUTF8(t.shown.raw, "\uFFFD")
		case t.shown.exp != "" && !t.shown.mixed:
			text = t.shown.exp
		case t.shown.run > 1 && !t.shown.mixed:
			text = t.shown.runText(c.count >= minConstantEvidence)
		}
		if i > 0 && t.flags&(tfUnit|tfHasVar) == tfUnit|tfHasVar && strings.HasPrefix(text, wildcard) &&
			strings.HasSuffix(b.String(), wildcard) {
			b.WriteString(text[len(wildcard):]) // "5.2 KB" is one value
			continue
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(text)
	}
	return b.String()
}
