package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

// idsProjector keeps the id of every event it applies.
type idsProjector struct{}

func (idsProjector) Name() string { return "ids" }
func (idsProjector) Version() int { return 1 }

func (idsProjector) Tables() []Table {
	return []Table{{Name: "ids", Schema: `CREATE TABLE %[1]s (event_id uuid PRIMARY KEY)`}}
}

func (idsProjector) Apply(ctx context.Context, tx pgx.Tx, t Tables, batch []Event) error {
	ids := make([][16]byte, len(batch))
	for i, e := range batch {
		ids[i] = e.ID
	}
	_, err := tx.Exec(ctx, `INSERT INTO `+t.Of("ids")+` SELECT unnest($1::uuid[])`, ids)
	return err
}

// appendTested appends n events to a new stream.
func appendTested(t *testing.T, pool *pgxpool.Pool, n int) {
	t.Helper()
	evs := make([]events.Event, n)
	for i := range evs {
		evs[i] = events.Event{ID: uuid.New(), Type: "Tested", SchemaVersion: 1, Data: json.RawMessage(`{}`)}
	}
	if _, err := postgres.New(pool).AppendToStream(context.Background(), "s-"+uuid.NewString(), 0, evs...); err != nil {
		t.Fatal(err)
	}
}

// TestAKeptGenerationThatChangedTakesNoBatch: a leader keeps its generations
// between steps. Another release that retires the live generation, or
// takes it to its own version, meanwhile must not see the leader apply a
// batch to it: the batch is rolled back and the leader looks again.
func TestAKeptGenerationThatChangedTakesNoBatch(t *testing.T) {
	tests := []struct {
		name   string
		change string
	}{
		{"another release switched to its generation", `
			UPDATE projections SET state = 'retired' WHERE name = 'ids' AND generation = 1;
			INSERT INTO projections (name, generation, version, state, live_since) VALUES ('ids', 2, 2, 'live', now());
			CREATE TABLE ids_g2 (event_id uuid PRIMARY KEY);
			DROP VIEW ids; CREATE VIEW ids AS SELECT * FROM ids_g2`},
		{"another release took the generation to its version", `
			UPDATE projections SET version = 2 WHERE name = 'ids' AND generation = 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.NewPool(t)
			ctx := context.Background()
			r := NewRunner(pool, nil, slog.New(slog.DiscardHandler))
			r.PollInterval = time.Hour // the generations are kept throughout
			if err := r.Setup(ctx, idsProjector{}); err != nil {
				t.Fatal(err)
			}
			appendTested(t, pool, 3)
			err := r.withLock(ctx, idsProjector{}, func(s *session) error {
				if err := s.stepUntil(func(live *generation) bool { return live.Applied == 3 }); err != nil {
					return err
				}
				if _, err := pool.Exec(ctx, tt.change); err != nil {
					return err
				}
				appendTested(t, pool, 2)
				return s.stepUntil(func(live *generation) bool {
					return live.Generation != 1 || live.Version != 1 || live.Applied > 3
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			var applied int64
			if err := pool.QueryRow(ctx, `SELECT applied FROM projections WHERE name = 'ids' AND generation = 1`).Scan(&applied); err != nil {
				t.Fatal(err)
			}
			if applied != 3 {
				t.Errorf("generation 1 applied %d events, want the 3 appended before it changed", applied)
			}
		})
	}
}

// stepUntil steps until the live generation the session keeps satisfies
// done. An event is readable only once every older transaction on the
// server has ended, so one step may not see it.
func (s *session) stepUntil(done func(live *generation) bool) error {
	deadline := time.Now().Add(time.Minute)
	for {
		if _, err := s.step(); err != nil {
			return err
		}
		if s.live != nil && done(s.live) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gave up stepping after a minute; kept live generation %+v", s.live)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
