package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

func newStore(t *testing.T) (*postgres.Store, context.Context) {
	t.Helper()
	return postgres.New(pgtest.NewPool(t)), context.Background()
}

func testEvent(typ string, n int) events.Event {
	return events.Event{
		ID:            uuid.New(),
		Type:          typ,
		SchemaVersion: 1,
		Data:          json.RawMessage(fmt.Sprintf(`{"n": %d}`, n)),
		Metadata:      events.Metadata{Actor: "tester", CorrelationID: "req-1"},
	}
}

func TestAppendAndReadStream(t *testing.T) {
	store, ctx := newStore(t)
	evs := []events.Event{testEvent("A", 1), testEvent("B", 2), testEvent("C", 3)}
	v, err := store.AppendToStream(ctx, "s-1", 0, evs[:2]...)
	if err != nil || v != 2 {
		t.Fatalf("first append: version %d, err %v; want 2, nil", v, err)
	}
	if v, err = store.AppendToStream(ctx, "s-1", 2, evs[2]); err != nil || v != 3 {
		t.Fatalf("second append: version %d, err %v; want 3, nil", v, err)
	}
	recs, err := store.ReadStream(ctx, "s-1", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("read %d events, want 3", len(recs))
	}
	for i, r := range recs {
		if r.ID != evs[i].ID || r.Version != int64(i+1) || r.Type != evs[i].Type || r.StreamID != "s-1" {
			t.Errorf("event %d = %s v%d %s in %s; want %s v%d %s", i, r.ID, r.Version, r.Type, r.StreamID, evs[i].ID, i+1, evs[i].Type)
		}
		if r.Metadata != evs[i].Metadata {
			t.Errorf("event %d metadata = %+v, want %+v", i, r.Metadata, evs[i].Metadata)
		}
		if r.Position.TxID == 0 || r.Position.ID == 0 || r.RecordedAt.IsZero() {
			t.Errorf("event %d has no position or time: %+v", i, r)
		}
	}
	tail, err := store.ReadStream(ctx, "s-1", 2, 100)
	if err != nil || len(tail) != 1 || tail[0].Version != 3 {
		t.Fatalf("read after version 2 = %v, %v; want the third event", tail, err)
	}
	empty, err := store.ReadStream(ctx, "missing", 0, 100)
	if err != nil || len(empty) != 0 {
		t.Fatalf("read of a missing stream = %v, %v; want nothing", empty, err)
	}
}

func TestAppendWrongExpectedVersionIsConcurrencyError(t *testing.T) {
	store, ctx := newStore(t)
	if _, err := store.AppendToStream(ctx, "s-1", 0, testEvent("A", 1)); err != nil {
		t.Fatal(err)
	}
	for _, expected := range []int64{0, 2, 5} {
		_, err := store.AppendToStream(ctx, "s-1", expected, testEvent("B", 2))
		if !errors.Is(err, events.ErrConcurrency) {
			t.Errorf("append at expected version %d: err = %v, want ErrConcurrency", expected, err)
		}
	}
	_, err := store.AppendToStream(ctx, "new", 3, testEvent("A", 1))
	if !errors.Is(err, events.ErrConcurrency) {
		t.Errorf("append to a missing stream at version 3: err = %v, want ErrConcurrency", err)
	}
	recs, _ := store.ReadStream(ctx, "s-1", 0, 10)
	if len(recs) != 1 {
		t.Errorf("stream holds %d events after refused appends, want 1", len(recs))
	}
}

func TestRepeatedAppendIsIdempotent(t *testing.T) {
	store, ctx := newStore(t)
	evs := []events.Event{testEvent("A", 1), testEvent("B", 2)}
	if _, err := store.AppendToStream(ctx, "s-1", 0, evs...); err != nil {
		t.Fatal(err)
	}
	v, err := store.AppendToStream(ctx, "s-1", 0, evs...)
	if err != nil || v != 2 {
		t.Fatalf("repeated append = %d, %v; want 2, nil", v, err)
	}
	changed := evs[1]
	changed.Data = json.RawMessage(`{"n": 99}`)
	if _, err := store.AppendToStream(ctx, "s-1", 2, changed); !errors.Is(err, events.ErrEventConflict) {
		t.Errorf("same id, other data: err = %v, want ErrEventConflict", err)
	}
	if _, err := store.AppendToStream(ctx, "s-2", 0, evs[0]); !errors.Is(err, events.ErrEventConflict) {
		t.Errorf("same id in another stream: err = %v, want ErrEventConflict", err)
	}
	recs, _ := store.ReadStream(ctx, "s-1", 0, 10)
	if len(recs) != 2 {
		t.Errorf("stream holds %d events, want 2", len(recs))
	}
}

// waitReadable waits until ReadAll returns n events of the types. ReadAll
// holds events back while any older transaction on the server is open, and
// tests of other packages run at the same time.
func waitReadable(t *testing.T, store *postgres.Store, n int, types ...string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		recs, err := store.ReadAll(context.Background(), events.Position{}, n+1, types...)
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

func TestReadAllFollowsCommitOrderAcrossStreams(t *testing.T) {
	store, ctx := newStore(t)
	var want []uuid.UUID
	for i := 0; i < 5; i++ {
		for _, s := range []string{"a", "b"} {
			e := testEvent("X", i)
			if _, err := store.AppendToStream(ctx, s, int64(i), e); err != nil {
				t.Fatal(err)
			}
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

func TestReadAllFiltersTypes(t *testing.T) {
	store, ctx := newStore(t)
	if _, err := store.AppendToStream(ctx, "s", 0, testEvent("A", 1), testEvent("B", 2), testEvent("A", 3)); err != nil {
		t.Fatal(err)
	}
	waitReadable(t, store, 3)
	recs, err := store.ReadAll(ctx, events.Position{}, 10, "A")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 || recs[0].Type != "A" || recs[1].Type != "A" {
		t.Errorf("ReadAll of type A returned %d events: %+v", len(recs), recs)
	}
}

func TestEventsCannotBeChanged(t *testing.T) {
	pool := pgtest.NewPool(t)
	store, ctx := postgres.New(pool), context.Background()
	if _, err := store.AppendToStream(ctx, "s", 0, testEvent("A", 1)); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE events SET type = 'B'`,
		`DELETE FROM events`,
		`TRUNCATE events`,
	} {
		_, err := pool.Exec(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want a refusal", stmt, err)
		}
	}
	recs, _ := store.ReadStream(ctx, "s", 0, 10)
	if len(recs) != 1 || recs[0].Type != "A" {
		t.Errorf("events after refused changes: %+v", recs)
	}
}
