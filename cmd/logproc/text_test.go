package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
)

// appendRaw appends payloads to a job's stream as stored by an older
// release, which took any file name.
func appendRaw(t *testing.T, store events.Store, id uuid.UUID, ps ...events.Payload) {
	t.Helper()
	var evs []events.Event
	for _, p := range ps {
		e, err := events.New(uuid.New(), p, events.Metadata{Actor: "worker host\r\nFAKE 1 2 3"})
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	if _, err := store.AppendToStream(context.Background(), events.JobStream(id), 0, evs...); err != nil {
		t.Fatal(err)
	}
}

func TestJobHistoryPrintsNoForgedLinesAndNoGoMaps(t *testing.T) {
	store, id := memory.New(), uuid.New()
	appendRaw(t, store, id,
		&events.JobSubmitted{JobID: id, Owner: "alice", FileName: "a\r\n2 2026-01-01T00:00:00.000Z JobCompleted v1 root INJECTED",
			Size: 10, SubmittedAt: time.Now()},
		&events.LinesParsed{Chunk: 0, FirstLine: 1, LastLine: 3, Counts: events.Counts{Lines: 3, Entries: 3,
			Levels: map[string]int64{"INFO": 48000, "ERROR": 2, "NONE": 1}}},
		&events.JobFailed{Reason: "boom \x1b[2J cleared", Attempt: 1, At: time.Now()})
	var out bytes.Buffer
	if err := jobHistory(context.Background(), store, []string{id.String()}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 6 || strings.ContainsAny(text, "\r\x1b") {
		t.Errorf("history of 3 events printed %d lines, or a control character:\n%s", len(lines), text)
	}
	if strings.Contains(text, "map[") || !strings.Contains(text, "levels ERROR 2, INFO 48000, NONE 1") {
		t.Errorf("levels not written as counts:\n%s", text)
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"app.log":      "app.log",
		"日志 ☃.log":     "日志 ☃.log",
		"a\r\nb":       `"a\r\nb"`,
		"tab\there":    `"tab\there"`,
		"\x1b[31mred":  `"\x1b[31mred"`,
		"bad \xff":     `"bad \xff"`,
		"rlo \u202eab": `"rlo \u202eab"`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %s, want %s", in, got, want)
		}
	}
}
