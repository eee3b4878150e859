package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logproc/logproc/events"
)

// CatchUp applies each projector until its live generation has applied
// every event committed before the call, then returns. Events of a
// transaction that is still open anywhere on the server are only readable
// once it ends, so CatchUp may wait for other transactions. It returns
// ErrLockHeld if another process holds a projector's lock.
func (r *Runner) CatchUp(ctx context.Context, ps ...Projector) error {
	head, err := logHead(ctx, r.pool)
	if err != nil {
		return err
	}
	for _, p := range ps {
		err := r.withLock(ctx, p, func(s *session) error {
			return s.catchUpTo(head)
		})
		if errors.Is(err, errNotLocked) {
			return fmt.Errorf("catch up %s: %w", p.Name(), ErrLockHeld)
		}
		if err != nil {
			return fmt.Errorf("catch up %s: %w", p.Name(), err)
		}
	}
	return nil
}

func (s *session) catchUpTo(head events.Position) error {
	for {
		worked, err := s.step()
		if err != nil {
			return err
		}
		if worked {
			continue
		}
		live, _, err := loadGenerations(s.ctx, s.conn, s.p.Name())
		if err != nil || (live != nil && !live.Checkpoint.Less(head)) {
			return err
		}
		sleep(s.ctx, 10*time.Millisecond)
		if s.ctx.Err() != nil {
			return s.ctx.Err()
		}
	}
}

// logHead returns the position of the last committed event.
func logHead(ctx context.Context, db querier) (events.Position, error) {
	rows, err := db.Query(ctx, `SELECT tx_id::text, id FROM events ORDER BY events.tx_id DESC, events.id DESC LIMIT 1`)
	if err != nil {
		return events.Position{}, fmt.Errorf("read log head: %w", err)
	}
	var head events.Position
	var tx string
	_, err = pgx.ForEachRow(rows, []any{&tx, &head.ID}, func() error {
		head.TxID, err = strconv.ParseUint(tx, 10, 64)
		return err
	})
	if err != nil {
		return head, fmt.Errorf("read log head: %w", err)
	}
	return head, nil
}
