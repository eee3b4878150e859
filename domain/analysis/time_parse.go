package analysis

// civil is a timestamp as read from a line, before it is placed in UTC.
type civil struct {
	year, month, day  int
	hour, minute, sec int
	nsec              int
	zoneSec           int // offset east of UTC, when hasZone
	hasYear, hasZone  bool
	epochNano         int64 // set instead of the fields for Unix times
	isEpoch           bool
}

// parse reads the layout at b[pos:] and returns the timestamp and where it
// ends. It fails unless the timestamp ends at a field boundary.
func (l *tsLayout) parse(b []byte, pos int) (civil, int, bool) {
	c := l.zero()
	end, ok := l.parseElems(b, pos, 0, &c)
	return c, end, ok
}

// zero is what a timestamp of the layout holds before its elements are
// read.
func (l *tsLayout) zero() civil { return civil{hasYear: l.hasYear, month: 1, day: 1} }

// parseElems reads the layout's elements from index first on into c.
func (l *tsLayout) parseElems(b []byte, pos, first int, c *civil) (int, bool) {
	for _, e := range l.elems[first:] {
		var ok bool
		if pos, ok = parseElem(e, b, pos, c); !ok {
			return pos, false
		}
	}
	return pos, atBoundary(b, pos)
}

// atBoundary says whether a timestamp may end at pos: at the end, before a
// separator, or before a colon that closes the field ("14:36:53: run").
func atBoundary(b []byte, pos int) bool {
	if pos >= len(b) {
		return true
	}
	switch b[pos] {
	case ' ', '\t', ',', ']', '|', ')', ';', '"':
		return true
	}
	return isClosingColon(b, pos)
}

// isClosingColon says whether b[pos] is a colon ending a field: one followed
// by a blank or by the end of the line.
func isClosingColon(b []byte, pos int) bool {
	return pos < len(b) && b[pos] == ':' && (pos+1 == len(b) || b[pos+1] == ' ' || b[pos+1] == '\t')
}

// parseElem reads one element into c.
func parseElem(e tsElem, b []byte, pos int, c *civil) (int, bool) {
	switch e.kind {
	case elYear4:
		return digitsInto(b, pos, 4, 4, 0, 9999, &c.year)
	case elYear2:
		p, ok := digitsInto(b, pos, 2, 2, 0, 99, &c.year)
		c.year += 2000
		if c.year >= 2070 {
			c.year -= 100
		}
		return p, ok
	case elMonth:
		return digitsInto(b, pos, 1, 2, 1, 12, &c.month)
	case elDay:
		return digitsInto(b, pos, 1, 2, 1, 31, &c.day)
	case elHour:
		return digitsInto(b, pos, 1, 2, 0, 23, &c.hour)
	case elMinute:
		return digitsInto(b, pos, 1, 2, 0, 59, &c.minute)
	case elSecond:
		return digitsInto(b, pos, 1, 2, 0, 60, &c.sec)
	case elMonthName:
		return nameInto(b, pos, monthNames[:], &c.month)
	case elWeekday:
		var wd int
		return nameInto(b, pos, weekdayNames[:], &wd)
	case elFrac:
		return fracInto(b, pos, &c.nsec), true
	case elZone:
		return zoneInto(b, pos, c), true
	case elSpaces:
		return spacesAt(b, pos)
	case elLit:
		return pos + 1, pos < len(b) && b[pos] == e.lit
	case elEpoch:
		return epochInto(b, pos, 10, 1e9, c)
	case elEpochMs:
		return epochInto(b, pos, 13, 1e6, c)
	}
	return pos, false
}

// digitsInto reads minN to maxN digits as a number in [lo, hi].
func digitsInto(b []byte, pos, minN, maxN, lo, hi int, dst *int) (int, bool) {
	v, n := 0, 0
	for n < maxN && pos+n < len(b) && isDigit(b[pos+n]) {
		v = v*10 + int(b[pos+n]-'0')
		n++
	}
	*dst = v
	return pos + n, n >= minN && v >= lo && v <= hi
}

var monthNames = [12]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
var weekdayNames = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// nameInto reads an English month or weekday name, abbreviated or full,
// and stores its 1-based index.
func nameInto(b []byte, pos int, names []string, dst *int) (int, bool) {
	if pos+3 > len(b) {
		return pos, false
	}
	var low [3]byte
	for i := range 3 {
		low[i] = b[pos+i] | 0x20
	}
	for i, n := range names {
		if string(low[:]) == n {
			*dst = i + 1
			pos += 3
			for pos < len(b) && isLetter(b[pos]) {
				pos++
			}
			return pos, true
		}
	}
	return pos, false
}

