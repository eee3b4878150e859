package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/logproc/logproc/events"
)

// printable returns s as the text output may show it: unchanged when every
// character prints, else Go-quoted, so that what a log, a file name or an
// owner holds (a CR and LF, a terminal escape, a tab) can neither forge a
// line of output, nor drive the terminal, nor break a column.
func printable(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	return strconv.Quote(s)
}

// severity orders level names from most to least severe, with unknown ones
// last.
var severity = []string{"FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", events.LevelNone}

// levelCounts writes counts per level as "ERROR 10, INFO 80", most severe
// first, rather than as a Go map.
func levelCounts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	rank := func(name string) int {
		if i := slices.Index(severity, name); i >= 0 {
			return i
		}
		return len(severity)
	}
	slices.SortFunc(names, func(a, b string) int {
		if d := rank(a) - rank(b); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("%s %d", printable(name), m[name])
	}
	return strings.Join(parts, ", ")
}
