package analysis

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

func TestTimestampLayouts(t *testing.T) {
	tests := []struct {
		lines []string
		spec  string
		want  string // first line in UTC, with 2024 for a missing year
		note  bool   // the date order was ambiguous
	}{
		{[]string{"2024-05-01T10:00:00Z x", "2024-05-01T10:00:01.5Z y"}, "YYYY-MM-DDThh:mm:ss.fZ", "2024-05-01T10:00:00Z", false},
		{[]string{"2024-05-01 10:00:00 -0700 x"}, "YYYY-MM-DD_hh:mm:ss.fZ", "2024-05-01T17:00:00Z", false},
		{[]string{"10/Oct/2000:13:55:36 -0700 GET"}, "DD/Mon/YYYY:hh:mm:ss.fZ", "2000-10-10T20:55:36Z", false},
		{[]string{"17/06/09 20:10:40 INFO x"}, "YY/MM/DD_hh:mm:ss.f", "2017-06-09T20:10:40Z", false},
		{[]string{"03/04/2024 10:00:00 x", "05/06/2024 10:00:00 y"}, "MM/DD/YYYY_hh:mm:ss.fZ", "2024-03-04T10:00:00Z", true},
		{[]string{"20171224-0:0:0:234|a|b"}, "YYYYMMDD-hh:mm:ss.f", "2017-12-24T00:00:00.234Z", false},
		{[]string{"1117838570 x"}, "EPOCH", "2005-06-03T22:42:50Z", false},
		{[]string{"1117838570123 x"}, "EPOCHMS", "2005-06-03T22:42:50.123Z", false},
		{[]string{"Jul  3 04:08:03 host x"}, "Mon_DD_hh:mm:ss.f", "2024-07-03T04:08:03Z", false},
		// Unpadded hours, two spaces, 12-hour clocks, a closing colon.
		{[]string{"2024-03-05  9:15:02 0 [Note] x"}, "YYYY-MM-DD_hh:mm:ss.fZ", "2024-03-05T09:15:02Z", false},
		{[]string{"Mar 5, 2024 1:05:38 PM org.example.Server start"}, "Mon_DD,_YYYY_hh:mm:ss.fZ", "2024-03-05T13:05:38Z", false},
		{[]string{"03/05/2024 12:30:00 AM x", "03/05/2024 12:30:00 PM y"}, "MM/DD/YYYY_hh:mm:ss.fZ", "2024-03-05T00:30:00Z", true},
		{[]string{"2024-03-05 09:15:02: run"}, "YYYY-MM-DD_hh:mm:ss.fZ", "2024-03-05T09:15:02Z", false},
	}
	for _, tt := range tests {
		var sample [][]byte
		for _, l := range tt.lines {
			sample = append(sample, []byte(l))
		}
		c := detectTimestamp(sample)
		if c.layout == nil || c.layout.spec != tt.spec || c.ambiguous != tt.note {
			t.Errorf("%q: layout %+v, want %s (ambiguous %v)", tt.lines[0], c, tt.spec, tt.note)
			continue
		}
		ts, _, ok := parseTsField(c.layout, sample[0], 0)
		got := time.Unix(0, ts.unixNano(2024)).UTC().Format(time.RFC3339Nano)
		if !ok || got != tt.want {
			t.Errorf("%q: %s (ok %v), want %s", tt.lines[0], got, ok, tt.want)
		}
	}
}

