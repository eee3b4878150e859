// Package eventstest is the conformance suite of events.Store: every store
// runs it, so the rules tested on the memory store hold on PostgreSQL too.
//
//	func TestConformance(t *testing.T) {
//		eventstest.Test(t, func(t *testing.T) events.Store { return memory.New() })
//	}
package eventstest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
)

// Factory returns an empty store for one test.
type Factory func(t *testing.T) events.Store

// Test runs the whole suite against stores made by newStore. Each case gets a
// store of its own, so they run in parallel.
func Test(t *testing.T, newStore Factory) {
	cases := []struct {
		name string
		fn   func(*testing.T, events.Store)
	}{
		{"AppendAndReadStream", testAppendAndReadStream},
		{"ReadStreamPages", testReadStreamPages},
		{"WrongExpectedVersion", testWrongExpectedVersion},
		{"EmptyAndNegativeAppends", testEmptyAndNegativeAppends},
		{"RepeatedAppends", testRepeatedAppends},
		{"ReadAllFollowsAppendOrder", testReadAllFollowsAppendOrder},
		{"ReadAllFiltersTypes", testReadAllFiltersTypes},
		{"RacingWritersOfOneStream", testRacingWriters},
		{"RacingAppendsOfTheSameEvents", testRacingSameEvents},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newStore(t))
		})
	}
}

// Event returns an event of the given type whose data holds n.
func Event(typ string, n int) events.Event {
	return events.Event{ID: uuid.New(), Type: typ, SchemaVersion: 1,
		Data:     json.RawMessage(fmt.Sprintf(`{"n": %d, "s": "x"}`, n)),
		Metadata: events.Metadata{Actor: "tester", CorrelationID: "req-1"}}
}

func testAppendAndReadStream(t *testing.T, store events.Store) {
	ctx := context.Background()
	evs := []events.Event{Event("A", 1), Event("B", 2), Event("C", 3)}
	mustAppend(t, store, "s-1", 0, evs[:2]...)
	if v := mustAppend(t, store, "s-1", 2, evs[2]); v != 3 {
		t.Fatalf("second append: version %d, want 3", v)
	}
	recs := mustRead(t, store, "s-1", 0, 100)
	if len(recs) != 3 {
		t.Fatalf("read %d events, want 3", len(recs))
	}
	for i, r := range recs {
		if r.ID != evs[i].ID || r.Version != int64(i+1) || r.Type != evs[i].Type || r.StreamID != "s-1" {
			t.Errorf("event %d = %s v%d %s in %s; want %s v%d %s", i, r.ID, r.Version, r.Type, r.StreamID,
				evs[i].ID, i+1, evs[i].Type)
		}
		if r.Metadata != evs[i].Metadata || r.SchemaVersion != 1 || !sameJSON(r.Data, evs[i].Data) {
			t.Errorf("event %d stored as %+v, want %+v", i, r.Event, evs[i])
		}
		if r.Position == (events.Position{}) || r.RecordedAt.IsZero() {
			t.Errorf("event %d has no position or time: %+v", i, r)
		}
	}
	if tail := mustRead(t, store, "s-1", 2, 100); len(tail) != 1 || tail[0].Version != 3 {
		t.Errorf("read after version 2 = %+v, want the third event", tail)
	}
	if empty, err := store.ReadStream(ctx, "missing", 0, 100); err != nil || len(empty) != 0 {
		t.Errorf("read of a missing stream = %v, %v; want nothing", empty, err)
	}
}

func testReadStreamPages(t *testing.T, store events.Store) {
	for i := range 7 {
		mustAppend(t, store, "s", int64(i), Event("A", i))
	}
	var versions []int64
	var after int64
	for {
		page := mustRead(t, store, "s", after, 3)
		for _, r := range page {
			versions = append(versions, r.Version)
			after = r.Version
		}
		if len(page) < 3 {
			break
		}
	}
	if fmt.Sprint(versions) != "[1 2 3 4 5 6 7]" {
		t.Errorf("pages of 3 read versions %v, want 1 to 7 once each", versions)
	}
}

