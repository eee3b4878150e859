package projections

import (
	"fmt"

	"github.com/logproc/logproc/events"
)

// Event is a stored event with its payload decoded and upcast to the current
// schema, once, before a projector sees it.
type Event struct {
	events.Record
	// Payload is nil for an event type this release does not know.
	Payload events.Payload
}

// decodeBatch decodes the records of known types. A known type whose data
// does not decode stops the batch: skipping it would lose a fact.
func decodeBatch(recs []events.Record) ([]Event, error) {
	out := make([]Event, len(recs))
	for i, rec := range recs {
		out[i].Record = rec
		if events.SchemaVersion(rec.Type) == 0 {
			continue
		}
		p, err := events.Decode(rec.Event)
		if err != nil {
			return nil, fmt.Errorf("event %d at %s: %w", rec.Position.ID, rec.Position, err)
		}
		out[i].Payload = p
	}
	return out, nil
}
