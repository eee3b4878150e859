package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/logproc/logproc/domain"
)

// upload is the reader a Put consumes instead of the caller's: it stops once
// ctx is done, hashes and counts every byte that passes, and remembers how
// the source ended. The Supabase store hands it to net/http, which may read it
// from another goroutine (and, after an early response, even after Do has
// returned), hence the mutex.
//
// The hash is computed by a goroutine of its own, on copies of what was
// read, while the bytes are written: hashing costs about as much as the
// rest of a local Put together.
type upload struct {
	ctx context.Context
	src io.Reader

	mu     sync.Mutex
	size   int64
	eof    bool  // the source reported io.EOF
	err    error // the first other error of the source or ctx
	hashed bool  // the hash is summed: later reads are not hashed

	// Copies of reads go to the hash in toHash and come back in free;
	// buffers is how many there are.
	toHash, free chan []byte
	buffers      int
	sum          chan []byte
}

// hashAhead is how many reads may wait for the hash: with io.Copy's reads
// of 32 KiB, a Put holds 256 KiB more than it did.
const hashAhead = 8

func newUpload(ctx context.Context, src io.Reader) *upload {
	u := &upload{ctx: ctx, src: src, toHash: make(chan []byte, hashAhead), free: make(chan []byte, hashAhead),
		sum: make(chan []byte, 1)}
	go u.hash()
	return u
}

func (u *upload) hash() {
	h := sha256.New()
	for b := range u.toHash {
		h.Write(b)
		u.free <- b
	}
	u.sum <- h.Sum(nil)
}

// copyToHash hands a copy of read to the hash, in a buffer it returned or a
// new one while there are fewer than hashAhead.
func (u *upload) copyToHash(read []byte) {
	var b []byte
	select {
	case b = <-u.free:
	default:
		if u.buffers < hashAhead {
			u.buffers++
		} else {
			b = <-u.free
		}
	}
	u.toHash <- append(b[:0], read...)
}

// sumHash stops the hashing and returns the hash of what was read; it must
// be called once, with the mutex held.
func (u *upload) sumHash() []byte {
	u.hashed = true
	close(u.toHash)
	return <-u.sum
}

// close stops the hashing of a Put that failed.
func (u *upload) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !u.hashed {
		u.sumHash()
	}
}

// Read implements io.Reader.
func (u *upload) Read(p []byte) (int, error) {
	if err := u.ctx.Err(); err != nil {
		u.note(nil, err)
		return 0, err
	}
	n, err := u.src.Read(p)
	u.note(p[:n], err)
	return n, err
}

func (u *upload) note(read []byte, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(read) > 0 && !u.hashed {
		u.copyToHash(read)
	}
	u.size += int64(len(read))
	switch {
	case err == io.EOF:
		u.eof = true
	case err != nil && u.err == nil:
		u.err = err
	}
}

// failure returns the source's error as a Put error, or nil if the source has
// not failed.
func (u *upload) failure(key string) error {
	u.mu.Lock()
	err := u.err
	u.mu.Unlock()
	if err == nil {
		return nil
	}
	return sourceError(key, err)
}

// blob describes what was read, which must be the whole source.
func (u *upload) blob(key string) (domain.Blob, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.hashed {
		return domain.Blob{}, domain.Errorf(domain.EINTERNAL, "put blob %s: the upload was closed", key)
	}
	sum := u.sumHash()
	if !u.eof {
		return domain.Blob{}, domain.Errorf(domain.EINTERNAL, "put blob %s: the store answered before the whole file was sent", key)
	}
	return domain.Blob{Key: key, Size: u.size, SHA256: hex.EncodeToString(sum)}, nil
}

// sourceError maps a failure of the reader given to Put. A size limit becomes
// ETOOLARGE; anything else keeps its cause (and its code, if it has one), so
// errors.Is(err, context.Canceled) still holds for a cancelled Put.
func sourceError(key string, err error) error {
	var maxBytes *http.MaxBytesError
	switch {
	case errors.As(err, &maxBytes):
		return domain.Wrap(err, domain.ETOOLARGE,
			fmt.Sprintf("file exceeds the upload size limit of %d bytes", maxBytes.Limit))
	case domain.ErrorCode(err) == domain.ETOOLARGE:
		return domain.Wrap(err, domain.ETOOLARGE, domain.ErrorMessage(err))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("put blob %s: %w", key, err)
	default:
		return fmt.Errorf("put blob %s: read file: %w", key, err)
	}
}
