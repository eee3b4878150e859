package analysis

import (
	"strings"
)

// tsLayout is a timestamp layout learned from a file, compiled to elements
// so that each line is parsed by one fixed routine rather than by trying
// many layouts.
type tsLayout struct {
	spec    string // the layout in the mini-language below, for the format text
	elems   []tsElem
	hasYear bool
	class   tsClass
}

// tsClass ranks layouts: a full date and time beats a bare date.
type tsClass uint8

const (
	classDateTime tsClass = iota
	classDateOnly
)

type tsKind uint8

const (
	elYear4 tsKind = iota
	elYear2
	elMonth
	elMonthName
	elDay
	elWeekday
	elHour
	elMinute
	elSecond
	elFrac   // optional [.,:] and 1 to 9 digits
	elZone   // optional zone: Z, +hh:mm, +hhmm, UTC, GMT; may follow a space
	elSpaces // one or more spaces
	elLit    // one literal byte
	elEpoch  // 10-digit Unix seconds, optional fraction
	elEpochMs
)

type tsElem struct {
	kind tsKind
	lit  byte
}

// tsSpecs are the layouts tried on a sample, most specific first. The
// mini-language: YYYY YY MM DD hh mm ss (1-2 digits except years), Mon and
// Wdy (English names), .f an optional fraction, Z an optional zone, _ one or
// more spaces, EPOCH and EPOCHMS Unix time; any other byte is literal.
var tsSpecs = []string{
	"YYYY-MM-DDThh:mm:ss.fZ",
	"YYYY-MM-DD_hh:mm:ss.fZ",
	"YYYY/MM/DD_hh:mm:ss.fZ",
	"YYYY/MM/DDThh:mm:ss.fZ",
	"YYYY.MM.DD_hh:mm:ss.fZ",
	"YYYY-MM-DD-hh.mm.ss.f",
	"YYYY-MM-DD-hh:mm:ss.f",
	"YYYYMMDDThhmmss.fZ",
	"YYYYMMDD-hh:mm:ss.f",
	"YYYYMMDD_hh:mm:ss.f",
	"YYYYMMDD_hhmmss.f",
	"YYMMDD_hh:mm:ss.f",
	"YYMMDD_hhmmss",
	"YY/MM/DD_hh:mm:ss.f",
	"MM/DD/YYYY_hh:mm:ss.fZ",
	"DD/MM/YYYY_hh:mm:ss.fZ",
	"DD.MM.YYYY_hh:mm:ss.f",
	"MM/DD/YY_hh:mm:ss.f",
	"DD/Mon/YYYY:hh:mm:ss.fZ",
	"DD-Mon-YYYY_hh:mm:ss.fZ",
	"DD_Mon_YYYY_hh:mm:ss.fZ",
	"Wdy_Mon_DD_hh:mm:ss.f_YYYY",
	"Wdy,_DD_Mon_YYYY_hh:mm:ss.fZ",
	"Wdy_DD_Mon_YYYY_hh:mm:ss.fZ",
	"Mon_DD_YYYY_hh:mm:ss.fZ",
	"Mon_DD,_YYYY_hh:mm:ss.fZ",
	"Mon_DD_hh:mm:ss.f",
	"Wdy_Mon_DD_hh:mm:ss.f",
	"MM-DD_hh:mm:ss.f",
	"MM/DD_hh:mm:ss.f",
	"MM.DD_hh:mm:ss.f",
	"EPOCHMS",
	"EPOCH",
	"YYYY-MM-DD",
	"YYYY/MM/DD",
	"YYYY.MM.DD",
}

// tsCandidates are tsSpecs compiled once.
var tsCandidates = compileSpecs(tsSpecs)

func compileSpecs(specs []string) []*tsLayout {
	out := make([]*tsLayout, len(specs))
	for i, s := range specs {
		out[i] = compileSpec(s)
	}
	return out
}

var specTokens = []struct {
	tok  string
	kind tsKind
}{
	{"EPOCHMS", elEpochMs}, {"EPOCH", elEpoch}, {"YYYY", elYear4}, {"YY", elYear2},
	{"MM", elMonth}, {"DD", elDay}, {"hh", elHour}, {"mm", elMinute}, {"ss", elSecond},
	{"Mon", elMonthName}, {"Wdy", elWeekday}, {".f", elFrac}, {"Z", elZone}, {"_", elSpaces},
}

// compileSpec turns a mini-language spec into a layout.
func compileSpec(spec string) *tsLayout {
	l := &tsLayout{spec: spec, class: classDateOnly}
	for rest := spec; rest != ""; {
		kind, n := specToken(rest)
		if n == 0 {
			l.elems = append(l.elems, tsElem{kind: elLit, lit: rest[0]})
			rest = rest[1:]
			continue
		}
		l.elems = append(l.elems, tsElem{kind: kind})
		rest = rest[n:]
		switch kind {
		case elYear4, elYear2, elEpoch, elEpochMs:
			l.hasYear = true
		}
		switch kind {
		case elHour, elEpoch, elEpochMs:
			l.class = classDateTime
		}
	}
	return l
}

func specToken(s string) (tsKind, int) {
	for _, t := range specTokens {
		if strings.HasPrefix(s, t.tok) {
			return t.kind, len(t.tok)
		}
	}
	return 0, 0
}

// describe renders the layout for people, e.g. "YYYY-MM-DD hh:mm:ss.f".
func (l *tsLayout) describe() string {
	return strings.ReplaceAll(l.spec, "_", " ")
}
