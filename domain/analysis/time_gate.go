package analysis

// Gates for timestamp detection. Detection tries every candidate layout at
// the first fields of every sample line, and nearly all of those tries
// fail on the layout's first elements. A field's head - the length of the
// run of digits its text opens with, the byte after that run, whether it
// opens with a month or weekday name - is read once for all layouts, and
// tables built from the layouts' first elements give the set of layouts
// that may match such a head: a run of digits that the layout's leading
// numbers read in full followed by the literal after them, a name, a Unix
// time's exact number of digits. A layout is left out only where its parse
// would fail, so that the hit counts are those of parsing every layout
// everywhere (TestTimestampGatesAsParse).

// tsHead is what a field's text opens with.
type tsHead struct {
	digits  int  // length of the run of digits it opens with
	after   byte // the byte after that run, when hasMore
	hasMore bool
	month   bool // it opens with an English month name
	weekday bool // it opens with an English weekday name
}

// readTsHead reads the head of the text at b[pos:].
func readTsHead(b []byte, pos int) tsHead {
	var h tsHead
	p := pos
	for p < len(b) && isDigit(b[p]) {
		p++
	}
	h.digits = p - pos
	if p < len(b) {
		h.after, h.hasMore = b[p], true
	}
	if h.digits == 0 && p+3 <= len(b) && isLetter(b[p]) {
		w := uint32(b[p]|0x20)<<16 | uint32(b[p+1]|0x20)<<8 | uint32(b[p+2]|0x20)
		h.month = packedName(w, &packedMonths)
		h.weekday = packedName(w, &packedWeekdays)
	}
	return h
}

// packedMonths and packedWeekdays are monthNames and weekdayNames, three
// bytes to an integer as readTsHead packs a field's first three bytes.
var (
	packedMonths   = packNames(monthNames[:])
	packedWeekdays = packNames(weekdayNames[:])
)

func packNames(names []string) [12]uint32 {
	var out [12]uint32
	for i, n := range names {
		out[i] = uint32(n[0])<<16 | uint32(n[1])<<8 | uint32(n[2])
	}
	for i := len(names); i < len(out); i++ {
		out[i] = out[0]
	}
	return out
}

// packedName says whether w is one of names: nameInto's answer for the
// same three bytes.
func packedName(w uint32, names *[12]uint32) bool {
	for _, n := range names {
		if w == n {
			return true
		}
	}
	return false
}

// gateDigits caps the length of a run of digits in the tables: every run
// at least this long is read alike by every layout (tsGateSet checks that
// no layout's leading numbers or Unix time reach it).
const gateDigits = 15

// tsGateSet holds, as bit sets over tsCandidates, the layouts a head
// admits.
type tsGateSet struct {
	plain    [gateDigits + 1]uint64 // admitted by the run's length alone
	withNext [gateDigits + 1]uint64 // admitted by the run's length when the literal after it follows
	nextIs   [256]uint64            // whose literal after the leading numbers is the byte
	month    uint64                 // opening with a month name
	weekday  uint64                 // opening with a weekday name
}

// digitWidths are the least and most digits parseElem reads for an element
// of digits.
func digitWidths(k tsKind) (lo, hi int, ok bool) {
	switch k {
	case elYear4:
		return 4, 4, true
	case elYear2:
		return 2, 2, true
	case elMonth, elDay, elHour, elMinute, elSecond:
		return 1, 2, true
	}
	return 0, 0, false
}

// newTsGateSet builds the tables for layouts (at most 64).
func newTsGateSet(layouts []*tsLayout) *tsGateSet {
	if len(layouts) > 64 {
		panic("analysis: more timestamp layouts than a gate set holds")
	}
	g := &tsGateSet{}
	for i, l := range layouts {
		g.add(uint64(1)<<i, l.elems)
	}
	return g
}

// add enters the layout with bit bit and elements elems.
func (g *tsGateSet) add(bit uint64, elems []tsElem) {
	open := func() {
		for d := range g.plain {
			g.plain[d] |= bit
		}
	}
	if len(elems) == 0 {
		open()
		return
	}
	switch elems[0].kind {
	case elMonthName:
		g.month |= bit
		return
	case elWeekday:
		g.weekday |= bit
		return
	case elEpoch, elEpochMs:
		n := 10
		if elems[0].kind == elEpochMs {
			n = 13
		}
		if n >= gateDigits {
			open()
			return
		}
		g.plain[n] |= bit // exactly n digits: epochInto reads n and refuses a digit after them
		return
	}
	var widths [][2]int
	most := 0
	i := 0
	for ; i < len(elems); i++ {
		lo, hi, ok := digitWidths(elems[i].kind)
		if !ok {
			break
		}
		widths = append(widths, [2]int{lo, hi})
		most += hi
	}
	if len(widths) == 0 || most >= gateDigits {
		open()
		return
	}
	var next byte
	hasNext := false
	if i < len(elems) {
		switch e := elems[i]; {
		case e.kind == elLit && !isDigit(e.lit):
			next, hasNext = e.lit, true
		case e.kind == elSpaces:
			next, hasNext = ' ', true
		}
	}
	for d := range g.plain {
		rest, ok := readsDigits(widths, d)
		switch {
		case !ok:
		case !hasNext:
			g.plain[d] |= bit
		case rest == 0: // the literal must be the byte after the run
			g.withNext[d] |= bit
		}
	}
	if hasNext {
		g.nextIs[next] |= bit
	}
}

// readsDigits reads a run of d digits as parseElem's elements of widths do,
// each taking as many as it may: ok is false when one gets too few, rest
// is what is left of the run.
func readsDigits(widths [][2]int, d int) (rest int, ok bool) {
	rest = d
	for _, w := range widths {
		n := min(rest, w[1])
		if n < w[0] {
			return rest, false
		}
		rest -= n
	}
	return rest, true
}

// admitted returns the layouts a head may hold.
func (g *tsGateSet) admitted(h *tsHead) uint64 {
	d := min(h.digits, gateDigits)
	set := g.plain[d]
	if h.hasMore {
		set |= g.withNext[d] & g.nextIs[h.after]
	}
	if h.month {
		set |= g.month
	}
	if h.weekday {
		set |= g.weekday
	}
	return set
}

// tsGates gates tsCandidates.
var tsGates = newTsGateSet(tsCandidates)
