package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/analysis"
	"github.com/logproc/logproc/events"
)

// The read models count a job's entries per minute, not per level and
// minute. The chart's levels are counted here from the stored file, with
// analysis.Parse (the rows of `logproc parse` and of the download), once
// per completed job, and kept in memory. The chart uses them only when
// they agree with the read model minute for minute.

// numLevels is how many levels the chart stacks (levelOrder).
const numLevels = 7

// levelSplit is a job's entries per minute and level, or why there are none.
type levelSplit struct {
	Minutes map[int64][numLevels]int64
	Pending bool
	Err     string
}

// Bounds of the work on stored files.
const (
	// fileWorkers is how many files are parsed at once, downloads and
	// level counts together: each keeps a core busy.
	fileWorkers = 2
	// splitCacheJobs is how many jobs' splits are kept in memory.
	splitCacheJobs = 16
	// waitForSplitBytes is the file size up to which a page waits for the
	// split instead of showing it on a later load: a few milliseconds of
	// parsing. splitWait bounds that wait, for when downloads hold both
	// parsing slots.
	waitForSplitBytes = 4 << 20
	splitWait         = 2 * time.Second
	// maxSplitMinutes bounds a split (about 2 MB); a longer log's chart
	// shows all levels together.
	maxSplitMinutes = timelineMinutes
)

// fileWork runs the parsing of stored files: level splits in the
// background, and downloads, sharing one bound.
type fileWork struct {
	blobs  domain.BlobStore
	events events.Store
	slots  chan struct{}
	ctx    context.Context
	bg     *sync.WaitGroup
	log    *slog.Logger

	mu     sync.Mutex
	splits map[uuid.UUID]*splitEntry
	order  []uuid.UUID
}

type splitEntry struct {
	done    chan struct{}
	minutes map[int64][numLevels]int64
	err     error
}

func newFileWork(ctx context.Context, blobs domain.BlobStore, store events.Store, bg *sync.WaitGroup, log *slog.Logger) *fileWork {
	return &fileWork{blobs: blobs, events: store, slots: make(chan struct{}, fileWorkers), ctx: ctx, bg: bg, log: log,
		splits: map[uuid.UUID]*splitEntry{}}
}

// levelsPerMinute returns a completed job's split: at once when it is
// known, after counting it for a small file, or Pending while a large file
// is counted in the background.
func (f *fileWork) levelsPerMinute(ctx context.Context, job *domain.Job) levelSplit {
	if job.Status != domain.StatusCompleted || f.blobs == nil {
		return levelSplit{}
	}
	e, err := f.splitFor(ctx, job)
	if err != nil {
		return levelSplit{Err: err.Error()}
	}
	if job.Size <= waitForSplitBytes {
		wait := time.NewTimer(splitWait)
		defer wait.Stop()
		select {
		case <-e.done:
		case <-ctx.Done():
		case <-wait.C:
		}
	}
	select {
	case <-e.done:
		if e.err != nil {
			return levelSplit{Err: e.err.Error()}
		}
		return levelSplit{Minutes: e.minutes}
	default:
		return levelSplit{Pending: true}
	}
}

// splitFor returns the job's entry, starting its count when there is none.
func (f *fileWork) splitFor(ctx context.Context, job *domain.Job) (*splitEntry, error) {
	f.mu.Lock()
	e, ok := f.splits[job.ID]
	f.mu.Unlock()
	if ok {
		return e, nil
	}
	key, err := f.blobKey(ctx, job)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if e, ok := f.splits[job.ID]; ok {
		return e, nil
	}
	e = &splitEntry{done: make(chan struct{})}
	f.splits[job.ID] = e
	f.order = append(f.order, job.ID)
	if len(f.order) > splitCacheJobs {
		delete(f.splits, f.order[0])
		f.order = f.order[1:]
	}
	f.bg.Add(1)
	go f.count(e, job, key)
	return e, nil
}

// count fills a job's entry in the background. A failure is said to the
// pages waiting now, and the entry is dropped so that a later load tries
// again: the store may have been down.
func (f *fileWork) count(e *splitEntry, job *domain.Job, key string) {
	defer f.bg.Done()
	defer close(e.done)
	e.minutes, e.err = f.countSplit(job, key)
	if e.err == nil {
		return
	}
	f.log.Warn("count levels per minute", "job_id", job.ID, "err", e.err)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.splits[job.ID] == e {
		delete(f.splits, job.ID)
	}
}

var errTooManyMinutes = errors.New("the log spans too many minutes")

func (f *fileWork) countSplit(job *domain.Job, key string) (map[int64][numLevels]int64, error) {
	if err := f.acquire(f.ctx); err != nil {
		return nil, err
	}
	defer f.release()
	out := map[int64][numLevels]int64{}
	err := f.parse(f.ctx, job, key, func(row analysis.Row) error {
		if row.Timestamp == "" {
			return nil
		}
		t, err := time.Parse(time.RFC3339Nano, row.Timestamp)
		if err != nil {
			return err
		}
		m := floorMinute(t.Unix())
		counts, ok := out[m]
		if !ok && len(out) >= maxSplitMinutes {
			return errTooManyMinutes
		}
		counts[levelIndex(levelName(row.Level))]++
		out[m] = counts
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// parse streams a job's stored file through analysis.Parse with the
// settings the worker analysed it with, so the rows are those of
// `logproc parse` and their times and levels those the job counted.
func (f *fileWork) parse(ctx context.Context, job *domain.Job, key string, emit func(analysis.Row) error) error {
	opts := analysis.DefaultOptions()
	s := job.AnalysisSettings()
	opts.ChunkLines, opts.AssumeYear = s.ChunkLines, s.Year
	open := func() (io.ReadCloser, error) { return f.blobs.Open(ctx, key) }
	return analysis.Parse(ctx, open, opts, emit)
}

// blobKey returns where a job's file is stored. The read model does not
// keep it; the job's first event does.
func (f *fileWork) blobKey(ctx context.Context, job *domain.Job) (string, error) {
	if job.BlobKey != "" {
		return job.BlobKey, nil
	}
	recs, err := f.events.ReadStream(ctx, events.JobStream(job.ID), 0, 1)
	if err != nil {
		return "", err
	}
	if len(recs) == 0 {
		return "", domain.Errorf(domain.ENOTFOUND, "job %s has no events", job.ID)
	}
	p, err := events.Decode(recs[0].Event)
	if err != nil {
		return "", err
	}
	submitted, ok := p.(*events.JobSubmitted)
	if !ok {
		return "", fmt.Errorf("job %s starts with %s, not %s", job.ID, recs[0].Type, events.TypeJobSubmitted)
	}
	return submitted.BlobKey, nil
}

func (f *fileWork) acquire(ctx context.Context) error {
	select {
	case f.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// tryAcquire takes a slot only if one is free.
func (f *fileWork) tryAcquire() bool {
	select {
	case f.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (f *fileWork) release() { <-f.slots }

// levelName is the events' name of an engine level.
func levelName(l analysis.Level) string {
	if l == analysis.LevelNone {
		return events.LevelNone
	}
	return string(l)
}

// floorMinute is the minute since the epoch holding Unix second s.
func floorMinute(s int64) int64 {
	if s < 0 && s%60 != 0 {
		return s/60 - 1
	}
	return s / 60
}
