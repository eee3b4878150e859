package worker

import (
	"context"
	"errors"
	"time"

	"github.com/logproc/logproc/events"
)

// StorePatience is how long an attempt waits for the event store to come
// back when it cannot be reached, as while PostgreSQL restarts, before it
// fails and leaves the job to asynq's retries. Waiting within the attempt
// resumes the job a moment after the store is back, where a retry would
// start over after asynq's retry delay.
const StorePatience = 2 * time.Minute

// patiently runs fn until it returns anything but events.ErrUnavailable,
// waiting between tries (from 100 ms, doubling, at most 2 s), for up to
// StorePatience or until ctx is done.
func (h *Handler) patiently(ctx context.Context, fn func() error) error {
	give := time.Now().Add(StorePatience)
	delay := 100 * time.Millisecond
	for warned := false; ; warned = true {
		err := fn()
		if !errors.Is(err, events.ErrUnavailable) || time.Now().After(give) {
			return err
		}
		if !warned {
			h.log.Warn("the event store cannot be reached; waiting for it", "err", err, "for", StorePatience)
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
		delay = min(2*delay, 2*time.Second)
	}
}
