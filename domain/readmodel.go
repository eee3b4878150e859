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

// QueueStatus is the health of the job queue: figures per queue, the
// worker processes serving it and the tasks active in it. It carries no
// task payloads.
type QueueStatus struct {
	Queues  []QueueInfo
	Servers []WorkerServer
	Active  []ActiveTask
}

// ActiveTask is a task the queue holds as active, whether or not a live
// worker reports running it.
type ActiveTask struct {
	// JobID is the task's id, which is its job's.
	JobID    string
	TaskType string
	Queue    string
	State    TaskState
	// Retried counts the task's failed attempts so far.
	Retried int
	// ServerID, Started and Deadline are the running worker's, when one
	// reports the task.
	ServerID string
	Started  time.Time
	Deadline time.Time
}

// TaskState says whether a live worker runs an active task.
type TaskState string

// States of an active task.
const (
	// TaskRunning: a live worker reports running it.
	TaskRunning TaskState = "running"
	// TaskUnconfirmed: no live worker reports it yet. Workers report every
	// 5 s, so it started within the last few seconds, or its worker just
	// stopped.
	TaskUnconfirmed TaskState = "unconfirmed"
	// TaskOrphaned: no live worker runs it and its lease has expired: its
	// worker stopped, and the task goes back to the queue.
	TaskOrphaned TaskState = "orphaned"
)

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
	// JobID is the task's id, which is its job's.
	JobID    string
	TaskType string
	Queue    string
	Started  time.Time
	Deadline time.Time
}
