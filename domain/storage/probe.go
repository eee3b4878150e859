package storage

import (
	"context"
	"sync"
	"time"
)

// Prober is a store that can check cheaply that it works: both stores are.
type Prober interface {
	// Probe returns nil when the store can be used, an error with a domain
	// code saying why not otherwise.
	Probe(ctx context.Context) error
}

// CachedProbe returns a check that probes p at most once per ttl, giving
// the last outcome, failure or not, in between: readiness checks then stay
// cheap however often they come. Callers during a probe wait for it.
func CachedProbe(p Prober, ttl time.Duration) func(ctx context.Context) error {
	var mu sync.Mutex
	var last time.Time
	var lastErr error
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if !last.IsZero() && time.Since(last) < ttl {
			return lastErr
		}
		lastErr = p.Probe(ctx)
		last = time.Now()
		return lastErr
	}
}