// The reader keeps the hour as written: a PM after the seconds moves it on
// every line, not once more per line.
func TestReaderTwelveHourClock(t *testing.T) {
	r := newTSReader(compileSpec("MM/DD/YYYY_hh:mm:ss.fZ"))
	var got []string
	for _, line := range []string{"03/05/2024 1:05:38 PM a", "03/05/2024 1:05:39 PM b", "03/05/2024 1:05:40 AM c", "03/05/2024 1:05:41 PMx"} {
		c, end, ok := r.parse([]byte(line), 0)
		got = append(got, fmt.Sprintf("%s %d %v", time.Unix(0, c.unixNano(0)).UTC().Format(time.TimeOnly), end, ok))
	}
	want := []string{"13:05:38 21 true", "13:05:39 21 true", "01:05:40 21 true", "01:05:41 18 true"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestYearRolloverAndReader(t *testing.T) {
	l := compileSpec("Mon_DD_hh:mm:ss.f")
	r := newTSReader(l)
	clock := yearClock{year: 2023}
	var got []string
	for _, line := range []string{"Dec 31 23:59:58 a", "Dec 31 23:59:59 b", "Jan  1 00:00:01 c", "Jan  1 00:00:02 d"} {
		c, _, ok := r.parse([]byte(line), 0)
		if !ok {
			t.Fatalf("%q does not parse", line)
		}
		got = append(got, time.Unix(0, clock.place(&c)).UTC().Format(time.RFC3339))
	}
	want := []string{"2023-12-31T23:59:58Z", "2023-12-31T23:59:59Z", "2024-01-01T00:00:01Z", "2024-01-01T00:00:02Z"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %s, want %s", i, got[i], want[i])
		}
	}
}

// yearClock.place, which remembers the last date's day number, gives what
// civil.unixNano gives with the clock's year, on runs of dates that repeat,
// move on, wrap from December to January and come with and without years.
func TestYearClockRemembersDays(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	clock, ref := yearClock{year: 2024}, yearClock{year: 2024}
	refPlace := func(c *civil) int64 { // the clock before the memo
		if c.hasYear {
			return c.unixNano(0)
		}
		if ref.lastMonth > 0 && c.month < ref.lastMonth-6 {
			ref.year++
		}
		ref.lastMonth = c.month
		return c.unixNano(ref.year)
	}
	c := civil{year: 2024, month: 11, day: 28}
	for i := range 200_000 {
		switch r := rng.IntN(100); {
		case r < 70: // the same day
		case r < 85:
			c.day = 1 + rng.IntN(31)
		case r < 95:
			c.month, c.day = 1+rng.IntN(12), 1+rng.IntN(28)
		default:
			c.year = 1900 + rng.IntN(300)
		}
		c.hasYear = rng.IntN(4) > 0
		c.isEpoch, c.epochNano = rng.IntN(50) == 0, rng.Int64()
		c.hour, c.minute, c.sec, c.nsec, c.zoneSec = rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1e9), 3600*(rng.IntN(25)-12)
		a, b := c, c
		if got, want := clock.place(&a), refPlace(&b); got != want || a != b {
			t.Fatalf("date %d %+v: place gives %d and %+v, unixNano %d and %+v", i, c, got, a, want, b)
		}
	}
}

// The reader, which reads only the seconds after a prefix it has seen and
// reads them, and a fraction and a zone after them, without parseElem's
// dispatch when they end the layout, gives
// what the layout's own parse gives, line after line, on seconds of one to
// three digits, out of range, and followed by anything (fractions, zones,
// AM and PM among it).
func TestReaderAsLayoutParse(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	specs := map[string]func(sec string) string{
		"YYMMDD_hhmmss":           func(sec string) string { return "081109 2036" + sec },
		"YYYY-MM-DD_hh:mm:ss":     func(sec string) string { return "2024-03-05 14:36:" + sec },
		"Mon_DD_hh:mm:ss":         func(sec string) string { return "Jun  9 06:06:" + sec },
		"YYYY-MM-DD_hh:mm:ss.f":   func(sec string) string { return "2024-03-05 14:36:" + sec },
		"YYYY-MM-DD_hh:mm:ss.fZ":  func(sec string) string { return "2024-03-05 14:36:" + sec },
		"MM/DD/YYYY_hh:mm:ss.fZ":  func(sec string) string { return "03/05/2024 11:36:" + sec },
		"DD/Mon/YYYY:hh:mm:ss.fZ": func(sec string) string { return "10/Oct/2000:12:55:" + sec },
	}
	tails := []string{"", " x", ":", "x", ".", ".123 y", ",5", "]", "\t", "9", "Z", ".5Z", " +0200", "+02:00 x",
		".123 -0700 x", " UTC", "GMT]", " PM", " am x", ".25 PM +0100", " Zulu", " +99", "-", ".1234567891 Z"}
	for spec, stamp := range specs {
		l := compileSpec(spec)
		r := newTSReader(l)
		for range 20_000 {
			sec := fmt.Sprint(rng.IntN(100))
			switch rng.IntN(6) {
			case 0:
				sec = fmt.Sprintf("%02d", rng.IntN(61))
			case 1:
				sec = fmt.Sprint(rng.IntN(1000))
			case 2:
				sec = "x" + sec
			}
			line := []byte(stamp(sec) + tails[rng.IntN(len(tails))])
			if rng.IntN(20) == 0 {
				line = append([]byte("z"), line...) // a line the prefix does not start
			}
			got, gotEnd, gotOK := r.parse(line, 0)
			want, wantEnd, wantOK := l.parse(line, 0)
			if got != want || gotEnd != wantEnd || gotOK != wantOK {
				t.Fatalf("%s, %q: reader %+v %d %v, layout %+v %d %v", spec, line, got, gotEnd, gotOK, want, wantEnd, wantOK)
			}
		}
	}
}
