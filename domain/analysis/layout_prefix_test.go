package analysis

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// prefixKind is one event of the prefix tests: a message format with one
// number and the template it must have.
type prefixKind struct{ format, template string }

var prefixKinds = []prefixKind{
	{"connection reset by peer 10.0.0.%d", "connection reset by peer <*>"},
	{"connection closed by peer 10.0.1.%d", "connection closed by peer <*>"},
	{"request served in %d ms", "request served in <*> ms"},
}

// prefixLines writes n lines "<header>name [marker] - message", the program
// names, the markers (when marked, in one line out of four) and the events
// varying independently; header says whether a timestamp and a level come
// first.
func prefixLines(n int, names []string, header, marked bool) (lines, templates, comps []string) {
	for i := range n {
		k := prefixKinds[i%len(prefixKinds)]
		name := names[i/len(prefixKinds)%len(names)]
		prefix := name
		if marked && i%4 == 1 {
			prefix += " [x86]"
		}
		line := prefix + " - " + fmt.Sprintf(k.format, i)
		if header {
			line = fmt.Sprintf("2024-01-02 10:%02d:%02d INFO %s", i/60, i%60, line)
		}
		lines = append(lines, line)
		templates = append(templates, k.template)
		comps = append(comps, name)
	}
	return lines, templates, comps
}

var prefixNames = []string{"svc-a.bin", "worker.exe", "db", "app.bin", "cache-7", "gw"}

// TestParseProgramPrefix checks that a program name before " - ", with or
// without a bracketed marker, neither splits an event nor joins two: the
// names vary across the file, so they are header, and the name is the
// entry's component.
func TestParseProgramPrefix(t *testing.T) {
	for _, header := range []bool{true, false} {
		t.Run(fmt.Sprintf("header=%v", header), func(t *testing.T) {
			lines, want, wantComps := prefixLines(72, prefixNames, header, true)
			rows := parseString(t, joinLines(lines...))
			var got, comps []string
			for _, r := range rows {
				got = append(got, r.EventTemplate)
				comps = append(comps, r.Component)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("templates (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(wantComps, comps); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseProgramPrefixStays checks the prefixes that are no program
// column: one name in every line, with no marker, is a constant of the
// templates, and a value before the dash (a client address) a variable.
// One name with a marker in some lines is header (the name "app.bin" the
// header takes anyway, "db" it does not), so the marker splits no event.
func TestParseProgramPrefixStays(t *testing.T) {
	t.Run("one name", func(t *testing.T) {
		lines, templates, _ := prefixLines(30, []string{"db"}, true, false)
		for i, r := range parseString(t, joinLines(lines...)) {
			if want := "db - " + templates[i]; r.EventTemplate != want || r.Component != "" {
				t.Errorf("line %d: template %q component %q, want %q and none", i+1, r.EventTemplate, r.Component, want)
			}
		}
	})
	for _, name := range []string{"app.bin", "db"} {
		t.Run("one name with a marker: "+name, func(t *testing.T) {
			lines, templates, _ := prefixLines(30, []string{name}, true, true)
			for i, r := range parseString(t, joinLines(lines...)) {
				if r.EventTemplate != templates[i] || r.Component != name {
					t.Errorf("line %d: template %q component %q, want %q and %s", i+1, r.EventTemplate, r.Component, templates[i], name)
				}
			}
		})
	}
	t.Run("a value", func(t *testing.T) {
		var lines []string
		for i := range 30 {
			lines = append(lines, fmt.Sprintf("2024-01-02 10:00:%02d DEBUG 127.0.0.1:%d - cid:%d - Client connection created", i, 37000+i, i))
		}
		for i, r := range parseString(t, joinLines(lines...)) {
			if want := "<*> - cid:<*> - Client connection created"; r.EventTemplate != want || r.Component != "" {
				t.Errorf("line %d: template %q component %q, want %q and none", i+1, r.EventTemplate, r.Component, want)
			}
		}
	})
}

// TestLayoutProgramPrefix checks how the format names the prefix.
func TestLayoutProgramPrefix(t *testing.T) {
	lines, _, _ := prefixLines(40, prefixNames, true, true)
	var sample [][]byte
	for _, l := range lines {
		sample = append(sample, []byte(l))
	}
	want := "text: timestamp(YYYY-MM-DD hh:mm:ss.fZ) level component [field] - message"
	if got := detectTextLayout(sample).describe(); got != want {
		t.Errorf("format %q, want %q", got, want)
	}
}

// TestAnalyzeProgramPrefix checks that Analyze, reading the file once,
// counts one template per event and every program as a component.
func TestAnalyzeProgramPrefix(t *testing.T) {
	lines, _, _ := prefixLines(72, prefixNames, true, true)
	_, sum := analyzeString(t, joinLines(lines...), Options{})
	if sum.Templates != len(prefixKinds) || len(sum.Components) != len(prefixNames) {
		t.Errorf("%d templates and components %v, want %d and %v", sum.Templates, sum.Components, len(prefixKinds), prefixNames)
	}
}
