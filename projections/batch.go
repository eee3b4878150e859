package projections

import (
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
)

// jobEvent is an event of a job's stream with its payload decoded (and
// upcast) once for the whole batch.
type jobEvent struct {
	JobID   uuid.UUID
	Record  events.Record
	Payload events.Payload
}

// jobEvents picks the batch's job events. An event of a type this release
// does not know in a job's stream stops the batch: a job's fold must not
// skip a fact.
func jobEvents(batch []Event) ([]jobEvent, error) {
	out := make([]jobEvent, 0, len(batch))
	for _, e := range batch {
		id, ok := events.ParseJobStream(e.StreamID)
		if !ok {
			continue
		}
		if e.Payload == nil {
			return nil, fmt.Errorf("event %s of job %s has type %q, which this release does not know", e.ID, id, e.Type)
		}
		out = append(out, jobEvent{JobID: id, Record: e.Record, Payload: e.Payload})
	}
	return out, nil
}

// jobIDs returns the distinct job ids of the events, in first-seen order.
func jobIDs(evs []jobEvent) []uuid.UUID {
	seen := map[uuid.UUID]bool{}
	var ids []uuid.UUID
	for _, e := range evs {
		if !seen[e.JobID] {
			seen[e.JobID] = true
			ids = append(ids, e.JobID)
		}
	}
	return ids
}

// upsert builds an INSERT of JSON rows into table that replaces the listed
// columns of a row whose key exists. Rows come as a JSON array in $1 whose
// objects' keys are column names.
func upsert(table string, key []string, cols []string) string {
	return fmt.Sprintf(`INSERT INTO %[1]s SELECT * FROM jsonb_populate_recordset(NULL::%[1]s, $1::jsonb)
		ON CONFLICT (%[2]s) DO UPDATE SET %[3]s`, table, strings.Join(key, ", "), setExcluded(cols))
}

// setExcluded is the SET list of an upsert that replaces the columns.
func setExcluded(cols []string) string {
	set := make([]string, len(cols))
	for i, c := range cols {
		set[i] = c + " = excluded." + c
	}
	return strings.Join(set, ", ")
}
