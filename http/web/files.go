package web

import (
	"context"
	"fmt"
	"io"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/analysis"
	"github.com/logproc/logproc/events"
)

// fileWorkers is how many stored files a process parses at once for the
// rows downloads: each parse keeps a core busy.
const fileWorkers = 2

// storedFiles parses jobs' stored files again, at most fileWorkers at once.
type storedFiles struct {
	blobs  domain.BlobStore
	events events.Store
	slots  chan struct{}
}

func newStoredFiles(blobs domain.BlobStore, store events.Store) *storedFiles {
	return &storedFiles{blobs: blobs, events: store, slots: make(chan struct{}, fileWorkers)}
}

// parse streams a job's stored file through analysis.Parse with the
// settings the worker analysed it with, so the rows are those of
// `logproc parse` and their times and levels those the job counted.
func (f *storedFiles) parse(ctx context.Context, job *domain.Job, key string, emit func(analysis.Row) error) error {
	opts := analysis.DefaultOptions()
	s := job.AnalysisSettings()
	opts.ChunkLines, opts.AssumeYear = s.ChunkLines, s.Year
	open := func() (io.ReadCloser, error) { return f.blobs.Open(ctx, key) }
	return analysis.Parse(ctx, open, opts, emit)
}

// blobKey returns where a job's file is stored. The read model does not
// keep it; the job's first event does.
func (f *storedFiles) blobKey(ctx context.Context, job *domain.Job) (string, error) {
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

// tryAcquire takes a parsing slot only if one is free.
func (f *storedFiles) tryAcquire() bool {
	select {
	case f.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (f *storedFiles) release() { <-f.slots }
