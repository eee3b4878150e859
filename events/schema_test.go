package events_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
)

func TestNewAndDecodeRoundTrip(t *testing.T) {
	in := &events.JobFailed{Reason: "disk", Attempt: 3, Retryable: true}
	e, err := events.New(uuid.New(), in, events.Metadata{Actor: "w"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Type != "JobFailed" || e.SchemaVersion != 1 {
		t.Errorf("event = %s v%d", e.Type, e.SchemaVersion)
	}
	out, err := events.Decode(e)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-in +out):\n%s", diff)
	}
}

func TestLinesParsedV1ReadsAsV2(t *testing.T) {
	v1 := events.Event{ID: uuid.New(), Type: events.TypeLinesParsed, SchemaVersion: 1,
		Data: json.RawMessage(`{"chunk":2,"first_line":7,"last_line":9,"lines":3,"bytes":30,"level_counts":{"INFO":2,"WARN":1}}`)}
	p, err := events.Decode(v1)
	if err != nil {
		t.Fatal(err)
	}
	want := &events.LinesParsed{Chunk: 2, FirstLine: 7, LastLine: 9,
		Counts: events.Counts{Lines: 3, Entries: 3, Bytes: 30, Levels: map[string]int64{"INFO": 2, "WARN": 1}}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("v1 read as v2 (-want +got):\n%s", diff)
	}
}

// A timeline written before minutes were counted per level reads with no
// levels: the field is optional within schema version 2.
func TestLinesParsedWithoutMinuteLevelsDecodes(t *testing.T) {
	old := events.Event{ID: uuid.New(), Type: events.TypeLinesParsed, SchemaVersion: 2,
		Data: json.RawMessage(`{"chunk":0,"lines":2,"entries":2,"bytes":20,"levels":{"INFO":2},"bytes_read":20,` +
			`"timeline":[{"minute":"2026-11-27T10:00:00Z","count":2}]}`)}
	p, err := events.Decode(old)
	if err != nil {
		t.Fatal(err)
	}
	tl := p.(*events.LinesParsed).Timeline
	if len(tl) != 1 || tl[0].Count != 2 || tl[0].Levels != nil {
		t.Errorf("timeline = %+v; want one minute of 2, levels nil", tl)
	}
}

func TestUnknownTypesAndVersionsAreErrors(t *testing.T) {
	for name, e := range map[string]events.Event{
		"unknown type":   {Type: "Nope", SchemaVersion: 1, Data: json.RawMessage(`{}`)},
		"future version": {Type: events.TypeJobFailed, SchemaVersion: 9, Data: json.RawMessage(`{}`)},
		"bad data":       {Type: events.TypeJobFailed, SchemaVersion: 1, Data: json.RawMessage(`[1]`)},
	} {
		if _, err := events.Decode(e); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
}

func TestDeterministicIDs(t *testing.T) {
	a := events.DeterministicID("job-1", "chunk-0/LinesParsed")
	if a != events.DeterministicID("job-1", "chunk-0/LinesParsed") {
		t.Error("the same key gave two ids")
	}
	if a == events.DeterministicID("job-1", "chunk-1/LinesParsed") || a == events.DeterministicID("job-2", "chunk-0/LinesParsed") {
		t.Error("different keys gave the same id")
	}
}

// DecodeBrief reads a chunk as Decode does, without the four fields only
// read models use, from the current schema and from an upcast one; other
// types read whole.
func TestDecodeBriefLeavesOutWhatOnlyViewsRead(t *testing.T) {
	at := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	full := &events.LinesParsed{Part: 2, Chunk: 3, FirstLine: 1, LastLine: 9, BytesRead: 90,
		Counts: events.Counts{Lines: 9, Entries: 8, Bytes: 100, Levels: map[string]int64{"INFO": 9}, Truncated: 1},
		Format: "text", MinTime: &at, MaxTime: &at, DistinctIPs: 4, TimeAssumption: "year missing",
		Timeline:   []events.MinuteCount{{Minute: at, Count: 3, Levels: map[string]int64{"INFO": 3}}},
		Keywords:   map[string]int64{"error": 1},
		Components: map[string]int64{"a": 2}, IPs: map[string]int64{"::1": 3}}
	e, err := events.New(uuid.New(), full, events.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := events.DecodeBrief(e)
	if err != nil {
		t.Fatal(err)
	}
	want := *full
	want.Timeline, want.Keywords, want.Components, want.IPs = nil, nil, nil, nil
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("brief chunk (-want +got):\n%s", diff)
	}

	v1 := events.Event{ID: uuid.New(), Type: events.TypeLinesParsed, SchemaVersion: 1,
		Data: json.RawMessage(`{"chunk":2,"lines":3,"bytes":30,"level_counts":{"INFO":3},"keywords":{"x":1}}`)}
	got, err = events.DecodeBrief(v1)
	if err != nil {
		t.Fatal(err)
	}
	if l := got.(*events.LinesParsed); l.Entries != 3 || l.Levels["INFO"] != 3 {
		t.Errorf("brief v1 chunk = %+v; want 3 entries upcast, 3 INFO", l)
	}

	failed := &events.JobFailed{Reason: "disk", Attempt: 3}
	if e, err = events.New(uuid.New(), failed, events.Metadata{}); err != nil {
		t.Fatal(err)
	}
	if got, err = events.DecodeBrief(e); err != nil || !cmp.Equal(got, events.Payload(failed)) {
		t.Errorf("brief JobFailed = %+v, %v; want %+v", got, err, failed)
	}
	if _, err := events.DecodeBrief(events.Event{ID: uuid.New(), Type: events.TypeLinesParsed, SchemaVersion: 2,
		Data: json.RawMessage(`{"chunk":"x"}`)}); err == nil {
		t.Error("a malformed brief chunk decoded")
	}
}
