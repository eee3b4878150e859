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

// analyzeJobPayload is the task's payload: only the job id; everything else
// is in the job's stream.
type analyzeJobPayload struct {
	JobID uuid.UUID `json:"job_id"`
}

// NewAnalyzeJobTask returns the task that analyses a job, with the job id as
// its asynq task id and a timeout fitted to the file's size.
func NewAnalyzeJobTask(jobID uuid.UUID, size int64, queue string) (*asynq.Task, error) {
	payload, err := json.Marshal(analyzeJobPayload{JobID: jobID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeAnalyzeJob, payload,
		asynq.TaskID(jobID.String()),
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

func parsePayload(t *asynq.Task) (uuid.UUID, error) {
	var p analyzeJobPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return uuid.UUID{}, fmt.Errorf("task payload %q: %w", t.Payload(), err)
	}
	if p.JobID == uuid.Nil {
		return uuid.UUID{}, fmt.Errorf("task payload %q has no job id", t.Payload())
	}
	return p.JobID, nil
}
