// Package worker is an adapter, not pure domain: it runs the analysis of
// uploaded files as asynq tasks on Redis. The dispatcher enqueues one task
// per submitted job through Queue; Handler loads the job, streams its file
// from the blob store through the analysis, and saves what the job's
// commands decide with an expected stream version, so a task delivered twice
// or retried after a crash never counts a line twice. Reconciler settles jobs
// whose task asynq lost, and Inspector reports the queue's health. The rules
// themselves (what a redelivery records, when a job fails) belong to the
// domain package.
package worker

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain"
)

// TypeAnalyzeJob is the asynq task type of a job's analysis.
const TypeAnalyzeJob = "job:analyze"

// DefaultQueue is the asynq queue jobs go to unless configured otherwise.
const DefaultQueue = "logproc"

// Task settings.
const (
	// MaxRetry is how many times a failed analysis is retried before the
	// job is marked failed: a job gets domain.MaxAttempts attempts.
	MaxRetry = domain.MaxAttempts - 1
	// Retention keeps a finished task, and so its id, for a day: the
	// dispatcher's re-enqueue of the same job within it is a no-op.
	Retention = 24 * time.Hour
)

// analyzeJobPayload is the task's payload: the job id, and the part the task
// analyses (0 for the whole job); everything else is in the job's stream.
type analyzeJobPayload struct {
	JobID uuid.UUID `json:"job_id"`
	Part  int       `json:"part,omitempty"`
}

// NewAnalyzeJobTask returns the task that analyses a job, with the job id as
// its asynq task id and a timeout fitted to the file's size.
func NewAnalyzeJobTask(jobID uuid.UUID, size int64, queue string) (*asynq.Task, error) {
	return newTask(analyzeJobPayload{JobID: jobID}, jobID.String(), size, queue)
}

// NewAnalyzePartTask returns the task that analyses one part of a job
// analysed in parts, of size bytes.
func NewAnalyzePartTask(jobID uuid.UUID, part int, size int64, queue string) (*asynq.Task, error) {
	return newTask(analyzeJobPayload{JobID: jobID, Part: part}, PartTaskID(jobID, part), size, queue)
}

// NewFinishJobTask returns a task that joins the completed parts of a job
// and completes it: the job's own task, under another id, for the
// reconciler to enqueue when the job's own task is gone or kept as done.
func NewFinishJobTask(jobID uuid.UUID, queue string) (*asynq.Task, error) {
	return newTask(analyzeJobPayload{JobID: jobID}, FinishTaskID(jobID), 0, queue)
}

// PartTaskID is the asynq task id of a part's task.
func PartTaskID(jobID uuid.UUID, part int) string { return fmt.Sprintf("%s:part-%d", jobID, part) }

// FinishTaskID is the asynq task id of a job's finishing task.
func FinishTaskID(jobID uuid.UUID) string { return jobID.String() + ":finish" }

func newTask(p analyzeJobPayload, id string, size int64, queue string) (*asynq.Task, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeAnalyzeJob, payload,
		asynq.TaskID(id),
		asynq.Queue(queue),
		asynq.MaxRetry(MaxRetry),
		asynq.Timeout(TaskTimeout(size)),
		asynq.Retention(Retention)), nil
}

// TaskTimeout gives a file ten minutes plus a second per MiB, so that even a
// slow blob store finishes a large file; asynq's own default is 30 minutes
// whatever the size.
func TaskTimeout(size int64) time.Duration {
	return 10*time.Minute + time.Duration(size>>20)*time.Second
}

func parsePayload(t *asynq.Task) (analyzeJobPayload, error) {
	var p analyzeJobPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return p, fmt.Errorf("task payload %q: %w", t.Payload(), err)
	}
	if p.JobID == uuid.Nil || p.Part < 0 {
		return p, fmt.Errorf("task payload %q has no job id or a bad part", t.Payload())
	}
	return p, nil
}
