package domain

import (
	"time"
)

// MinuteCount is one point of a job's timeline: entries stamped within one
// minute (UTC).
type MinuteCount struct {
	Minute time.Time `json:"minute"`
	Count  int64     `json:"count"`
}

// JobPage is a page of jobs, newest first, with the cursor of the next page
// ("" on the last page).
type JobPage struct {
	Jobs []Job  `json:"jobs"`
	Next string `json:"next_cursor,omitempty"`
}

// QueueStatus is the health of the job queue: figures per queue and the
// worker processes serving it. It carries no task payloads.
type QueueStatus struct {
	Queues  []QueueInfo    `json:"queues"`
	Servers []WorkerServer `json:"servers"`
}

// QueueInfo is one queue's figures.
type QueueInfo struct {
	Name           string  `json:"name"`
	Size           int     `json:"size"`
	Pending        int     `json:"pending"`
	Active         int     `json:"active"`
	Scheduled      int     `json:"scheduled"`
	Retry          int     `json:"retry"`
	Archived       int     `json:"archived"`
	Completed      int     `json:"completed"`
	ProcessedToday int     `json:"processed_today"`
	FailedToday    int     `json:"failed_today"`
	ProcessedTotal int     `json:"processed_total"`
	FailedTotal    int     `json:"failed_total"`
	LatencySeconds float64 `json:"latency_seconds"`
	Paused         bool    `json:"paused"`
	MemoryBytes    int64   `json:"memory_bytes"`
}

// WorkerServer is one running worker process.
type WorkerServer struct {
	ID            string         `json:"id"`
	Host          string         `json:"host"`
	PID           int            `json:"pid"`
	Concurrency   int            `json:"concurrency"`
	Queues        map[string]int `json:"queues"`
	Status        string         `json:"status"`
	Started       time.Time      `json:"started"`
	ActiveWorkers []ActiveWorker `json:"active_workers"`
}

// ActiveWorker is a task being processed, without its payload.
type ActiveWorker struct {
	TaskType string    `json:"task_type"`
	Queue    string    `json:"queue"`
	Started  time.Time `json:"started"`
	Deadline time.Time `json:"deadline"`
}
