package analysis

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
)

func parseString(t *testing.T, text string) []Row {
	t.Helper()
	var rows []Row
	open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(text)), nil }
	if err := Parse(context.Background(), open, Options{}, func(r Row) error {
		rows = append(rows, r)
		return nil
	}); err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return rows
}

func TestParseGivesFinalTemplates(t *testing.T) {
	rows := parseString(t, joinLines(
		"2024-01-01 10:00:00 INFO auth: session closed for user cyrus",
		"2024-01-01 10:00:01 ERROR api: request 7 failed",
		"java.lang.IllegalStateException: locked",
		"\tat a.B.c(B.java:1)",
		"2024-01-01 10:00:02 INFO auth: session closed for user news"))
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3 entries", len(rows))
	}
	first, last := rows[0], rows[2]
	if first.EventTemplate != "session closed for user <*>" || first.EventID != last.EventID || first.EventTemplate != last.EventTemplate {
		t.Errorf("rows 1 and 3: %+v / %+v, want the final shared template", first, last)
	}
	mid := rows[1]
	want := Row{LineID: 2, Timestamp: "2024-01-01T10:00:01Z", Level: LevelError, Component: "api",
		Content: "request 7 failed\njava.lang.IllegalStateException: locked\n\tat a.B.c(B.java:1)",
		EventID: mid.EventID, EventTemplate: "request <*> failed"}
	if mid != want || last.LineID != 5 {
		t.Errorf("row 2 = %+v\nwant %+v", mid, want)
	}
}

func TestParseReportsOpenAndEmitErrors(t *testing.T) {
	broken := errors.New("no such blob")
	err := Parse(context.Background(), func() (io.ReadCloser, error) { return nil, broken }, Options{}, func(Row) error { return nil })
	if !errors.Is(err, broken) {
		t.Fatalf("open error: got %v", err)
	}
	stop := errors.New("stop")
	open := func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader("a\nb\n")), nil }
	if err := Parse(context.Background(), open, Options{}, func(Row) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("emit error: got %v", err)
	}
}
