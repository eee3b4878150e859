package projections

import (
	"container/list"
	"sync"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
)

// maxCachedJobs bounds the jobs JobStats keeps in memory between batches.
const maxCachedJobs = 10_000

// jobCache keeps the state of unfinished jobs between batches, so a batch
// does not read back what the previous one wrote. It is only valid while
// the runner holds the projector's lock and every batch commits; the runner
// resets it otherwise (see Resetter).
type jobCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of cacheKey, most recent first
	items map[cacheKey]*cachedJob
}

// cacheKey is a job in one generation's tables.
type cacheKey struct {
	table string
	id    uuid.UUID
}

// cachedJob is a job's state and whether its Groups and Timeline hold every
// row of its tables (true for a job the cache saw from its first event).
type cachedJob struct {
	job      *domain.Job
	complete bool
	elem     *list.Element
}

func newJobCache(max int) *jobCache {
	return &jobCache{max: max, order: list.New(), items: map[cacheKey]*cachedJob{}}
}

func (c *jobCache) get(k cacheKey) (*cachedJob, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	item, ok := c.items[k]
	if ok {
		c.order.MoveToFront(item.elem)
	}
	return item, ok
}

// put keeps a job, or forgets it once it is finished: a finished job gets
// no more events.
func (c *jobCache) put(k cacheKey, job *domain.Job, complete bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if item, ok := c.items[k]; ok {
		c.order.Remove(item.elem)
		delete(c.items, k)
	}
	if job.Status.Terminal() {
		return
	}
	c.items[k] = &cachedJob{job: job, complete: complete, elem: c.order.PushFront(k)}
	for c.order.Len() > c.max {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(cacheKey))
	}
}

func (c *jobCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.order.Init()
	c.items = map[cacheKey]*cachedJob{}
}
