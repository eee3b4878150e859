package analysis

import "bytes"

// tsReader parses timestamps of one layout line after line. Consecutive
// log lines nearly always share their date, hour and minute, so it keeps
// the bytes before the seconds of the last timestamp it parsed and, when
// the next line starts with the same bytes, parses only from the seconds on.
type tsReader struct {
	l      *tsLayout
	secIdx int    // index of the seconds element, -1 when there is none
	prefix []byte // text of the last timestamp before its seconds
	base   civil  // what the prefix held
	valid  bool
	// secLast: the seconds end the layout, so after the prefix only they
	// are read, as parseElem would read them, without its dispatch;
	// fracLast and zoneLast: only a fraction follows them, or a fraction
	// and a zone, read so too.
	secLast, fracLast, zoneLast bool
}

func newTSReader(l *tsLayout) *tsReader {
	r := &tsReader{l: l, secIdx: -1}
	for i, e := range l.elems {
		if e.kind == elSecond {
			r.secIdx = i
		}
	}
	if r.secIdx >= 0 {
		rest := l.elems[r.secIdx+1:]
		r.secLast = len(rest) == 0
		r.fracLast = len(rest) == 1 && rest[0].kind == elFrac
		r.zoneLast = len(rest) == 2 && rest[0].kind == elFrac && rest[1].kind == elZone
	}
	return r
}

// parse reads a timestamp at b[pos:] like tsLayout.parse.
func (r *tsReader) parse(b []byte, pos int) (civil, int, bool) {
	var c civil
	end, ok := r.parseInto(b, pos, &c)
	return c, end, ok
}

// parseInto is parse writing into c, which a header reads on every line.
func (r *tsReader) parseInto(b []byte, pos int, c *civil) (int, bool) {
	if r.secIdx < 0 {
		*c = r.l.zero()
		return r.l.parseElems(b, pos, 0, c)
	}
	if r.valid && bytes.HasPrefix(b[pos:], r.prefix) {
		*c = r.base
		if r.secLast || r.fracLast || r.zoneLast { // parseElems of the seconds and what follows them
			end, ok := digitsInto(b, pos+len(r.prefix), 1, 2, 0, 60, &c.sec)
			if !ok {
				return end, false
			}
			if !r.secLast {
				end = fracInto(b, end, &c.nsec)
			}
			if r.zoneLast {
				end = zoneInto(b, end, c)
			}
			return end, atBoundary(b, end)
		}
		return r.l.parseElems(b, pos+len(r.prefix), r.secIdx, c)
	}
	*c = r.l.zero()
	end, ok := r.l.parseElems(b, pos, 0, c)
	r.valid = false
	if ok {
		r.remember(b, pos, c)
	}
	return end, ok
}

// remember keeps the prefix of a parsed timestamp: it re-reads the
// elements before the seconds to find where they end.
func (r *tsReader) remember(b []byte, pos int, c *civil) {
	var scratch civil
	end := pos
	for _, e := range r.l.elems[:r.secIdx] {
		var ok bool
		if end, ok = parseElem(e, b, end, &scratch); !ok {
			return
		}
	}
	r.prefix = append(r.prefix[:0], b[pos:end]...)
	r.base = *c
	r.base.sec, r.base.nsec, r.base.zoneSec, r.base.hasZone = 0, 0, 0, false
	r.base.hour = scratch.hour // as written: an AM or PM after the seconds moves it again on every line
	r.valid = true
}

// yearClock completes timestamps without a year: it starts at the assumed
// year and moves to the next when the months wrap from December to January.
type yearClock struct {
	year, lastMonth int
	day             dayMemo
}

func (y *yearClock) place(c *civil) int64 {
	if !c.hasYear {
		if y.lastMonth > 0 && c.month < y.lastMonth-6 {
			y.year++
		}
		y.lastMonth = c.month
	}
	if c.isEpoch {
		return c.epochNano
	}
	if !c.hasYear {
		c.year = y.year
	}
	// c.unixNano, with the day number of the date remembered
	return c.nanoOnDay(y.day.days(c.year, c.month, c.day))
}

// dayMemo remembers the day number of the last date it was asked for:
// most lines are stamped on the day of the line before.
type dayMemo struct {
	y, m, d int
	n       int64
	ok      bool
}

func (k *dayMemo) days(y, m, d int) int64 {
	if !k.ok || y != k.y || m != k.m || d != k.d {
		k.y, k.m, k.d, k.n, k.ok = y, m, d, daysFromCivil(y, m, d), true
	}
	return k.n
}
