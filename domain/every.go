package domain

import (
	"context"
	"time"
)

// Every runs pass at once and then each interval until ctx ends, and hands
// report each pass's result with whether the pass before it failed, so that
// a background task (the reconciler, the blob collector) can log a streak of
// failures loudly once, and its mending once. A pass cut short by ctx's end
// is not reported.
func Every[R any](ctx context.Context, interval time.Duration, pass func(context.Context) (R, error),
	report func(rep R, err error, failingBefore bool)) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	failing := false
	for {
		rep, err := pass(ctx)
		if ctx.Err() != nil {
			return
		}
		report(rep, err, failing)
		failing = err != nil
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}
