package domain

import (
	"context"
	"io"

	"github.com/google/uuid"
)

// BlobStore keeps uploaded files. Implementations stream: neither Put nor
// Open holds a whole file in memory.
type BlobStore interface {
	// Put stores r under key and returns its size and hex sha256. It returns
	// ETOOLARGE when r fails with *http.MaxBytesError or ErrTooLarge, and
	// EUNAVAILABLE when the backend cannot be reached. A failed Put leaves
	// nothing behind.
	Put(ctx context.Context, key string, r io.Reader, contentType string) (Blob, error)
	// Open returns a reader of the object stored under key; the caller
	// closes it. It returns ENOTFOUND for a missing key.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Blob describes a stored object.
type Blob struct {
	Key    string
	Size   int64
	SHA256 string
}

// ErrTooLarge may be returned by a reader given to BlobStore.Put to say the
// upload passed its size limit.
var ErrTooLarge = Errorf(ETOOLARGE, "file exceeds the upload size limit")

// Queue hands jobs to workers.
type Queue interface {
	// EnqueueJob schedules the analysis of a job. Enqueueing a job that is
	// already queued, running or kept as done succeeds without a second
	// task. It returns EUNAVAILABLE when the queue cannot be reached.
	EnqueueJob(ctx context.Context, jobID uuid.UUID, size int64) error
}
