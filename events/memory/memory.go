// Package memory is an events.Store held in memory. It keeps every promise of
// the interface that the PostgreSQL store keeps (the eventstest suite checks
// both), so the rules that sit on an event store, such as a job's commands
// and a worker's redelivery, can be tested in milliseconds without services.
// It is for tests and for running the engine offline; nothing is persisted.
package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
)

// Store is an events.Store in memory, safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	all     []events.Record
	streams map[string][]int // indexes into all, in version order
	byID    map[uuid.UUID]int
	txs     uint64
}

// New returns an empty store.
func New() *Store {
	return &Store{streams: map[string][]int{}, byID: map[uuid.UUID]int{}}
}

var _ events.Store = (*Store)(nil)

// AppendToStream implements events.Store. Each call that writes is one
// transaction: its events share a transaction id, as they do in PostgreSQL.
func (s *Store) AppendToStream(ctx context.Context, streamID string, expected int64, evs ...events.Event) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if len(evs) == 0 {
		return expected, nil
	}
	if expected < 0 {
		return 0, fmt.Errorf("append to %s: negative expected version %d", streamID, expected)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if int64(len(s.streams[streamID])) != expected {
		if v, ok := s.storedAlready(streamID, evs); ok {
			return v, nil
		}
		return 0, fmt.Errorf("append to %s at version %d: %w", streamID, expected, events.ErrConcurrency)
	}
	if s.knowsAny(evs) {
		if v, ok := s.storedAlready(streamID, evs); ok {
			return v, nil
		}
		return 0, fmt.Errorf("append to %s: %w", streamID, events.ErrEventConflict)
	}
	s.write(streamID, expected, evs)
	return expected + int64(len(evs)), nil
}

func (s *Store) write(streamID string, expected int64, evs []events.Event) {
	s.txs++
	now := time.Now().UTC()
	for i, e := range evs {
		rec := events.Record{Event: e, StreamID: streamID, Version: expected + int64(i) + 1, RecordedAt: now,
			Position: events.Position{TxID: s.txs, ID: int64(len(s.all) + 1)}}
		rec.Data = slices.Clone(e.Data)
		s.byID[e.ID] = len(s.all)
		s.streams[streamID] = append(s.streams[streamID], len(s.all))
		s.all = append(s.all, rec)
	}
}

func (s *Store) knowsAny(evs []events.Event) bool {
	for _, e := range evs {
		if _, ok := s.byID[e.ID]; ok {
			return true
		}
	}
	return false
}

// storedAlready reports whether every event is stored in the stream with
// the same type, schema version and data (compared as JSON values, as jsonb
// compares them), and returns the version of the last one.
func (s *Store) storedAlready(streamID string, evs []events.Event) (int64, bool) {
	var last int64
	for _, e := range evs {
		i, ok := s.byID[e.ID]
		if !ok {
			return 0, false
		}
		rec := s.all[i]
		if rec.StreamID != streamID || rec.Type != e.Type || rec.SchemaVersion != e.SchemaVersion || !sameJSON(rec.Data, e.Data) {
			return 0, false
		}
		last = max(last, rec.Version)
	}
	return last, true
}

func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// ReadStream implements events.Store.
func (s *Store) ReadStream(ctx context.Context, streamID string, afterVersion int64, limit int) ([]events.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []events.Record
	idx := s.streams[streamID]
	for v := max(afterVersion, 0); v < int64(len(idx)) && len(out) < limit; v++ {
		out = append(out, s.copyOf(idx[v]))
	}
	return out, nil
}

// ReadAll implements events.Store. Appends are atomic here, so every stored
// event is readable at once.
func (s *Store) ReadAll(ctx context.Context, after events.Position, limit int, types ...string) ([]events.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []events.Record
	start := sort.Search(len(s.all), func(i int) bool { return after.Less(s.all[i].Position) })
	for i := start; i < len(s.all) && len(out) < limit; i++ {
		if len(types) == 0 || slices.Contains(types, s.all[i].Type) {
			out = append(out, s.copyOf(i))
		}
	}
	return out, nil
}

// copyOf returns a stored record that the caller may change freely.
func (s *Store) copyOf(i int) events.Record {
	r := s.all[i]
	r.Data = slices.Clone(r.Data)
	return r
}
