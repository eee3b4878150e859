package worker

import (
	"context"
	"fmt"
	"time"

	"github.com/logproc/logproc/domain"
)

// A chunk is saved while the analysis cuts the next ones: saving waits for
// a commit in Postgres, and the analysis, waiting on it chunk after chunk,
// left a core idle for part of every chunk. The chunks are still saved one
// after another, in the order they were cut, by one goroutine; a save that
// fails stops the analysis at its next chunk, and what was not saved is
// analysed again on the next attempt, as before.

// recordAhead is how many analysed chunks may wait for their save. Each
// holds a chunk's events, a few hundred KiB at most.
const recordAhead = 2

// recordGrace is how long the chunks handed over may still be saved after
// the task's context ends.
const recordGrace = 5 * time.Second

// chunkRecorder saves a run's chunks in order, beside the analysis.
type chunkRecorder struct {
	run *jobRun
	// ctx is the task's; saveCtx ends recordGrace after it.
	ctx, saveCtx context.Context
	cancel       context.CancelFunc
	queue        chan domain.Chunk
	// stopped is closed when a save fails, and done when the saving ends;
	// err is the failure, read only once one of them is closed.
	stopped chan struct{}
	done    chan struct{}
	err     error
}

// startRecorder starts saving the run's chunks; ctx is the task's.
func (r *jobRun) startRecorder(ctx context.Context) *chunkRecorder {
	saveCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(recordGrace, cancel) })
	rec := &chunkRecorder{run: r, ctx: ctx, saveCtx: saveCtx, queue: make(chan domain.Chunk, recordAhead),
		stopped: make(chan struct{}), done: make(chan struct{}),
		cancel: func() { stop(); cancel() }}
	go rec.save()
	return rec
}

// emit hands a chunk over to be saved; it is the analysis' emit function.
// It fails once a save has failed, or when ctx ends.
func (rec *chunkRecorder) emit(c domain.Chunk) error {
	rec.run.chunks = c.Lines.Chunk + 1
	rec.run.Metrics.chunkAnalysed(c)
	select {
	case <-rec.stopped:
		return rec.err
	default:
	}
	select {
	case rec.queue <- c:
		return nil
	case <-rec.stopped:
		return rec.err
	case <-rec.ctx.Done():
		return rec.ctx.Err()
	}
}

// close waits for the chunks handed over to be saved, and reports the
// first save that failed.
func (rec *chunkRecorder) close() error {
	close(rec.queue)
	<-rec.done
	rec.cancel()
	return rec.err
}

func (rec *chunkRecorder) save() {
	defer close(rec.done)
	r := rec.run
	for c := range rec.queue {
		err := r.update(rec.saveCtx, func(j *domain.Job) error { return j.RecordChunk(r.attempt, c, time.Now()) })
		if err != nil {
			// What waits in the queue is dropped: the analysis stops at
			// its next emit.
			rec.err = fmt.Errorf("record chunk %d of job %s: %w", c.Lines.Chunk, r.id, err)
			close(rec.stopped)
			return
		}
	}
}

// analyse runs an analysis whose chunks are saved beside it, and returns
// once every chunk is saved or one failed; an analysis that failed because
// a save did reports the save's error.
func (r *jobRun) analyse(ctx context.Context, run func(emit func(domain.Chunk) error) error) error {
	rec := r.startRecorder(ctx)
	err := run(rec.emit)
	saveErr := rec.close()
	if saveErr != nil {
		return saveErr
	}
	return err
}