// fracInto reads an optional fraction of a second after '.', ',' or ':'.
func fracInto(b []byte, pos int, nsec *int) int {
	if pos+1 >= len(b) || !isDigit(b[pos+1]) {
		return pos
	}
	switch b[pos] {
	case '.', ',', ':':
	default:
		return pos
	}
	pos++
	v, n := 0, 0
	for ; pos < len(b) && isDigit(b[pos]); pos++ {
		if n < 9 {
			v = v*10 + int(b[pos]-'0')
			n++
		}
	}
	for ; n < 9; n++ {
		v *= 10
	}
	*nsec = v
	return pos
}

// zoneInto reads an optional zone, possibly after one space, and before
// it the AM or PM of a 12-hour clock.
func zoneInto(b []byte, pos int, c *civil) int {
	pos = meridiemInto(b, pos, c)
	p := pos
	if p < len(b) && b[p] == ' ' {
		p++
	}
	if p >= len(b) {
		return pos
	}
	switch {
	case b[p] == 'Z':
		c.hasZone = true
		return p + 1
	case b[p] == '+' || b[p] == '-':
		return offsetInto(b, p, c, pos)
	case hasPrefixFold(b[p:], "UTC") || hasPrefixFold(b[p:], "GMT"):
		c.hasZone = true
		return p + 3
	}
	return pos
}

// meridiemInto reads an optional AM or PM, possibly after one space, and
// moves a 12-hour clock's hour to 24 hours: "1:05:38 PM" is 13:05:38,
// "12:30:00 AM" 00:30:00. Hours outside 1-12 are left alone.
func meridiemInto(b []byte, pos int, c *civil) int {
	p := pos
	if p < len(b) && b[p] == ' ' {
		p++
	}
	if p+2 > len(b) || b[p+1]|0x20 != 'm' || !atBoundary(b, p+2) || c.hour < 1 || c.hour > 12 {
		return pos
	}
	switch b[p] | 0x20 {
	case 'a':
		if c.hour == 12 {
			c.hour = 0
		}
	case 'p':
		if c.hour != 12 {
			c.hour += 12
		}
	default:
		return pos
	}
	return p + 2
}

// offsetInto reads +hh, +hhmm or +hh:mm at p; it returns fallback when
// there is none.
func offsetInto(b []byte, p int, c *civil, fallback int) int {
	sign := 1
	if b[p] == '-' {
		sign = -1
	}
	var hh, mm int
	q, ok := digitsInto(b, p+1, 2, 2, 0, 14, &hh)
	if !ok {
		return fallback
	}
	if q < len(b) && b[q] == ':' {
		q++
	}
	if r, ok := digitsInto(b, q, 2, 2, 0, 59, &mm); ok {
		q = r
	}
	c.hasZone = true
	c.zoneSec = sign * (hh*3600 + mm*60)
	return q
}

func spacesAt(b []byte, pos int) (int, bool) {
	start := pos
	for pos < len(b) && b[pos] == ' ' {
		pos++
	}
	return pos, pos > start
}

// Unix times between 2000 and 2100 are accepted as timestamps; other
// numbers of the same width are not.
const (
	epochMin = 946684800
	epochMax = 4102444800
)

// epochInto reads a Unix time of exactly n digits in units of unit
// nanoseconds, with an optional fraction.
func epochInto(b []byte, pos, n int, unit int64, c *civil) (int, bool) {
	var v int64
	i := 0
	for ; i < n && pos+i < len(b) && isDigit(b[pos+i]); i++ {
		v = v*10 + int64(b[pos+i]-'0')
	}
	pos += i
	if i != n || (pos < len(b) && isDigit(b[pos])) {
		return pos, false
	}
	secs := v * unit / 1e9
	if secs < epochMin || secs >= epochMax {
		return pos, false
	}
	var frac int
	if unit == 1e9 {
		pos = fracInto(b, pos, &frac)
	}
	c.isEpoch, c.hasZone, c.hasYear = true, true, true
	c.epochNano = v*unit + int64(frac)
	return pos, true
}

// unixNano places c in UTC. year completes timestamps without one.
func (c *civil) unixNano(year int) int64 {
	if c.isEpoch {
		return c.epochNano
	}
	if !c.hasYear {
		c.year = year
	}
	return c.nanoOnDay(daysFromCivil(c.year, c.month, c.day))
}

// nanoOnDay is unixNano once the date's day number is known.
func (c *civil) nanoOnDay(days int64) int64 {
	secs := days*86400 + int64(c.hour*3600+c.minute*60+c.sec-c.zoneSec)
	return secs*1e9 + int64(c.nsec)
}

// daysFromCivil counts days since 1970-01-01 in the proleptic Gregorian
// calendar (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
