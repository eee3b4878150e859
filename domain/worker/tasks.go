package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain"
)

// Tasks is what the app needs to know of its jobs' tasks beyond asynq's
// Inspector: to see them as they are after Redis lost its data, and to hand
// a task whose worker died back to the queue at once. Each of these touches
// asynq's own keys in Redis, as asynq v0.26 lays them out (asynqKeys); the
// tests run them against a real asynq, so an upgrade that moves the keys
// fails them.
type Tasks struct {
	rdb       redis.UniversalClient
	inspector *asynq.Inspector
	queue     string
}

// NewTasks returns the tasks of the named queue in rdb.
func NewTasks(rdb redis.UniversalClient, queue string) *Tasks {
	return &Tasks{rdb: rdb, inspector: asynq.NewInspectorFromRedisClient(rdb), queue: queue}
}

// Queue returns the name of the queue.
func (t *Tasks) Queue() string { return t.queue }

// asynqKeys are the keys of asynq v0.26 that Tasks reads or writes.
type asynqKeys struct{ task, active, lease, pending string }

// queuesKey is the set of queue names asynq's Inspector knows. A client adds
// a queue to it on its first enqueue only, so after Redis restarts empty,
// a long-running process never adds it again: the Inspector then calls the
// queue missing (GetTaskInfo answers "queue not found", the queue's figures
// read as zero) while its tasks run on.
const queuesKey = "asynq:queues"

func (t *Tasks) keys(id string) asynqKeys {
	prefix := "asynq:{" + t.queue + "}:"
	return asynqKeys{task: prefix + "t:" + id, active: prefix + "active", lease: prefix + "lease",
		pending: prefix + "pending"}
}

// Register makes sure asynq's Inspector knows the queue, as a first enqueue
// would. It returns EUNAVAILABLE when Redis cannot be reached.
func (t *Tasks) Register(ctx context.Context) error {
	if err := t.rdb.SAdd(ctx, queuesKey, t.queue).Err(); err != nil {
		return unreachable(err)
	}
	return nil
}

// Lookup returns the task of the given id (a job's id, or the id of a part's
// or finishing task), or nil when asynq holds no task with that id. A queue asynq's bookkeeping lost (see queuesKey) is registered
// again, so the task is seen as it is. It returns EUNAVAILABLE when Redis
// cannot be reached.
func (t *Tasks) Lookup(ctx context.Context, id string) (*asynq.TaskInfo, error) {
	info, err := t.inspector.GetTaskInfo(t.queue, id)
	if errors.Is(err, asynq.ErrQueueNotFound) {
		if err := t.Register(ctx); err != nil {
			return nil, err
		}
		info, err = t.inspector.GetTaskInfo(t.queue, id)
	}
	switch {
	case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
		return nil, nil
	case err != nil:
		return nil, unreachable(fmt.Errorf("look up task: %w", err))
	}
	return info, nil
}

// Running returns the ids of the tasks that live worker servers report
// running, from the heartbeats asynq's servers publish every 5 s (an entry
// lapses 10 s after its server's last one). It returns EUNAVAILABLE when
// Redis cannot be reached.
func (t *Tasks) Running() (map[string]*asynq.ServerInfo, error) {
	servers, err := t.inspector.Servers()
	if err != nil {
		return nil, unreachable(fmt.Errorf("list worker servers: %w", err))
	}
	running := map[string]*asynq.ServerInfo{}
	for _, s := range servers {
		for _, w := range s.ActiveWorkers {
			if w.Queue == t.queue {
				running[w.TaskID] = s
			}
		}
	}
	return running, nil
}

// requeueOrphanScript hands an active task back to the queue, as asynq's
// recoverer would, but only while its lease has expired (ARGV[2], Unix
// seconds) and it is still active: a worker that still holds the task
// keeps its lease extended, and a task the recoverer moved first is left
// alone. Its retry count stays: a crash is not a failure of the task.
var requeueOrphanScript = redis.NewScript(`
local lease = redis.call("ZSCORE", KEYS[3], ARGV[1])
if not lease or tonumber(lease) >= tonumber(ARGV[2]) then
	return 0
end
if redis.call("LREM", KEYS[2], 0, ARGV[1]) == 0 then
	return 0
end
redis.call("ZREM", KEYS[3], ARGV[1])
redis.call("HSET", KEYS[1], "state", "pending", "pending_since", ARGV[3])
redis.call("LPUSH", KEYS[4], ARGV[1])
return 1`)

// RequeueOrphan moves the active task of the given id back to pending when its lease
// has expired, so that a live worker runs it at once; asynq's own recoverer
// waits for the lease to be expired 30 s more and runs once a minute, then
// delays the retry. The caller checks first that no live server runs the
// task. It reports whether the task moved, and returns EUNAVAILABLE when
// Redis cannot be reached.
func (t *Tasks) RequeueOrphan(ctx context.Context, id string, now time.Time) (bool, error) {
	k := t.keys(id)
	n, err := requeueOrphanScript.Run(ctx, t.rdb, []string{k.task, k.active, k.lease, k.pending},
		id, now.Unix(), now.UnixNano()).Int()
	if err != nil {
		return false, unreachable(fmt.Errorf("requeue orphaned task: %w", err))
	}
	return n == 1, nil
}

// LeaseExpired reports whether the task of the given id holds a lease that has
// expired by now: its worker has not extended it for over 25 s.
func (t *Tasks) LeaseExpired(ctx context.Context, id string, now time.Time) (bool, error) {
	score, err := t.rdb.ZScore(ctx, t.keys(id).lease, id).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil
	case err != nil:
		return false, unreachable(fmt.Errorf("read task lease: %w", err))
	}
	return int64(score) < now.Unix(), nil
}

func unreachable(err error) error {
	return domain.Wrap(err, domain.EUNAVAILABLE, "the job queue (Redis) cannot be reached")
}
