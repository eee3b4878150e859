package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/logproc/logproc/events"
)

const selectRecord = `SELECT id, tx_id::text, event_id, stream_id, version, type, schema_version,
	data, metadata, recorded_at FROM events `

// ReadStream implements events.Store.
func (s *Store) ReadStream(ctx context.Context, streamID string, afterVersion int64, limit int) ([]events.Record, error) {
	rows, err := s.db.Query(ctx, selectRecord+`WHERE stream_id = $1 AND version > $2 ORDER BY version LIMIT $3`,
		streamID, afterVersion, limit)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, classify(err))
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("read stream %s: %w", streamID, classify(err))
	}
	return recs, nil
}

// ReadAll implements events.Store. It reads only events whose transaction is
// older than the oldest transaction still running, in (tx_id, id) order: a
// transaction that started earlier but commits later can never land behind a
// position a reader has already passed.
func (s *Store) ReadAll(ctx context.Context, after events.Position, limit int, types ...string) ([]events.Record, error) {
	q := selectRecord + `WHERE (tx_id, id) > ($1::text::xid8, $2)
		AND tx_id < pg_snapshot_xmin(pg_current_snapshot())`
	args := []any{strconv.FormatUint(after.TxID, 10), after.ID, limit}
	if len(types) > 0 {
		q += ` AND type = ANY($4)`
		args = append(args, types)
	}
	// Qualified: a bare tx_id would sort by the tx_id::text output column.
	rows, err := s.db.Query(ctx, q+` ORDER BY events.tx_id, events.id LIMIT $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("read all after %s: %w", after, classify(err))
	}
	recs, err := scanRecords(rows)
	if err != nil {
		return nil, fmt.Errorf("read all after %s: %w", after, classify(err))
	}
	return recs, nil
}

func scanRecords(rows pgx.Rows) ([]events.Record, error) {
	defer rows.Close()
	var recs []events.Record
	for rows.Next() {
		var r events.Record
		var tx string
		var data, meta []byte
		// Data is scanned as bytes: into a json.RawMessage pgx would
		// validate it with json.Unmarshal, a cost per event on replay.
		err := rows.Scan(&r.Position.ID, &tx, &r.ID, &r.StreamID, &r.Version, &r.Type,
			&r.SchemaVersion, &data, &meta, &r.RecordedAt)
		if err != nil {
			return nil, err
		}
		r.Data = data
		if r.Position.TxID, err = strconv.ParseUint(tx, 10, 64); err != nil {
			return nil, fmt.Errorf("event %d: tx_id %q: %w", r.Position.ID, tx, err)
		}
		if r.Metadata, err = events.DecodeMetadata(meta); err != nil {
			return nil, fmt.Errorf("event %d: metadata: %w", r.Position.ID, err)
		}
		recs = append(recs, r)
	}
	return recs, rows.Err()
}

func metadataJSON(m events.Metadata) string {
	b, err := json.Marshal(m)
	if err != nil { // a struct of strings always encodes
		panic(err)
	}
	return string(b)
}

// StreamIDs returns up to limit stream ids that start with prefix and sort
// after the given id, in order.
func (s *Store) StreamIDs(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	rows, err := s.db.Query(ctx, `SELECT stream_id FROM streams
		WHERE stream_id LIKE $1 || '%' AND stream_id > $2 ORDER BY stream_id LIMIT $3`, prefix, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list streams: %w", err)
	}
	return ids, nil
}
