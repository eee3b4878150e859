// Package postgres is the event store on PostgreSQL: appends with an expected
// stream version, idempotent re-appends, stream reads, global reads that never
// skip a slower transaction's events, and LISTEN/NOTIFY wake-ups.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/logproc/logproc/events"
)

// NotifyChannel is the channel every append notifies, with the stream id as
// payload. A notification is only a wake-up: readers poll as well.
const NotifyChannel = "events"

// DB is what the store needs of a connection: a pool, a single connection or
// a transaction.
type DB interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store is an events.Store on PostgreSQL.
type Store struct {
	db DB
	// Metrics, when set, counts appends and times them.
	Metrics *Metrics
}

// New returns a store over db, whose schema the migrations package created.
func New(db DB) *Store { return &Store{db: db} }

var _ events.Store = (*Store)(nil)

// AppendToStream implements events.Store.
func (s *Store) AppendToStream(ctx context.Context, streamID string, expected int64, evs ...events.Event) (int64, error) {
	start := time.Now()
	v, err := s.appendToStream(ctx, streamID, expected, evs)
	if len(evs) > 0 {
		s.Metrics.observe(err, time.Since(start))
	}
	return v, err
}

func (s *Store) appendToStream(ctx context.Context, streamID string, expected int64, evs []events.Event) (int64, error) {
	if len(evs) == 0 {
		return expected, nil
	}
	if expected < 0 {
		return 0, fmt.Errorf("append to %s: negative expected version %d", streamID, expected)
	}
	version, err := s.append(ctx, streamID, expected, evs)
	if err == nil {
		return version, nil
	}
	if !errors.Is(err, events.ErrConcurrency) && !isUniqueViolation(err, "events_event_id_key") {
		return 0, fmt.Errorf("append to %s: %w", streamID, classify(err))
	}
	stored, err2 := s.storedAlready(ctx, streamID, evs)
	if err2 != nil {
		return 0, fmt.Errorf("append to %s: %w (checking for a repeated append: %w)", streamID, err, classify(err2))
	}
	if stored > 0 {
		return stored, nil
	}
	if errors.Is(err, events.ErrConcurrency) {
		return 0, fmt.Errorf("append to %s at version %d: %w", streamID, expected, err)
	}
	return 0, fmt.Errorf("append to %s: %w", streamID, events.ErrEventConflict)
}

// append writes the events in one transaction: the stream row first, so a
// wrong expected version fails before any event is written and a stream's
// version order equals its commit order; then the events; then a NOTIFY.
func (s *Store) append(ctx context.Context, streamID string, expected int64, evs []events.Event) (int64, error) {
	next := expected + int64(len(evs))
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := moveStream(ctx, tx, streamID, expected, next); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertEvents, insertArgs(streamID, expected, evs)...); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, NotifyChannel, streamID)
		return err
	})
	return next, err
}

// moveStream sets the stream's version from expected to next, creating the
// stream when expected is 0. It returns events.ErrConcurrency when the stream
// is at another version.
func moveStream(ctx context.Context, tx pgx.Tx, streamID string, expected, next int64) error {
	if expected == 0 {
		_, err := tx.Exec(ctx, `INSERT INTO streams (stream_id, version) VALUES ($1, $2)`, streamID, next)
		if isUniqueViolation(err, "streams_pkey") {
			return events.ErrConcurrency
		}
		return err
	}
	tag, err := tx.Exec(ctx, `UPDATE streams SET version = $3, updated_at = now()
		WHERE stream_id = $1 AND version = $2`, streamID, expected, next)
	if err == nil && tag.RowsAffected() == 0 {
		return events.ErrConcurrency
	}
	return err
}

const insertEvents = `
INSERT INTO events (event_id, stream_id, version, type, schema_version, data, metadata)
SELECT id, $2, v, t, sv, d::jsonb, m::jsonb
FROM unnest($1::uuid[], $3::int8[], $4::text[], $5::int4[], $6::text[], $7::text[]) AS e(id, v, t, sv, d, m)`

func insertArgs(streamID string, expected int64, evs []events.Event) []any {
	c := columnsOf(evs)
	versions := make([]int64, len(evs))
	for i := range evs {
		versions[i] = expected + int64(i) + 1
	}
	return []any{c.ids, streamID, versions, c.types, c.schemaVersions, c.data, c.metadata}
}

// eventColumns are events as one array per column, for unnest.
type eventColumns struct {
	ids                   [][16]byte
	types, data, metadata []string
	schemaVersions        []int32
}

func columnsOf(evs []events.Event) eventColumns {
	n := len(evs)
	c := eventColumns{ids: make([][16]byte, n), types: make([]string, n), data: make([]string, n),
		metadata: make([]string, n), schemaVersions: make([]int32, n)}
	for i, e := range evs {
		c.ids[i], c.types[i], c.schemaVersions[i] = e.ID, e.Type, int32(e.SchemaVersion)
		c.data[i], c.metadata[i] = string(e.Data), metadataJSON(e.Metadata)
	}
	return c
}

// storedAlready reports whether every event is stored in the stream with the
// same type, schema version and data, and returns the version of the last
// one; it returns 0 when not.
func (s *Store) storedAlready(ctx context.Context, streamID string, evs []events.Event) (int64, error) {
	c := columnsOf(evs)
	var same int
	var last int64
	err := s.db.QueryRow(ctx, `
		SELECT count(*), coalesce(max(e.version), 0)
		FROM unnest($1::uuid[], $2::text[], $3::int4[], $4::text[]) AS i(id, t, sv, d)
		JOIN events e ON e.event_id = i.id
		WHERE e.stream_id = $5 AND e.type = i.t AND e.schema_version = i.sv AND e.data = i.d::jsonb`,
		c.ids, c.types, c.schemaVersions, c.data, streamID).Scan(&same, &last)
	if err != nil || same != len(evs) {
		return 0, err
	}
	return last, nil
}

func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}
