package worker_test

import (
	"errors"
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
