package analysis

import (
	"fmt"
	"testing"
)

// A bracketed group of words is one token, as written, once the miner
// joins it.
func TestMaskWordGroups(t *testing.T) {
	tests := []struct {
		name string
		in   string
		toks int
		want string
	}{
		{"words in brackets", "got [a b c] items", 3, "got [a b c] items"},
		{"words in parentheses", "thread (main io worker) started", 3, "thread (main io worker) started"},
		{"punctuation after the group", "members [a b], then left", 4, "members [a b], then left"},
		{"a value inside is masked", "members [a 7 c] joined", 5, "members [a <*> c] joined"},
		{"call value with a blank", "focus Window(title=Main Window) gained", 3, "focus Window(title=<*>) gained"},
		{"call value with fields", "read timeout (mc=e08x iar 0x1 lr 0x2)", 7, "read timeout (mc=<*> iar <*> lr <*>)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m masker
			m.mask([]byte(tt.in))
			m.joinWordGroups()
			if got := string(m.out); got != tt.want || len(m.toks) != tt.toks {
				t.Errorf("mask(%q) = %q in %d tokens, want %q in %d", tt.in, got, len(m.toks), tt.want, tt.toks)
			}
		})
	}
}

// Lines of one event whose bracketed words vary in number and wording share
// one event once enough of them differ; a group that never varies stays in
// the template, and a few groups stay apart.
func TestParseWordGroups(t *testing.T) {
	lists := []string{"a b c d", "a b", "x y z", "q r s t u", "k l", "m", "n o p"}
	tests := []struct {
		name   string
		line   func(i int) string
		groups int
		want   string
	}{
		{"lists that vary", func(i int) string {
			return "cluster node rejoined members [" + lists[i%len(lists)] + "] at last"
		}, 1, "cluster node rejoined members <*> at last"},
		{"lists that vary in a short context", func(i int) string {
			return fmt.Sprintf("members [w%c %s] joined", 'a'+rune(i%13), lists[i%len(lists)])
		}, 1, "members <*> joined"},
		{"a constant group", func(int) string { return "thread [main worker] started" }, 1, "thread [main worker] started"},
		{"two constant groups", func(i int) string {
			return []string{"pool [main worker] started", "pool [io reader] started"}[i%2]
		}, 2, "pool [main worker] started"},
		{"call values with blanks", func(i int) string {
			return []string{"focus Window(title=Main Window) gained", "focus Window(title=Other) gained"}[i%2]
		}, 1, "focus Window(title=<*>) gained"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			for i := range 26 {
				lines = append(lines, fmt.Sprintf("2024-01-01 10:00:%02d INFO %s", i, tt.line(i)))
			}
			rows := parseString(t, joinLines(lines...))
			ids := map[string]string{}
			for _, r := range rows {
				ids[r.EventID] = r.EventTemplate
			}
			if len(ids) != tt.groups || rows[0].EventTemplate != tt.want {
				t.Errorf("templates %v, want %d, the first %q", ids, tt.groups, tt.want)
			}
		})
	}
}
