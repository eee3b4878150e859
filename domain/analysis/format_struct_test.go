package analysis

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestStructuredFormats(t *testing.T) {
	tests := []struct {
		name, text, format string
		levels             map[Level]int64
		min                string
		template           string
	}{
		{"json", joinLines(
			`{"ts":"2024-05-01T10:00:00.250Z","level":"info","logger":"api","msg":"GET /orders/17 200"}`,
			`{"ts":"2024-05-01T10:00:01Z","level":"error","logger":"db","msg":"query failed: \"timeout\" after 30s","stack":"java.sql.SQLException: timeout\n\tat a.B.c(B.java:1)"}`,
			`{"time":1714557602,"level":50,"name":"db","msg":"query failed: \"timeout\" after 31s"}`),
			"json: time=ts level=level component=logger message=msg stack=stack", map[Level]int64{LevelInfo: 1, LevelError: 2}, "2024-05-01T10:00:00.25Z", `query failed: "<*>" after <*>`},
		{"logfmt", joinLines(
			`time=2024-05-01T10:00:00Z level=info component=api msg="GET /orders/17 200"`,
			`time=2024-05-01T10:00:01Z level=warn component=api msg="slow request" duration=5.2s`,
			`time=2024-05-01T10:00:02Z level=warning component=api msg="slow request" duration=7.9s`),
			"logfmt: time=time level=level component=component message=msg", map[Level]int64{LevelInfo: 1, LevelWarn: 2}, "2024-05-01T10:00:00Z", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, sum := analyzeString(t, tt.text, Options{})
			if sum.Format != tt.format || len(sum.Levels) != len(tt.levels) {
				t.Fatalf("format %q levels %v", sum.Format, sum.Levels)
			}
			for l, n := range tt.levels {
				if sum.Levels[l] != n {
					t.Errorf("level %s: %d, want %d", l, sum.Levels[l], n)
				}
			}
			if got := sum.MinTime.Format(time.RFC3339Nano); got != tt.min {
				t.Errorf("min time %s, want %s", got, tt.min)
			}
			if tt.template != "" && (len(sum.ErrorGroups) == 0 || sum.ErrorGroups[0].Template != tt.template) {
				t.Errorf("error groups %+v, want template %q first", sum.ErrorGroups, tt.template)
			}
		})
	}
}

func TestJSONStackGroupsByException(t *testing.T) {
	text := joinLines(
		`{"level":"error","msg":"handler failed","stack_trace":"java.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)"}`,
		`{"level":"error","msg":"handler failed","stack_trace":"java.lang.IllegalStateException: y\n\tat a.B.c(B.java:9)"}`,
		`{"level":"info","msg":"ok"}`)
	_, sum := analyzeString(t, text, Options{})
	if len(sum.ErrorGroups) != 1 || sum.ErrorGroups[0].Exception != "java.lang.IllegalStateException" || sum.ErrorGroups[0].Count != 2 {
		t.Fatalf("error groups %+v", sum.ErrorGroups)
	}
}

// A line that looks like logfmt from its first token on and ends with a
// bare word, or a command line's `--key=value ... \`, is read to its end:
// the scan of its pairs steps over the last word's end, and wordEnd, asked
// from one byte past the line, once sliced past it and panicked, in
// Analyze, Parse and the planning an upload runs in a goroutine of its own.
func TestLogfmtLikeLineEndingInABareWord(t *testing.T) {
	for _, text := range []string{
		joinLines("level=info msg=hello trailing", "level=warn msg=again word"),
		joinLines(`		--port="$myport" --bind-address=127.0.0.1 --pid-file="$work/my/pid" \`),
		joinLines("a=1 b=2 c"),
	} {
		chunks, _ := analyzeString(t, text, DefaultOptions())
		var lines int64
		for _, c := range chunks {
			lines += c.Lines
		}
		if want := int64(strings.Count(text, "\n")); lines != want {
			t.Errorf("%q: %d lines analysed, want %d", text, lines, want)
		}
		big := strings.Repeat(text, 4096)
		if _, err := PlanParts(context.Background(), strings.NewReader(big), int64(len(big)), 64<<10, DefaultOptions()); err != nil {
			t.Errorf("%q: plan: %v", text, err)
		}
	}
}
