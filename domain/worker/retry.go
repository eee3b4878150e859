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
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return time.Second
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}
