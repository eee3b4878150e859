package http

import (
	"context"
	"log/slog"
	"sync"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
)

// ProgressHub fans a job's changes out to the clients following it. The
// read model tells it which jobs changed (Changed, from the projection's
// notifications); it reads each changed job once, whatever the number of
// followers, and hands the snapshot to each follower's mailbox, which holds
// only the latest: a slow client skips snapshots, it never slows the hub or
// the projection.
type ProgressHub struct {
	stats StatsReader
	log   *slog.Logger
	// PerUser and Total bound the streams open at once.
	PerUser, Total int

	mu      sync.Mutex
	subs    map[uuid.UUID]map[*follower]struct{}
	perUser map[string]int
	total   int
	pending map[uuid.UUID]bool
	wake    chan struct{}
}

// Default bounds on progress streams.
const (
	DefaultProgressStreamsPerUser = 8
	DefaultProgressStreams        = 1000
	// progressGroups is how many error groups a progress snapshot lists.
	progressGroups = 10
)

// NewProgressHub returns a hub that reads jobs from stats.
func NewProgressHub(stats StatsReader, log *slog.Logger) *ProgressHub {
	return &ProgressHub{stats: stats, log: log, PerUser: DefaultProgressStreamsPerUser, Total: DefaultProgressStreams,
		subs: map[uuid.UUID]map[*follower]struct{}{}, perUser: map[string]int{}, pending: map[uuid.UUID]bool{},
		wake: make(chan struct{}, 1)}
}

// follower is one open stream: a mailbox of one snapshot.
type follower struct {
	user    string
	mailbox chan *progressView
}

// Changed says the read model holds a new state of the job. It never blocks.
func (h *ProgressHub) Changed(id uuid.UUID) {
	h.mu.Lock()
	if _, followed := h.subs[id]; followed {
		h.pending[id] = true
	}
	h.mu.Unlock()
	h.poke()
}

// ChangedAll says any job may have changed, as after notifications were
// lost.
func (h *ProgressHub) ChangedAll() {
	h.mu.Lock()
	for id := range h.subs {
		h.pending[id] = true
	}
	h.mu.Unlock()
	h.poke()
}

func (h *ProgressHub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Run reads the changed jobs and delivers them until ctx is done.
func (h *ProgressHub) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		}
		for _, id := range h.takePending() {
			view, err := h.snapshot(ctx, id)
			if err != nil {
				if ctx.Err() == nil && domain.ErrorCode(err) != domain.ENOTFOUND {
					h.log.Warn("cannot read a job's progress", "job", id, "err", err)
				}
				continue
			}
			h.deliver(id, view)
		}
	}
}

func (h *ProgressHub) takePending() []uuid.UUID {
	h.mu.Lock()
	defer h.mu.Unlock()
	ids := make([]uuid.UUID, 0, len(h.pending))
	for id := range h.pending {
		ids = append(ids, id)
	}
	clear(h.pending)
	return ids
}

// snapshot reads a job's progress from the read model.
func (h *ProgressHub) snapshot(ctx context.Context, id uuid.UUID) (*progressView, error) {
	job, err := h.stats.Job(ctx, id, domain.AllOwners)
	if err != nil {
		return nil, err
	}
	groups, err := h.stats.JobErrorGroups(ctx, id, progressGroups)
	if err != nil {
		return nil, err
	}
	return newProgressView(job, groups), nil
}

// deliver offers the snapshot to each follower of the job.
func (h *ProgressHub) deliver(id uuid.UUID, view *progressView) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for f := range h.subs[id] {
		f.offer(view)
	}
}

// offer puts a snapshot in the follower's mailbox, keeping whichever of it
// and one not taken yet is newer. The hub's lock serialises the offers.
func (f *follower) offer(view *progressView) {
	select {
	case waiting := <-f.mailbox:
		if waiting.Version > view.Version {
			view = waiting
		}
	default:
	}
	f.mailbox <- view
}

// first offers a follower the job as it is when its stream opens.
func (h *ProgressHub) first(f *follower, view *progressView) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f.offer(view)
}

// follow opens a stream of a job for user. It returns false when the user,
// or the server, has as many streams open as allowed.
func (h *ProgressHub) follow(id uuid.UUID, user string) (*follower, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.total >= h.Total || h.perUser[user] >= h.PerUser {
		return nil, false
	}
	f := &follower{user: user, mailbox: make(chan *progressView, 1)}
	if h.subs[id] == nil {
		h.subs[id] = map[*follower]struct{}{}
	}
	h.subs[id][f] = struct{}{}
	h.perUser[user]++
	h.total++
	return f, true
}

// unfollow closes a stream.
func (h *ProgressHub) unfollow(id uuid.UUID, f *follower) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[id], f)
	if len(h.subs[id]) == 0 {
		delete(h.subs, id)
	}
	if h.perUser[f.user]--; h.perUser[f.user] == 0 {
		delete(h.perUser, f.user)
	}
	h.total--
}
