package postgres

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Listener listens on one channel over a dedicated connection and hands each
// notification's payload to a callback. It reconnects with backoff and calls
// OnConnect after each (re)connect, since notifications sent while it was
// away are lost.
type Listener struct {
	pool    *pgxpool.Pool
	channel string
	log     *slog.Logger
	// OnNotify receives each payload, in the listener's goroutine: it must
	// not block for long.
	OnNotify func(payload string)
	// OnConnect, when set, is called once listening (again).
	OnConnect func()
}

// NewListener returns a listener of channel through a connection of pool.
func NewListener(pool *pgxpool.Pool, channel string, log *slog.Logger, onNotify func(string)) *Listener {
	return &Listener{pool: pool, channel: channel, log: log, OnNotify: onNotify}
}

// Run listens until ctx is done. After a connection that listened is lost,
// it reconnects within 100 ms, then backs off up to 5 s.
func (l *Listener) Run(ctx context.Context) {
	const first = 100 * time.Millisecond
	backoff := first
	for ctx.Err() == nil {
		listened, err := l.listen(ctx)
		if ctx.Err() != nil {
			return
		}
		if listened {
			backoff = first
		}
		l.log.Warn("notifications lost; reconnecting", "channel", l.channel, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// listen listens until the connection fails, and reports whether it got as
// far as listening.
func (l *Listener) listen(ctx context.Context) (bool, error) {
	pc, err := l.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	// A LISTENing connection must not go back to the pool.
	conn := pc.Hijack()
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+quoteIdent(l.channel)); err != nil {
		return false, err
	}
	if l.OnConnect != nil {
		l.OnConnect()
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, err
		}
		l.OnNotify(n.Payload)
	}
}

func quoteIdent(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}

// Notifier listens on NotifyChannel and wakes its subscribers after each
// append, and after each (re)connect. Wake-ups coalesce.
type Notifier struct {
	*Listener

	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

// NewNotifier returns a notifier that listens through a connection of pool.
func NewNotifier(pool *pgxpool.Pool, log *slog.Logger) *Notifier {
	n := &Notifier{subs: map[chan struct{}]struct{}{}}
	n.Listener = NewListener(pool, NotifyChannel, log, func(string) { n.Wake() })
	n.OnConnect = n.Wake
	return n
}

// Subscribe returns a channel that receives a value after new events may have
// been appended; wake-ups coalesce, so a slow reader sees one. Call cancel to
// stop receiving.
func (n *Notifier) Subscribe() (wake <-chan struct{}, cancel func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	n.subs[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.subs, ch)
		n.mu.Unlock()
	}
}

// Wake wakes every subscriber.
func (n *Notifier) Wake() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