func testWrongExpectedVersion(t *testing.T, store events.Store) {
	ctx := context.Background()
	mustAppend(t, store, "s-1", 0, Event("A", 1))
	for _, expected := range []int64{0, 2, 5} {
		if _, err := store.AppendToStream(ctx, "s-1", expected, Event("B", 2)); !errors.Is(err, events.ErrConcurrency) {
			t.Errorf("append at expected version %d: err = %v, want ErrConcurrency", expected, err)
		}
	}
	if _, err := store.AppendToStream(ctx, "new", 3, Event("A", 1)); !errors.Is(err, events.ErrConcurrency) {
		t.Errorf("append to a missing stream at version 3: err = %v, want ErrConcurrency", err)
	}
	if recs := mustRead(t, store, "s-1", 0, 10); len(recs) != 1 {
		t.Errorf("stream holds %d events after refused appends, want 1", len(recs))
	}
	if recs := mustRead(t, store, "new", 0, 10); len(recs) != 0 {
		t.Errorf("a refused first append created %d events", len(recs))
	}
}

func testEmptyAndNegativeAppends(t *testing.T, store events.Store) {
	ctx := context.Background()
	if v, err := store.AppendToStream(ctx, "s", 4); err != nil || v != 4 {
		t.Errorf("append of nothing = %d, %v; want the expected version 4 and no error", v, err)
	}
	if _, err := store.AppendToStream(ctx, "s", -1, Event("A", 1)); err == nil {
		t.Error("append at version -1 succeeded")
	}
	if recs := mustRead(t, store, "s", 0, 10); len(recs) != 0 {
		t.Errorf("stream holds %d events, want none", len(recs))
	}
}

// testRepeatedAppends covers what a second delivery of a worker's task does:
// the same events again succeed without writing anything, while other content
// under a known id is refused.
func testRepeatedAppends(t *testing.T, store events.Store) {
	ctx := context.Background()
	stored := []events.Event{Event("A", 1), Event("B", 2)}
	mustAppend(t, store, "s", 0, stored...)
	other := Event("C", 3)
	with := func(change func(*events.Event)) []events.Event {
		e := stored[1]
		e.Data = append(json.RawMessage(nil), e.Data...)
		change(&e)
		return []events.Event{e}
	}
	cases := []struct {
		name     string
		stream   string
		expected int64
		evs      []events.Event
		want     int64
		wantErr  error
	}{
		{"same events at the same version", "s", 0, stored, 2, nil},
		{"same events at a stale version", "s", 1, stored, 2, nil},
		{"same events at the version after them", "s", 2, stored, 2, nil},
		{"the first event alone", "s", 0, stored[:1], 1, nil},
		{"same data with keys reordered and spaced", "s", 0, with(func(e *events.Event) {
			e.Data = json.RawMessage(`{ "s" : "x",   "n" : 2 }`)
		}), 2, nil},
		{"other metadata, which is not part of the identity", "s", 0, with(func(e *events.Event) {
			e.Metadata = events.Metadata{Actor: "worker-2"}
		}), 2, nil},
		{"same id, other data", "s", 2, with(func(e *events.Event) { e.Data = json.RawMessage(`{"n": 99}`) }),
			0, events.ErrEventConflict},
		{"same id, other type", "s", 2, with(func(e *events.Event) { e.Type = "Z" }), 0, events.ErrEventConflict},
		{"same id, other schema version", "s", 2, with(func(e *events.Event) { e.SchemaVersion = 2 }),
			0, events.ErrEventConflict},
		{"same id in another stream", "t", 0, stored[:1], 0, events.ErrEventConflict},
		{"a stored event with a new one at a stale version", "s", 1, []events.Event{stored[1], other},
			0, events.ErrConcurrency},
	}
	for _, c := range cases {
		v, err := store.AppendToStream(ctx, c.stream, c.expected, c.evs...)
		if !errors.Is(err, c.wantErr) || v != c.want {
			t.Errorf("%s: append = %d, %v; want %d, %v", c.name, v, err, c.want, c.wantErr)
		}
	}
	if recs := mustRead(t, store, "s", 0, 10); len(recs) != 2 {
		t.Errorf("stream holds %d events after the repeated appends, want 2", len(recs))
	}
	if recs := mustRead(t, store, "t", 0, 10); len(recs) != 0 {
		t.Errorf("another stream got %d events", len(recs))
	}
}

