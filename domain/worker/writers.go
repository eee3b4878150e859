package worker

import (
	"context"
	"sync"

	"github.com/google/uuid"
)

// The tasks of one job that run in one process (two parts of a large file
// on a worker with two slots, or twin deliveries) take turns at appending
// to its stream. Each append names the version its writer folded the job
// at, so without turns two of them racing would make one fail, read what
// the other appended and try again: a failed transaction, a look for a
// repeated append and a second append, about every other append of a job
// whose parts run in step. With turns, a task whose job another task here
// moved since its last fold folds what that task appended, which it would
// have read anyway, and appends once. Tasks in other processes are still
// kept apart by the versions alone.

// jobWriters holds the turns of the jobs some task of this process runs.
type jobWriters struct {
	mu   sync.Mutex
	jobs map[uuid.UUID]*jobWriter
}

// jobWriter is the turn of one job's tasks: a task appends holding it.
type jobWriter struct {
	// held holds a token while a task has the turn: a channel, so that a
	// task whose context ends stops waiting for another's slow append.
	held chan struct{}
	// version is the job's version after the last append made in a turn,
	// read and written in turns; tasks counts the tasks of the job that
	// run here, under jobWriters.mu.
	version int64
	tasks   int
}

// take waits for the turn, or for ctx to end.
func (jw *jobWriter) take(ctx context.Context) error {
	select {
	case jw.held <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// give ends a turn taken with take.
func (jw *jobWriter) give() { <-jw.held }

// join returns the turn of the job that a task starting here will take.
func (w *jobWriters) join(id uuid.UUID) *jobWriter {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.jobs == nil {
		w.jobs = map[uuid.UUID]*jobWriter{}
	}
	jw := w.jobs[id]
	if jw == nil {
		jw = &jobWriter{held: make(chan struct{}, 1)}
		w.jobs[id] = jw
	}
	jw.tasks++
	return jw
}

// leave says a task that joined has ended; the turn is dropped with the
// last of its job's tasks here.
func (w *jobWriters) leave(id uuid.UUID, jw *jobWriter) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if jw.tasks--; jw.tasks == 0 {
		delete(w.jobs, id)
	}
}
