package domain

import (
	"context"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
)

// streamPage is how many events one read of a stream returns.
const streamPage = 1000

// LoadJob folds a job's stream, up to version until (0 for all of it), into
// its state. It returns ENOTFOUND for a job without events.
func LoadJob(ctx context.Context, store events.Store, id uuid.UUID, until int64) (*Job, error) {
	j := NewJob(id)
	err := ReadJobStream(ctx, store, id, func(rec events.Record) (bool, error) {
		if until > 0 && rec.Version > until {
			return false, nil
		}
		return true, j.Apply(rec)
	})
	if err != nil {
		return nil, err
	}
	if j.Version == 0 {
		return nil, Errorf(ENOTFOUND, "job %s not found", id)
	}
	return j, nil
}

// ReadJobStream calls fn with each event of the job's stream in version
// order until fn returns false or an error.
func ReadJobStream(ctx context.Context, store events.Store, id uuid.UUID, fn func(events.Record) (bool, error)) error {
	stream := events.JobStream(id)
	var after int64
	for {
		recs, err := store.ReadStream(ctx, stream, after, streamPage)
		if err != nil {
			return err
		}
		for _, rec := range recs {
			more, err := fn(rec)
			if err != nil || !more {
				return err
			}
			after = rec.Version
		}
		if len(recs) < streamPage {
			return nil
		}
	}
}
