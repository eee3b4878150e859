package domain

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
)

// Jobs keeps jobs in an event store: it folds a job from its stream and
// appends the events the job's commands decided, at the version the job was
// folded at, so two writers of one job never both succeed on a stale view.
type Jobs struct {
	store events.Store
	brief bool
}

// NewJobs returns the jobs kept in store.
func NewJobs(store events.Store) *Jobs { return &Jobs{store: store} }

// NewBriefJobs returns the jobs kept in store as their writers need them:
// each load folds what the job's commands decide by, and leaves out of
// each chunk its timeline, keywords, components and addresses, which only
// the read models and the views folded from a stream show. A chunk's event
// is mostly its timeline (a minute an entry), so a worker that folds the
// chunks other parts recorded, as every part of a large job does, decodes
// each in about a sixth of the time. A brief job must not reach a view, and
// a job must be updated by Jobs of its own kind: a whole fold caught up
// briefly, or the reverse, holds partial counts that look whole.
func NewBriefJobs(store events.Store) *Jobs { return &Jobs{store: store, brief: true} }

// streamPage is how many events one read of a stream returns.
const streamPage = 1000

// maxUpdateTries bounds how often Update decides again after the stream
// moved under it. Each retry follows an append of another writer of the job
// (a twin delivery, another part), so a writer that keeps losing the race is
// waiting for others that make progress, and a job holds a bounded number of
// events: the bound only stops a runaway, and is far above what twins
// racing over a whole file need.
const maxUpdateTries = 1000

// Load folds a job's whole stream. It returns ENOTFOUND for a job without
// events.
func (r *Jobs) Load(ctx context.Context, id uuid.UUID) (*Job, error) {
	return r.LoadUntil(ctx, id, 0)
}

// LoadUntil folds a job's stream up to version until (0 for all of it), as an
// auditor replays it. It returns ENOTFOUND for a job without events.
func (r *Jobs) LoadUntil(ctx context.Context, id uuid.UUID, until int64) (*Job, error) {
	j := NewJob(id)
	j.brief = r.brief
	err := ReadJobStream(ctx, r.store, id, func(rec events.Record) (bool, error) {
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

// Save appends the events the job's commands decided since it was loaded or
// last saved. It returns an error wrapping events.ErrConcurrency when the
// stream moved meanwhile; after that, or any other error, the job's state
// is not the stream's: Update loads it again, and so must other callers.
func (r *Jobs) Save(ctx context.Context, j *Job) error {
	if len(j.changes) == 0 {
		return nil
	}
	expected := j.Version - int64(len(j.changes))
	v, err := r.store.AppendToStream(ctx, events.JobStream(j.ID), expected, j.changes...)
	if err != nil {
		// The events may have been stored all the same (a connection
		// lost after the commit): only the stream can tell.
		j.stale, j.changes = true, nil
		return fmt.Errorf("save job %s: %w", j.ID, err)
	}
	// A repeat of events already stored (a twin wrote them) answers with
	// the version of the last of them: when that is not the version the
	// job counted, the stream holds events the job has not folded.
	j.stale = v != j.Version
	j.Version, j.changes = v, nil
	return nil
}

// Update runs a command on the job and saves what it decided. When the stream
// moved since the job was loaded (a twin delivery, another part of the job
// appended), it folds what was appended into the job as it was before the
// command, and runs the command on the new state, which decides whether
// anything is left to do; after a failed save it loads the job again. The
// command's own error is returned as it is, with the job as it was before
// the command.
func (r *Jobs) Update(ctx context.Context, j *Job, command func(*Job) error) error {
	for try := 1; ; try++ {
		if j.stale {
			if err := r.reload(ctx, j); err != nil {
				return err
			}
		}
		before := j.clone()
		if err := command(j); err != nil {
			// A command that recorded events before it failed left them
			// folded into the job: the job goes back to its stream's state.
			*j = *before
			return err
		}
		err := r.Save(ctx, j)
		if err == nil || !errors.Is(err, events.ErrConcurrency) || try == maxUpdateTries || ctx.Err() != nil {
			return err
		}
		// Nothing of the command's was stored: go back to the state before
		// it, and fold only the events appended since.
		*j = *before
		if err := r.catchUp(ctx, j); err != nil {
			j.stale = true
			return err
		}
	}
}

// CatchUp folds into j the events appended to its stream since it was
// loaded or saved, or loads it again when it may not be the stream's.
func (r *Jobs) CatchUp(ctx context.Context, j *Job) error {
	if j.stale {
		return r.reload(ctx, j)
	}
	return r.catchUp(ctx, j)
}

// catchUp folds into j the events of its stream after j's version.
func (r *Jobs) catchUp(ctx context.Context, j *Job) error {
	return readJobStreamAfter(ctx, r.store, j.ID, j.Version, func(rec events.Record) (bool, error) {
		return true, j.Apply(rec)
	})
}

// reload folds the job's stream again into j. A job that cannot be read
// stays stale.
func (r *Jobs) reload(ctx context.Context, j *Job) error {
	fresh, err := r.Load(ctx, j.ID)
	if err != nil {
		return err
	}
	*j = *fresh
	return nil
}

// ReadJobStream calls fn with each event of the job's stream in version
// order until fn returns false or an error.
func ReadJobStream(ctx context.Context, store events.Store, id uuid.UUID, fn func(events.Record) (bool, error)) error {
	return readJobStreamAfter(ctx, store, id, 0, fn)
}

// readJobStreamAfter is ReadJobStream from the event after version after.
func readJobStreamAfter(ctx context.Context, store events.Store, id uuid.UUID, after int64, fn func(events.Record) (bool, error)) error {
	stream := events.JobStream(id)
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
