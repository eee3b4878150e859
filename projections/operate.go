package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNothingToRebuild is returned by Rebuild for a subscriber without read
// tables, such as the dispatcher: replaying it would only repeat its side
// effects.
var ErrNothingToRebuild = errors.New("projections: a subscriber without read tables has nothing to rebuild")

// ErrLockHeld is returned when another process applies the projection.
var ErrLockHeld = errors.New("projections: another process applies this projection")

// Rebuild fills a new generation of the projection from position zero while
// the live one keeps serving, and switches the views to it once it has caught
// up. If another process applies the projection, that process builds the
// generation and Rebuild waits for the switch; otherwise Rebuild also drops
// the retired generation's tables. progress, when not nil, is called with
// the projection's status about once a second. Rebuild returns the new
// generation's number.
func (r *Runner) Rebuild(ctx context.Context, p Projector, progress func([]Status)) (int, error) {
	if len(p.Tables()) == 0 {
		return 0, ErrNothingToRebuild
	}
	n, err := startRebuild(ctx, r.pool, p)
	if err != nil {
		return 0, err
	}
	report := &progressReport{fn: progress}
	for {
		err := r.withLock(ctx, p, func(s *session) error {
			if err := s.buildUntilLive(n, report); err != nil {
				return err
			}
			return dropRetired(ctx, s.conn, p)
		})
		if err == nil {
			return n, nil
		}
		if errors.Is(err, errNotLocked) {
			var live bool
			if live, err = r.isLive(ctx, p, n, report); err == nil && live {
				return n, nil
			}
		}
		if err != nil {
			return n, fmt.Errorf("rebuild %s generation %d: %w", p.Name(), n, err)
		}
		sleep(ctx, r.LockRetry)
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
}

func (s *session) buildUntilLive(n int, report *progressReport) error {
	for {
		if _, err := s.step(); err != nil {
			return err
		}
		if live, err := s.r.isLive(s.ctx, s.p, n, report); err != nil || live {
			return err
		}
	}
}

// progressReport hands a rebuild's status to fn at most once a second. A
// status counts the events past each checkpoint; taking one after every batch
// made a rebuild's cost grow with the square of the log's length.
type progressReport struct {
	fn   func([]Status)
	last time.Time
}

func (r *Runner) isLive(ctx context.Context, p Projector, n int, report *progressReport) (bool, error) {
	if report.fn != nil && time.Since(report.last) >= time.Second {
		st, err := ProjectionStatus(ctx, r.pool, p)
		if err != nil {
			return false, err
		}
		report.fn(st)
		report.last = time.Now()
	}
	var state string
	var wentLive bool
	err := r.pool.QueryRow(ctx, `SELECT state, live_since IS NOT NULL FROM projections WHERE name = $1 AND generation = $2`,
		p.Name(), n).Scan(&state, &wentLive)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, errors.New("the generation is gone")
	case err != nil:
		return false, err
	case state == StateRetired && !wentLive:
		// Abandoned before it went live, by a newer release that builds
		// its own: it never will, and waiting for it would never end.
		return false, ErrRebuildAbandoned
	}
	// Live, or live and since replaced by a newer one: built either way.
	return state == StateLive || state == StateRetired, nil
}

// ErrRebuildAbandoned means a rebuild's generation was retired before it
// went live: a release newer than the rebuilding one began building its
// own, which replaces it.
var ErrRebuildAbandoned = errors.New("projections: the rebuild's generation was abandoned before it went live, " +
	"as a newer release began building its own")

// Status is one projection generation's state and lag.
type Status struct {
	Name        string `json:"name"`
	Generation  int    `json:"generation"`
	Version     int    `json:"version"`
	CodeVersion int    `json:"code_version"`
	State       string `json:"state"`
	Checkpoint  string `json:"checkpoint"`
	// CheckpointID is the global id of the last event applied.
	CheckpointID int64     `json:"checkpoint_id"`
	Applied      int64     `json:"applied"`
	LagEvents    int64     `json:"lag_events"`
	LagSeconds   float64   `json:"lag_seconds"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// ProjectionStatus returns the live and building generations of a
// projection with their lag: how many events are past their checkpoint, and
// how old the oldest of those is.
func ProjectionStatus(ctx context.Context, db querier, p Projector) ([]Status, error) {
	rows, err := db.Query(ctx, `
		SELECT p.generation, p.version, p.state, p.last_tx::text, p.last_id, p.applied, p.updated_at,
			lag.events, coalesce(extract(epoch FROM now() - lag.oldest), 0)::float8
		FROM projections p, LATERAL (
			SELECT count(*) AS events, min(recorded_at) AS oldest FROM events e
			WHERE (e.tx_id, e.id) > (p.last_tx, p.last_id)) lag
		WHERE p.name = $1 AND p.state <> 'retired'
		ORDER BY p.generation`, p.Name())
	if err != nil {
		return nil, fmt.Errorf("status of %s: %w", p.Name(), err)
	}
	var out []Status
	var tx string
	var lastID int64
	s := Status{Name: p.Name(), CodeVersion: p.Version()}
	_, err = pgx.ForEachRow(rows, []any{&s.Generation, &s.Version, &s.State, &tx, &lastID, &s.Applied,
		&s.UpdatedAt, &s.LagEvents, &s.LagSeconds}, func() error {
		s.Checkpoint, s.CheckpointID = tx+"/"+strconv.FormatInt(lastID, 10), lastID
		out = append(out, s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("status of %s: %w", p.Name(), err)
	}
	return out, nil
}
