package projections

import "time"

// backoff is the wait between tries of a failing projector: first, then
// doubling up to max. A success ends the streak, so a projector that failed
// after running well for a while (PostgreSQL restarted, Redis blinked)
// tries again within first, not after the longest wait of an old streak.
type backoff struct {
	first, max time.Duration
	next       time.Duration
}

// failed returns how long to wait before the next try, and whether this
// failure starts a streak.
func (b *backoff) failed() (wait time.Duration, first bool) {
	if b.next == 0 {
		b.next, first = b.first, true
	}
	wait = b.next
	b.next = min(2*b.next, b.max)
	return wait, first
}

// succeeded ends the streak.
func (b *backoff) succeeded() { b.next = 0 }
