package worker_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/logproc/logproc/domain/worker"
)

func TestACrashedTaskIsRetriedAtOnce(t *testing.T) {
	if d := worker.RetryDelay(3, asynq.ErrLeaseExpired, nil); d > time.Second {
		t.Errorf("retry delay after a dead worker = %v, want a second at most", d)
	}
	if d := worker.RetryDelay(0, errors.New("blob store timeout"), nil); d < 15*time.Second {
		t.Errorf("retry delay after a failed attempt = %v, want asynq's default (15 s or more)", d)
	}
}

// A task put off because its worker follows as many uploads as it may comes
// back soon, and its retry does not count as a failure.
func TestATaskPutOffForFollowersIsNoFailure(t *testing.T) {
	busy := fmt.Errorf("job x: %w", worker.ErrFollowersBusy)
	if worker.IsFailure(busy) || !worker.IsFailure(errors.New("blob store timeout")) || worker.IsFailure(nil) {
		t.Error("IsFailure: a put-off task must not count as a failure, any other error must")
	}
	if d := worker.RetryDelay(0, busy, nil); d > 5*time.Second {
		t.Errorf("retry delay of a put-off task = %v, want a few seconds", d)
	}
}
