package analysis

import (
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
