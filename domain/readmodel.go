package domain

import (
	"time"
)

// JobPage is a page of jobs, newest first, with the cursor of the next page
// ("" on the last page).
type JobPage struct {
	Jobs []Job
	Next string
}

// QueueStatus is the health of the job queue: figures per queue and the
// worker processes serving it. It carries no task payloads.
type QueueStatus struct {
	Queues  []QueueInfo
	Servers []WorkerServer
}

// QueueInfo is one queue's figures.
type QueueInfo struct {
	Name           string
	Size           int
	Pending        int
	Active         int
	Scheduled      int
	Retry          int
	Archived       int
	Completed      int
	ProcessedToday int
	FailedToday    int
	ProcessedTotal int
	FailedTotal    int
	LatencySeconds float64
	Paused         bool
	MemoryBytes    int64
}

// WorkerServer is one running worker process.
type WorkerServer struct {
	ID            string
	Host          string
	PID           int
	Concurrency   int
	Queues        map[string]int
	Status        string
	Started       time.Time
	ActiveWorkers []ActiveWorker
}

// ActiveWorker is a task being processed, without its payload.
type ActiveWorker struct {
	TaskType string
	Queue    string
	Started  time.Time
	Deadline time.Time
}
