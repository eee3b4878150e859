package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/eventstest"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

func TestConformance(t *testing.T) {
	eventstest.Test(t, func(t *testing.T) events.Store { return postgres.New(pgtest.NewPool(t)) })
}

func TestEventsCannotBeChanged(t *testing.T) {
	pool := pgtest.NewPool(t)
	store, ctx := postgres.New(pool), context.Background()
	if _, err := store.AppendToStream(ctx, "s", 0, eventstest.Event("A", 1)); err != nil {
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
