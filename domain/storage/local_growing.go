package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/logproc/logproc/domain"
)

// A growing Put writes its temporary file under a name derived from its
// key, so that a reader in another process (a worker sharing the volume)
// can find it and read the blob while it is written. The blob's name
// appears only when the whole file is synced, as for any Put: a reader at
// the end of the temporary file knows the upload is done when the name is
// a link to the file it reads, and that it failed when the temporary file
// is gone without one.

// PutGrowing implements domain.GrowingBlobStore: Put, with the file
// readable by OpenGrowing while it is written. It returns ECONFLICT when a
// growing Put of key is in progress.
func (l *Local) PutGrowing(ctx context.Context, key string, r io.Reader, _ string) (domain.Blob, error) {
	return l.put(ctx, key, r, func() (*os.File, string, error) { return l.temp.createNamed(growingName(key)) })
}

// growingName is the name of the temporary file of a growing Put of key:
// a hash, as a key may be longer than a file name may.
func growingName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "growing-" + hex.EncodeToString(sum[:16])
}

// growingPoll bounds how long a reader at the end of a growing blob sleeps
// before it looks again: the wait grows from a millisecond to this, so a
// reader keeps close behind a fast upload without spinning on a slow one.
const growingPoll = 10 * time.Millisecond

// OpenGrowing implements domain.GrowingBlobStore. It returns EINVALID for
// an invalid key, ENOTFOUND when nothing is stored under key and no
// growing Put of it is in progress, and EUNAVAILABLE when the disk cannot
// be read.
func (l *Local) OpenGrowing(ctx context.Context, key string, stall time.Duration) (io.ReadCloser, error) {
	for range 2 {
		f, err := l.Open(ctx, key)
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			return f, err // stored whole already, or failing
		}
		tmp, err := l.root.Open(path.Join(tempDir, growingName(key)))
		switch {
		case err == nil:
			return &growingFile{l: l, ctx: ctx, f: tmp, key: key, stall: stall, grew: time.Now()}, nil
		case !isMissing(err):
			return nil, fmt.Errorf("open growing blob %s: %w", key, diskError("open", err))
		}
		// The Put may have linked its file under key and removed the
		// temporary name between the two looks: look once more.
	}
	return nil, domain.Errorf(domain.ENOTFOUND, "blob %s not found, and no upload of it is in progress", key)
}

// growingFile reads the temporary file of a growing Put, waiting at its end
// until the Put ends. It keeps the context of its opening: its waits are
// part of reads, which io.Reader gives no context of their own.
type growingFile struct {
	l     *Local
	ctx   context.Context
	f     *os.File
	key   string
	stall time.Duration
	grew  time.Time // when the file was last seen to grow
	size  int64     // the file's size then
	wait  time.Duration
	whole bool // the blob is stored whole: the file's end is the blob's
}

// Read implements io.Reader.
func (g *growingFile) Read(p []byte) (int, error) {
	for {
		n, err := g.f.Read(p)
		if n > 0 || !errors.Is(err, io.EOF) || g.whole {
			if n > 0 {
				g.wait = 0
			}
			return n, err
		}
		if err := g.waitForMore(); err != nil {
			return 0, err
		}
	}
}

// waitForMore is called at the end of what is written so far: it returns
// once the blob is stored whole (g.whole is set, and a last read finds the
// rest) or the Put may have written more, and fails when the Put failed,
// the blob stopped growing for g.stall or the reader's context ended.
func (g *growingFile) waitForMore() error {
	whole, err := g.storedWhole()
	if err != nil || whole {
		g.whole = whole
		return err
	}
	info, err := g.l.root.Stat(path.Join(tempDir, growingName(g.key)))
	if isMissing(err) {
		// Linked and removed since the look above, or failed.
		if g.whole, err = g.storedWhole(); err != nil || g.whole {
			return err
		}
		return domain.Errorf(domain.ENOTFOUND, "the upload of blob %s ended without storing it", g.key)
	}
	if err == nil && info.Size() > g.size {
		// The stall counts from the file's last growth, not this reader's
		// last read, which may have been long ago if the reader was slow.
		g.grew, g.size = time.Now(), info.Size()
	}
	if time.Since(g.grew) > g.stall {
		return domain.Errorf(domain.ETIMEOUT, "the upload of blob %s stopped arriving for %s", g.key, g.stall)
	}
	g.wait = min(max(2*g.wait, time.Millisecond), growingPoll)
	select {
	case <-g.ctx.Done():
		return fmt.Errorf("read growing blob %s: %w", g.key, g.ctx.Err())
	case <-time.After(g.wait):
		return nil
	}
}

// storedWhole reports whether the blob's name links to the file read.
func (g *growingFile) storedWhole() (bool, error) {
	info, err := g.l.root.Stat(g.key)
	if isMissing(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read growing blob %s: %w", g.key, diskError("stat", err))
	}
	mine, err := g.f.Stat()
	if err != nil {
		return false, fmt.Errorf("read growing blob %s: %w", g.key, diskError("stat", err))
	}
	if !os.SameFile(info, mine) {
		return false, domain.Errorf(domain.ECONFLICT, "blob %s was stored by another upload than the one read", g.key)
	}
	return true, nil
}

// Close implements io.Closer.
func (g *growingFile) Close() error { return g.f.Close() }
