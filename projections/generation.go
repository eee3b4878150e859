package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/logproc/logproc/events"
)

// Generation states.
const (
	StateBuilding = "building"
	StateLive     = "live"
	StateRetired  = "retired"
)

// ErrRebuildRunning is returned when a projection already has a generation
// being built.
var ErrRebuildRunning = errors.New("projections: a rebuild of this projection is already running")

// generation is one projection generation's row.
type generation struct {
	Name       string
	Generation int
	Version    int
	State      string
	Checkpoint events.Position
	Applied    int64
}

// querier is what generation bookkeeping needs: a connection or a
// transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// loadGenerations returns the projection's live and building generations,
// either of which may be nil.
func loadGenerations(ctx context.Context, q querier, name string) (live, building *generation, err error) {
	gens, err := listGenerations(ctx, q, `WHERE name = $1 AND state <> 'retired'`, name)
	for _, g := range gens {
		if g.State == StateLive {
			live = g
		} else {
			building = g
		}
	}
	return live, building, err
}

func listGenerations(ctx context.Context, q querier, where string, args ...any) ([]*generation, error) {
	rows, err := q.Query(ctx, `SELECT name, generation, version, state, last_tx::text, last_id, applied
		FROM projections `+where+` ORDER BY name, generation`, args...)
	if err != nil {
		return nil, fmt.Errorf("load projection generations: %w", err)
	}
	defer rows.Close()
	var gens []*generation
	for rows.Next() {
		g := &generation{}
		var tx string
		if err := rows.Scan(&g.Name, &g.Generation, &g.Version, &g.State, &tx, &g.Checkpoint.ID, &g.Applied); err != nil {
			return nil, fmt.Errorf("load projection generations: %w", err)
		}
		if g.Checkpoint.TxID, err = strconv.ParseUint(tx, 10, 64); err != nil {
			return nil, fmt.Errorf("projection %s generation %d: checkpoint transaction %q: %w", g.Name, g.Generation, tx, err)
		}
		gens = append(gens, g)
	}
	return gens, rows.Err()
}

// ddlLock serialises the creation and switching of one projection's
// generations across processes; it is taken per transaction, apart from the
// session lock of the process that applies the projection.
func ddlLock(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('logproc.projection.ddl'), hashtext($1))`, name)
	return err
}

// ensureLive creates generation 1 of the projection, live, with its tables
// and views, unless the projection has a live generation already.
func ensureLive(ctx context.Context, db beginner, p Projector) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := ddlLock(ctx, tx, p.Name()); err != nil {
			return err
		}
		live, _, err := loadGenerations(ctx, tx, p.Name())
		if err != nil || live != nil {
			return err
		}
		n, err := createGeneration(ctx, tx, p, StateLive)
		if err != nil {
			return err
		}
		return pointViews(ctx, tx, p, n)
	})
}

// startRebuild creates a building generation of the projection at the code's
// version. It returns ErrRebuildRunning if one exists.
func startRebuild(ctx context.Context, db beginner, p Projector) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := ddlLock(ctx, tx, p.Name()); err != nil {
			return err
		}
		_, building, err := loadGenerations(ctx, tx, p.Name())
		if err != nil {
			return err
		}
		if building != nil {
			return fmt.Errorf("%s generation %d: %w", p.Name(), building.Generation, ErrRebuildRunning)
		}
		n, err = createGeneration(ctx, tx, p, StateBuilding)
		return err
	})
	return n, err
}

// createGeneration inserts the next generation's row and creates its tables.
func createGeneration(ctx context.Context, tx pgx.Tx, p Projector, state string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO projections (name, generation, version, state, live_since)
		SELECT $1, coalesce(max(generation), 0) + 1, $2, $3, CASE WHEN $3 = 'live' THEN now() END
		FROM projections WHERE name = $1
		RETURNING generation`, p.Name(), p.Version(), state).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("create %s generation: %w", p.Name(), err)
	}
	for _, t := range p.Tables() {
		physical := physicalName(t.Name, n)
		if _, err := tx.Exec(ctx, fmt.Sprintf(t.Schema, physical)); err != nil {
			return 0, fmt.Errorf("create table %s: %w", physical, err)
		}
	}
	return n, nil
}

// pointViews makes each of the projection's views read generation n.
func pointViews(ctx context.Context, tx pgx.Tx, p Projector, n int) error {
	for _, t := range p.Tables() {
		sql := fmt.Sprintf(`DROP VIEW IF EXISTS %[1]s; CREATE VIEW %[1]s AS SELECT * FROM %[2]s`,
			t.Name, physicalName(t.Name, n))
		if _, err := tx.Exec(ctx, sql); err != nil {
			return fmt.Errorf("point view %s at generation %d: %w", t.Name, n, err)
		}
	}
	return nil
}

// abandonGeneration retires a building generation; the session's next look
// for retired generations drops its tables.
func abandonGeneration(ctx context.Context, db beginner, p Projector, n int) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := ddlLock(ctx, tx, p.Name()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE projections SET state = 'retired', updated_at = now()
			WHERE name = $1 AND generation = $2 AND state = 'building'`, p.Name(), n)
		return err
	})
}

// switchLive makes the building generation live and retires the live one,
// views included, in one transaction.
func switchLive(ctx context.Context, db beginner, p Projector, building int) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if err := ddlLock(ctx, tx, p.Name()); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE projections SET state = 'retired', updated_at = now()
			WHERE name = $1 AND state = 'live'`, p.Name()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE projections SET state = 'live', live_since = now(), updated_at = now()
			WHERE name = $1 AND generation = $2 AND state = 'building'`, p.Name(), building)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fmt.Errorf("switch %s to generation %d: it is not building", p.Name(), building)
		}
		return pointViews(ctx, tx, p, building)
	})
}

// dropRetired drops the tables of retired generations. A table still read by
// a query that began before the switch makes it wait at most a few seconds;
// it is tried again later.
func dropRetired(ctx context.Context, db beginner, p Projector) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		gens, err := listGenerations(ctx, tx, `WHERE name = $1 AND state = 'retired' AND dropped_at IS NULL`, p.Name())
		if err != nil || len(gens) == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '5s'`); err != nil {
			return err
		}
		for _, g := range gens {
			for _, t := range p.Tables() {
				if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS `+physicalName(t.Name, g.Generation)); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE projections SET dropped_at = now() WHERE name = $1 AND generation = $2`,
				p.Name(), g.Generation); err != nil {
				return err
			}
		}
		return nil
	})
}

type beginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}
