package domain

import (
	"context"
	"io"
	"iter"
	"time"

	"github.com/google/uuid"
)

// BlobStore keeps uploaded files. Implementations stream: neither Put nor
// Open holds a whole file in memory, and List never holds the whole store.
//
// Keys are unique per job (they carry the job id), so no two Puts of one key
// happen in Log Processor. Stores differ when they do: a Put of a key
// already stored returns ECONFLICT, but two Puts racing on a new key may
// both succeed on Supabase Storage, the last writer's bytes winning. Every
// store promises that a blob is always one Put's complete content.
type BlobStore interface {
	// Put stores r under key and returns its size and hex sha256. It returns
	// ECONFLICT when key is already stored, ETOOLARGE when r fails with
	// *http.MaxBytesError or ErrTooLarge or the store's own size limit is
	// passed, EFULL when the store has no room left, and EUNAVAILABLE when
	// the store cannot be reached or written (read-only, misconfigured). A
	// failed Put leaves nothing behind.
	Put(ctx context.Context, key string, r io.Reader, contentType string) (Blob, error)
	// Open returns a reader of the object stored under key; the caller
	// closes it. It returns ENOTFOUND for a missing key and EUNAVAILABLE as
	// Put does.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// OpenRange is Open of length bytes from offset, for the parts of a
	// job analysed in parts. A range past the end reads short.
	OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List yields the blobs whose keys start with prefix ("" for all), each
	// once, in no promised order, reading the store a page (a directory) at
	// a time. A failure is yielded once, as the last pair, with EUNAVAILABLE
	// when the store cannot be read; stopping early is fine.
	List(ctx context.Context, prefix string) iter.Seq2[BlobInfo, error]
}

// GrowingBlobStore is a BlobStore whose blobs can be read while they are
// stored, so that a job's analysis can follow its upload. Local disk is
// one; Supabase Storage, which takes an object only whole, is not.
type GrowingBlobStore interface {
	BlobStore
	// PutGrowing is Put, with the blob readable by OpenGrowing from the
	// moment PutGrowing begins to read r. It returns ECONFLICT when a
	// growing Put of key is in progress.
	PutGrowing(ctx context.Context, key string, r io.Reader, contentType string) (Blob, error)
	// OpenGrowing returns a reader of the blob stored, or being stored,
	// by PutGrowing under key. At the end of what is stored so far a read
	// waits for more until the Put ends: it returns io.EOF at the end of
	// the blob stored whole, an ENOTFOUND error when the Put failed, and an
	// ETIMEOUT error when the blob did not grow for stall. OpenGrowing
	// returns ENOTFOUND when nothing is stored under key and no Put of it
	// is in progress, and EUNAVAILABLE as Open does.
	OpenGrowing(ctx context.Context, key string, stall time.Duration) (io.ReadCloser, error)
}

// Blob describes a stored object.
type Blob struct {
	Key    string
	Size   int64
	SHA256 string
}

// BlobInfo is what List tells of a stored object: enough to find blobs
// that no job owns and that are old enough to delete.
type BlobInfo struct {
	Key      string
	Size     int64
	Modified time.Time
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
