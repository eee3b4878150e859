package worker

import (
	"context"
	"errors"
	"slices"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain"
)

// Inspector reports the figures of the queues the app uses, the worker
// processes serving them and the tasks they run, from asynq's Inspector.
type Inspector struct {
	inspector *asynq.Inspector
	tasks     []*Tasks
}

// NewInspector returns an inspector of the named queues in rdb.
func NewInspector(rdb redis.UniversalClient, queues ...string) *Inspector {
	i := &Inspector{inspector: asynq.NewInspectorFromRedisClient(rdb)}
	for _, q := range queues {
		i.tasks = append(i.tasks, NewTasks(rdb, q))
	}
	return i
}

// maxListedTasks bounds the active tasks QueueStatus lists per queue.
const maxListedTasks = 1000

// QueueStatus returns each queue's figures, the live workers and the active
// tasks. A queue asynq's bookkeeping lost after Redis lost its data is
// registered again, so its figures are its own, not zeros. It returns
// EUNAVAILABLE when Redis cannot be reached.
func (i *Inspector) QueueStatus(ctx context.Context) (*domain.QueueStatus, error) {
	servers, err := i.inspector.Servers()
	if err != nil {
		return nil, unreachable(err)
	}
	st := &domain.QueueStatus{Queues: []domain.QueueInfo{}, Servers: []domain.WorkerServer{}, Active: []domain.ActiveTask{}}
	for _, s := range servers {
		if i.serves(s) {
			st.Servers = append(st.Servers, workerServer(s))
		}
	}
	for _, t := range i.tasks {
		info, active, err := i.queue(ctx, t, servers)
		if err != nil {
			return nil, err
		}
		st.Queues, st.Active = append(st.Queues, info), append(st.Active, active...)
	}
	return st, nil
}

// queue returns one queue's figures and active tasks.
func (i *Inspector) queue(ctx context.Context, t *Tasks, servers []*asynq.ServerInfo) (domain.QueueInfo, []domain.ActiveTask, error) {
	if err := t.Register(ctx); err != nil {
		return domain.QueueInfo{}, nil, err
	}
	qi, err := i.inspector.GetQueueInfo(t.queue)
	if err != nil {
		return domain.QueueInfo{}, nil, unreachable(err)
	}
	active, err := i.activeTasks(t.queue, servers)
	return queueInfo(qi), active, err
}

// activeTasks lists the queue's active tasks, each with the live server that
// reports running it, if any.
func (i *Inspector) activeTasks(queue string, servers []*asynq.ServerInfo) ([]domain.ActiveTask, error) {
	var out []domain.ActiveTask
	for page := 1; len(out) < maxListedTasks; page++ {
		infos, err := i.inspector.ListActiveTasks(queue, asynq.Page(page), asynq.PageSize(100))
		if errors.Is(err, asynq.ErrQueueNotFound) {
			return out, nil
		}
		if err != nil {
			return nil, unreachable(err)
		}
		for _, info := range infos {
			out = append(out, activeTask(info, servers))
		}
		if len(infos) < 100 {
			return out, nil
		}
	}
	return out, nil
}

func activeTask(info *asynq.TaskInfo, servers []*asynq.ServerInfo) domain.ActiveTask {
	a := domain.ActiveTask{JobID: info.ID, TaskType: info.Type, Queue: info.Queue, Retried: info.Retried,
		State: domain.TaskUnconfirmed}
	if info.IsOrphaned {
		a.State = domain.TaskOrphaned
	}
	for _, s := range servers {
		for _, w := range s.ActiveWorkers {
			if w.TaskID == info.ID && w.Queue == info.Queue {
				a.State, a.ServerID, a.Started, a.Deadline = domain.TaskRunning, s.ID, w.Started, w.Deadline
			}
		}
	}
	return a
}

func (i *Inspector) serves(s *asynq.ServerInfo) bool {
	for q := range s.Queues {
		if slices.ContainsFunc(i.tasks, func(t *Tasks) bool { return t.queue == q }) {
			return true
		}
	}
	return false
}

func queueInfo(q *asynq.QueueInfo) domain.QueueInfo {
	return domain.QueueInfo{
		Name: q.Queue, Size: q.Size, Pending: q.Pending, Active: q.Active, Scheduled: q.Scheduled,
		Retry: q.Retry, Archived: q.Archived, Completed: q.Completed,
		ProcessedToday: q.Processed, FailedToday: q.Failed,
		ProcessedTotal: q.ProcessedTotal, FailedTotal: q.FailedTotal,
		LatencySeconds: q.Latency.Seconds(), Paused: q.Paused, MemoryBytes: q.MemoryUsage,
	}
}

func workerServer(s *asynq.ServerInfo) domain.WorkerServer {
	ws := domain.WorkerServer{ID: s.ID, Host: s.Host, PID: s.PID, Concurrency: s.Concurrency,
		Queues: s.Queues, Status: s.Status, Started: s.Started, ActiveWorkers: []domain.ActiveWorker{}}
	for _, w := range s.ActiveWorkers {
		ws.ActiveWorkers = append(ws.ActiveWorkers, domain.ActiveWorker{JobID: w.TaskID,
			TaskType: w.TaskType, Queue: w.Queue, Started: w.Started, Deadline: w.Deadline})
	}
	return ws
}
