package events

import (
	"context"
	"errors"
)

// ErrConcurrency is returned by AppendToStream when the stream is not at the
// expected version: another writer appended first.
var ErrConcurrency = errors.New("events: stream is not at the expected version")

// ErrEventConflict is returned by AppendToStream when an event id is already
// stored with a different type or data.
var ErrEventConflict = errors.New("events: event id already stored with other content")

// ErrRefused is in the chain of an error of AppendToStream when the store
// refused the events' content itself (for PostgreSQL, a data exception):
// appending the same events again cannot succeed.
var ErrRefused = errors.New("events: the store refused the events' content")

// ErrUnavailable is in the chain of an error when the store could not be
// reached or went away mid-call (for PostgreSQL, a lost connection or a
// server shutting down or starting up): the same call may succeed later.
// An append that failed so may have been committed: appending the same
// events again is safe, since a repeated append of the same ids succeeds.
var ErrUnavailable = errors.New("events: the store is unavailable")

// Store is an append-only event log made of streams.
type Store interface {
	// AppendToStream appends evs to the stream at expectedVersion (0 for a
	// stream that does not exist yet) and returns the stream's new version.
	// It returns ErrConcurrency when the stream is at another version, unless
	// every event id in evs is already stored in the stream with the same
	// type, schema version and data: then nothing is written, and the call
	// succeeds with the version of the last of those events (the stream may
	// have moved on since). It returns ErrEventConflict when an id is stored
	// with other content or in another stream.
	AppendToStream(ctx context.Context, streamID string, expectedVersion int64, evs ...Event) (int64, error)

	// ReadStream returns up to limit events of the stream with a version
	// greater than afterVersion, in version order. A stream that does not
	// exist reads as empty.
	ReadStream(ctx context.Context, streamID string, afterVersion int64, limit int) ([]Record, error)

	// ReadAll returns up to limit events after the given position in global
	// order, restricted to the given types when any are named. It never
	// returns an event while an older transaction that might still commit
	// before it is open, so a reader that resumes from the last position it
	// saw skips nothing.
	ReadAll(ctx context.Context, after Position, limit int, types ...string) ([]Record, error)
}