func testReadAllFollowsAppendOrder(t *testing.T, store events.Store) {
	ctx := context.Background()
	var want []uuid.UUID
	for i := range 5 {
		for _, s := range []string{"a", "b"} {
			e := Event("X", i)
			mustAppend(t, store, s, int64(i), e)
			want = append(want, e.ID)
		}
	}
	waitReadable(t, store, len(want))
	var got []uuid.UUID
	var pos events.Position
	for {
		recs, err := store.ReadAll(ctx, pos, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		for _, r := range recs {
			if !pos.Less(r.Position) {
				t.Fatalf("position %s does not follow %s", r.Position, pos)
			}
			pos = r.Position
			got = append(got, r.ID)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ReadAll order = %v, want %v", got, want)
	}
}

func testReadAllFiltersTypes(t *testing.T, store events.Store) {
	mustAppend(t, store, "s", 0, Event("A", 1), Event("B", 2), Event("A", 3))
	waitReadable(t, store, 3)
	recs, err := store.ReadAll(context.Background(), events.Position{}, 10, "A")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Type != "A" || recs[1].Type != "A" || !recs[0].Position.Less(recs[1].Position) {
		t.Errorf("ReadAll of type A returned %d events: %+v", len(recs), recs)
	}
}

// testRacingWriters has writers append to one stream at the version they
// last saw: each version is written once, and every writer's events end up
// in the stream exactly once.
func testRacingWriters(t *testing.T, store events.Store) {
	const writers, each = 4, 10
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				recs, err := store.ReadStream(ctx, "s", 0, 1000)
				if err != nil {
					errs <- err
					return
				}
				_, err = store.AppendToStream(ctx, "s", int64(len(recs)), Event(fmt.Sprintf("W%d", w), i))
				switch {
				case err == nil:
					i++
				case !errors.Is(err, events.ErrConcurrency):
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	recs := mustRead(t, store, "s", 0, 1000)
	if len(recs) != writers*each {
		t.Fatalf("stream holds %d events, want %d", len(recs), writers*each)
	}
	next := map[string]int{}
	for i, r := range recs {
		var d struct{ N int }
		json.Unmarshal(r.Data, &d)
		if r.Version != int64(i+1) || d.N != next[r.Type] {
			t.Fatalf("event %d: version %d, %s #%d; want version %d, #%d", i, r.Version, r.Type, d.N, i+1, next[r.Type])
		}
		next[r.Type]++
	}
}

// testRacingSameEvents races deliveries of the same events, as twin
// deliveries of one task do: every append succeeds and one copy is stored.
func testRacingSameEvents(t *testing.T, store events.Store) {
	const racers = 3
	ctx := context.Background()
	for chunk := range 4 {
		evs := []events.Event{Event("L", chunk), Event("E", chunk)}
		start := make(chan struct{})
		errs := make(chan error, racers)
		for range racers {
			go func() {
				<-start
				v, err := store.AppendToStream(ctx, "job", int64(2*chunk), evs...)
				if err == nil && v != int64(2*chunk+2) {
					err = fmt.Errorf("version %d, want %d", v, 2*chunk+2)
				}
				errs <- err
			}()
		}
		close(start)
		for range racers {
			if err := <-errs; err != nil {
				t.Errorf("chunk %d: racing append: %v", chunk, err)
			}
		}
	}
	if recs := mustRead(t, store, "job", 0, 100); len(recs) != 8 {
		t.Errorf("stream holds %d events, want 8", len(recs))
	}
}

func mustAppend(t *testing.T, store events.Store, stream string, expected int64, evs ...events.Event) int64 {
	t.Helper()
	v, err := store.AppendToStream(context.Background(), stream, expected, evs...)
	if err != nil {
		t.Fatalf("append to %s at %d: %v", stream, expected, err)
	}
	if want := expected + int64(len(evs)); v != want {
		t.Fatalf("append to %s at %d: version %d, want %d", stream, expected, v, want)
	}
	return v
}

func mustRead(t *testing.T, store events.Store, stream string, after int64, limit int) []events.Record {
	t.Helper()
	recs, err := store.ReadStream(context.Background(), stream, after, limit)
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	return recs
}

// waitReadable waits until ReadAll returns n events. A store may hold
// events back while an older transaction that could still commit before them
// is open (PostgreSQL's does, and other tests share its server); the wait
// has a deadline only so that a broken store fails instead of hanging.
func waitReadable(t *testing.T, store events.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		recs, err := store.ReadAll(context.Background(), events.Position{}, n+1)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ReadAll returns %d events, want %d", len(recs), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && fmt.Sprint(x) == fmt.Sprint(y)
}
