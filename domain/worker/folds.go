package worker

import (
	"sync"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
)

// A job analysed in parts is folded by every part's task, and without
// help each fold reads the job's whole stream: the plan, and every chunk
// the earlier parts recorded. For a file of P parts that is about P²/2
// chunk events read, and shipped by PostgreSQL, in all: a file of 320
// parts has its 320th part read some 800 events before its analysis
// starts. A worker keeps the folds its last tasks ended with, and a task
// of the same job that starts here takes its fold and reads only what was
// appended since. A worker that runs every part reads each event about
// once; W workers sharing the parts read about W times the events each
// part records, per part.

// keptFolds is how many jobs' folds a worker keeps.
const keptFolds = 8

// recentFolds keeps the folds of the jobs this worker's tasks ended with.
// A fold is handed to one task at a time: take removes it.
type recentFolds struct {
	mu    sync.Mutex
	jobs  map[uuid.UUID]*domain.Job
	order []uuid.UUID // oldest first
}

// take returns the kept fold of the job and forgets it, or nil.
func (f *recentFolds) take(id uuid.UUID) *domain.Job {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.jobs[id]
	if j != nil {
		f.forget(id)
	}
	return j
}

// keep keeps a fold a task ended with, unless the worker keeps a later
// fold of the job; the oldest job's fold goes when there are too many.
func (f *recentFolds) keep(j *domain.Job) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if kept := f.jobs[j.ID]; kept != nil {
		if kept.Version >= j.Version {
			return
		}
		f.forget(j.ID)
	}
	if f.jobs == nil {
		f.jobs = map[uuid.UUID]*domain.Job{}
	}
	if len(f.order) == keptFolds {
		f.forget(f.order[0])
	}
	f.jobs[j.ID] = j
	f.order = append(f.order, j.ID)
}

func (f *recentFolds) forget(id uuid.UUID) {
	delete(f.jobs, id)
	for i, o := range f.order {
		if o == id {
			f.order = append(f.order[:i], f.order[i+1:]...)
			break
		}
	}
}
