package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/eventstest"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

func TestConformance(t *testing.T) {
	eventstest.Test(t, func(t *testing.T) events.Store { return postgres.New(pgtest.NewPool(t)) })
}

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
