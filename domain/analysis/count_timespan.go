package analysis

import "time"

// timeSpan is the range of timestamps seen (Unix nanoseconds) and whether
// any of them lacked a year or a zone.
type timeSpan struct {
	min, max       int64
	has            bool
	noYear, noZone bool
}

// add widens the span to cover one time.
func (s *timeSpan) add(nano int64, noYear, noZone bool) {
	if !s.has || nano < s.min {
		s.min = nano
	}
	if !s.has || nano > s.max {
		s.max = nano
	}
	s.has = true
	s.noYear = s.noYear || noYear
	s.noZone = s.noZone || noZone
}

// merge widens the span to cover o.
func (s *timeSpan) merge(o timeSpan) {
	if !o.has {
		return
	}
	if !s.has || o.min < s.min {
		s.min = o.min
	}
	if !s.has || o.max > s.max {
		s.max = o.max
	}
	s.has = true
	s.noYear = s.noYear || o.noYear
	s.noZone = s.noZone || o.noZone
}

// times returns the span's ends in UTC.
func (s *timeSpan) times() (time.Time, time.Time) {
	return time.Unix(0, s.min).UTC(), time.Unix(0, s.max).UTC()
}
