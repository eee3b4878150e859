package worker

import (
	"context"
	"slices"

	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain"
)

// Inspector reports the figures of the queues the app uses and the worker
// processes serving them, from asynq's Inspector.
type Inspector struct {
	inspector *asynq.Inspector
	queues    []string
}

// NewInspector returns an inspector of the named queues.
func NewInspector(inspector *asynq.Inspector, queues ...string) *Inspector {
	return &Inspector{inspector: inspector, queues: queues}
}

// QueueStatus returns each queue's figures and the live workers. A queue
// nothing was ever enqueued to reads as empty. It returns EUNAVAILABLE when
// Redis cannot be reached.
func (i *Inspector) QueueStatus(ctx context.Context) (*domain.QueueStatus, error) {
	known, err := i.inspector.Queues()
	if err != nil {
		return nil, domain.Wrap(err, domain.EUNAVAILABLE, "the job queue (Redis) cannot be reached")
	}
	st := &domain.QueueStatus{Queues: []domain.QueueInfo{}, Servers: []domain.WorkerServer{}}
	for _, q := range i.queues {
		info := domain.QueueInfo{Name: q}
		if slices.Contains(known, q) {
			qi, err := i.inspector.GetQueueInfo(q)
			if err != nil {
				return nil, domain.Wrap(err, domain.EUNAVAILABLE, "the job queue (Redis) cannot be reached")
			}
			info = queueInfo(qi)
		}
		st.Queues = append(st.Queues, info)
	}
	servers, err := i.inspector.Servers()
	if err != nil {
		return nil, domain.Wrap(err, domain.EUNAVAILABLE, "the job queue (Redis) cannot be reached")
	}
	for _, s := range servers {
		if i.serves(s) {
			st.Servers = append(st.Servers, workerServer(s))
		}
	}
	return st, nil
}

func (i *Inspector) serves(s *asynq.ServerInfo) bool {
	for q := range s.Queues {
		if slices.Contains(i.queues, q) {
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
		ws.ActiveWorkers = append(ws.ActiveWorkers, domain.ActiveWorker{
			TaskType: w.TaskType, Queue: w.Queue, Started: w.Started, Deadline: w.Deadline})
	}
	return ws
}
