package worker

import (
	"errors"
	"time"

	"github.com/hibiken/asynq"
)

// RetryDelay is the asynq RetryDelayFunc of job tasks. A task whose worker
// died (asynq's recoverer found its lease expired, a minute or two after)
// has waited long enough: it runs again within a second. A task whose
// attempt failed waits as asynq's default says, growing with each retry,
// since what failed may take a while to mend.
func RetryDelay(n int, err error, t *asynq.Task) time.Duration {
	switch {
	case errors.Is(err, asynq.ErrLeaseExpired):
		return time.Second
	case errors.Is(err, ErrFollowersBusy):
		return followersBusyDelay
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}

// IsFailure is the asynq IsFailure of job tasks: a task put off because
// its worker's slots for followed uploads were taken did nothing, so its
// retry is not counted against the task's retries.
func IsFailure(err error) bool { return err != nil && !errors.Is(err, ErrFollowersBusy) }
