// Package events defines the event log of Log Processor: the envelope every
// fact is stored in, the job event types and their schema versions, the
// upcasters that read old shapes as new ones, and the Store interface that
// event store implementations satisfy.
//
// Events are the only source of truth. Read models are derived from them by
// the projections package and may be rebuilt from position zero at any time.
package events

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Event is a fact to append to a stream. Type is a stable string, never a Go
// type name, and SchemaVersion names the shape of Data.
type Event struct {
	ID            uuid.UUID
	Type          string
	SchemaVersion int
	Data          json.RawMessage
	Metadata      Metadata
}

// Metadata says where an event came from. It is stored beside the event's data
// and is not part of the event's identity.
type Metadata struct {
	// CorrelationID ties every event of one user action together: the request
	// id of the upload that started the job.
	CorrelationID string `json:"correlation_id,omitempty"`
	// CausationID is the id of the event or task that caused this one.
	CausationID string `json:"causation_id,omitempty"`
	// Actor is the JWT subject of the user, or the name of the process, that
	// caused the event.
	Actor string `json:"actor,omitempty"`
	// AnalyzerVersion is the analysis engine's version for worker events.
	AnalyzerVersion string `json:"analyzer_version,omitempty"`
}

// Position is an event's place in the global order of the log: the id of the
// transaction that wrote it, then its row id. Readers only see positions
// whose transaction is older than every transaction still running, so the
// order never changes behind a reader.
type Position struct {
	TxID uint64 `json:"tx_id"`
	ID   int64  `json:"id"`
}

// Less reports whether p comes before q in the global order.
func (p Position) Less(q Position) bool {
	if p.TxID != q.TxID {
		return p.TxID < q.TxID
	}
	return p.ID < q.ID
}

// String formats the position as "tx/id".
func (p Position) String() string { return fmt.Sprintf("%d/%d", p.TxID, p.ID) }

// Record is a stored event with its place in the log.
type Record struct {
	Event
	Position   Position
	StreamID   string
	Version    int64
	RecordedAt time.Time
}
