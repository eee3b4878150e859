package projections

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// Reader answers queries from the read models' views. It never reads events.
type Reader struct {
	pool *pgxpool.Pool
}

// NewReader returns a reader over pool.
func NewReader(pool *pgxpool.Pool) *Reader { return &Reader{pool: pool} }

// Job returns a job's state. It returns ENOTFOUND when the job does not
// exist, or is not owner's when owner is not empty.
func (r *Reader) Job(ctx context.Context, id uuid.UUID, owner string) (*domain.Job, error) {
	var state []byte
	err := r.pool.QueryRow(ctx, `SELECT state FROM `+TableJobStats+` WHERE job_id = $1 AND ($2 = '' OR owner = $2)`,
		id, owner).Scan(&state)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, domain.Errorf(domain.ENOTFOUND, "job %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read job %s: %w", id, err)
	}
	var st jobState
	if err := json.Unmarshal(state, &st); err != nil {
		return nil, fmt.Errorf("decode job %s: %w", id, err)
	}
	return st.job(), nil
}

// JobErrorGroups returns a job's error groups, most frequent first.
func (r *Reader) JobErrorGroups(ctx context.Context, id uuid.UUID, limit int) ([]events.ErrorGroup, error) {
	return queryJSON[events.ErrorGroup](ctx, r.pool, `SELECT to_jsonb(g) FROM `+TableJobErrorGroups+` g
		WHERE job_id = $1 ORDER BY count DESC, id LIMIT $2`, id, limit)
}

// JobTimeline returns a job's entries per minute and level, in time
// order: the latest limit minutes, or the earliest ones when earliest is
// set. It reads the row whole, so a generation built before job_timeline
// had levels (live while a release that adds them builds its own) answers
// too, with the minutes' levels missing.
func (r *Reader) JobTimeline(ctx context.Context, id uuid.UUID, limit int, earliest bool) ([]events.MinuteCount, error) {
	order := "DESC"
	if earliest {
		order = "ASC"
	}
	return queryJSON[events.MinuteCount](ctx, r.pool, `SELECT to_jsonb(m) - 'job_id'
		FROM (SELECT * FROM `+TableJobTimeline+` WHERE job_id = $1 ORDER BY minute `+order+` LIMIT $2) m
		ORDER BY minute`, id, limit)
}

// ListJobs returns owner's jobs (everyone's for ""), newest first, starting
// after the cursor a previous page returned.
func (r *Reader) ListJobs(ctx context.Context, owner, cursor string, limit int) (*domain.JobPage, error) {
	after, err := decodeCursor(cursor)
	if err != nil {
		return nil, err
	}
	states, err := queryJSON[jobState](ctx, r.pool, `SELECT state FROM `+TableJobStats+`
		WHERE ($1 = '' OR owner = $1) AND (submitted_at, job_id) < ($2, $3)
		ORDER BY submitted_at DESC, job_id DESC LIMIT $4`, owner, after.At, after.ID, limit+1)
	if err != nil {
		return nil, err
	}
	jobs := make([]domain.Job, len(states))
	for i := range states {
		jobs[i] = *states[i].job()
	}
	page := &domain.JobPage{Jobs: jobs}
	if len(jobs) > limit {
		page.Jobs = jobs[:limit]
		last := page.Jobs[limit-1]
		page.Next = encodeCursor(jobCursor{At: last.SubmittedAt, ID: last.ID})
	}
	return page, nil
}

// UnfinishedJobs returns up to limit ids of jobs queued or processing that
// were submitted before olderThan, in id order after the given id, for the
// reconciler.
func (r *Reader) UnfinishedJobs(ctx context.Context, olderThan time.Time, after uuid.UUID, limit int) ([]uuid.UUID, error) {
	rows, err := r.pool.Query(ctx, `SELECT job_id FROM `+TableJobStats+`
		WHERE status IN ('queued', 'processing') AND submitted_at < $1 AND job_id > $2
		ORDER BY job_id LIMIT $3`, olderThan, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list unfinished jobs: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, fmt.Errorf("list unfinished jobs: %w", err)
	}
	return ids, nil
}

// Totals returns the totals of owner's jobs, or of everyone's for
// domain.AllOwners.
func (r *Reader) Totals(ctx context.Context, owner string) (*domain.Totals, error) {
	ts, err := queryJSON[totalsRow](ctx, r.pool, `SELECT to_jsonb(a) FROM `+TableAggregateStats+` a
		WHERE owner = $1`, owner)
	if err != nil || len(ts) == 0 {
		return domain.NewTotals(owner), err
	}
	return ts[0].totals(), nil
}

// TopErrorGroups returns the error groups seen most across owner's jobs.
func (r *Reader) TopErrorGroups(ctx context.Context, owner string, limit int) ([]domain.TopErrorGroup, error) {
	rows, err := queryJSON[topGroupRow](ctx, r.pool, `SELECT to_jsonb(g) FROM `+TableAggregateErrorGroups+` g
		WHERE owner = $1 ORDER BY count DESC, id LIMIT $2`, owner, limit)
	groups := make([]domain.TopErrorGroup, len(rows))
	for i := range rows {
		groups[i] = *rows[i].group()
	}
	return groups, err
}

// queryJSON runs a query whose rows are one JSON value each and decodes them.
func queryJSON[T any](ctx context.Context, pool *pgxpool.Pool, sql string, args ...any) ([]T, error) {
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("query read model: %w", err)
	}
	out := []T{}
	var data []byte
	_, err = pgx.ForEachRow(rows, []any{&data}, func() error {
		var v T
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("query read model: %w", err)
	}
	return out, nil
}
