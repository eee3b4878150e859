package storage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"log/slog"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/logproc/logproc/domain"
)

// DefaultLocalDir is where NewLocal keeps blobs when given no directory.
const DefaultLocalDir = "data/blobs"

// Local is a BlobStore in a directory on local disk: the blob under key
// "jobs/2026/11/27/<uuid>" is the file of that relative path. It is safe for
// concurrent use, also by several processes sharing the directory (the API
// and the workers sharing a volume). Every file access goes through an
// os.Root, so neither a key nor a planted symlink can reach outside it.
type Local struct {
	root *os.Root
	temp tempArea
}

// LocalOption adjusts a local store.
type LocalOption func(*localOptions)

type localOptions struct {
	log *slog.Logger
}

// WithLog makes a local store log what no caller can act on: the stale
// temporary files it deleted.
func WithLog(log *slog.Logger) LocalOption {
	return func(o *localOptions) { o.log = log }
}

// NewLocal opens (creating it if needed) a store in dir, or in
// DefaultLocalDir when dir is empty, and deletes the temporary files that
// processes killed mid-upload left there (see StaleTempAge). The caller
// closes the store.
func NewLocal(dir string, opts ...LocalOption) (*Local, error) {
	var o localOptions
	for _, opt := range opts {
		opt(&o)
	}
	log := o.log
	if dir == "" {
		dir = DefaultLocalDir
	}
	root, removed, err := openRoot(dir)
	if err != nil {
		return nil, err
	}
	if removed > 0 && log != nil {
		log.Info("deleted stale temporary files of interrupted uploads", "dir", path.Join(dir, tempDir), "count", removed)
	}
	return &Local{root: root, temp: tempArea{root: root}}, nil
}

// Close releases the directory.
func (l *Local) Close() error {
	return l.root.Close()
}

// Put streams r into a temporary file while hashing it, syncs it, and only
// then links it under key, so a reader never sees a partial blob. The content
// type is not kept. Put returns EINVALID for an invalid key, ECONFLICT when
// key is already stored (the blob stays as it was; of Puts racing on one
// key exactly one wins), ETOOLARGE when r fails with *http.MaxBytesError or
// ErrTooLarge, EFULL when the disk is full and EUNAVAILABLE when it is
// read-only or failing. When ctx ends, Put stops at r's next Read and
// returns ctx's error. A failed Put leaves no file behind.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, _ string) (domain.Blob, error) {
	return l.put(ctx, key, r, l.temp.create)
}

// put is Put into the temporary file create makes.
func (l *Local) put(ctx context.Context, key string, r io.Reader, create func() (*os.File, string, error)) (domain.Blob, error) {
	if err := ValidateKey(key); err != nil {
		return domain.Blob{}, err
	}
	tmp, tmpName, err := create()
	if err != nil {
		return domain.Blob{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	// After a successful commit the blob has its own name; the temporary one
	// goes either way. Should removing it fail, what stays is an unnamed
	// copy under tempDir, never a blob, and the next start deletes it.
	defer func() { _ = l.root.Remove(tmpName) }()

	u := newUpload(ctx, r)
	defer u.close()
	if err := writeSynced(tmp, u); err != nil {
		if srcErr := u.failure(key); srcErr != nil {
			return domain.Blob{}, srcErr
		}
		return domain.Blob{}, fmt.Errorf("put blob %s: %w", key, diskError("write", err))
	}
	blob, err := u.blob(key)
	if err != nil {
		return domain.Blob{}, err
	}
	if err := l.commit(tmpName, key); err != nil {
		return domain.Blob{}, err
	}
	return blob, nil
}

// writeBuffer is the size of the writes of a blob: its source may return a
// few KiB a read, and each write is a system call.
const writeBuffer = 1 << 20

// writeSynced copies r into f in writes of writeBuffer, syncs f and closes
// it. The file is synced as it is written, in the background after each
// syncEvery bytes, so that the last sync, which the upload waits for, has
// only the tail to flush.
func writeSynced(f *os.File, r io.Reader) error {
	sw := &syncingWriter{f: f}
	w := bufio.NewWriterSize(sw, writeBuffer)
	// Only Write: bufio.Writer's ReadFrom would hand the copy to the file's
	// own, which writes whatever each read returns.
	_, err := io.Copy(struct{ io.Writer }{w}, r)
	if err == nil {
		err = w.Flush()
	}
	if syncErr := sw.wait(); err == nil {
		err = syncErr
	}
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	return err
}

// syncEvery is how many bytes are written between background syncs.
const syncEvery = 16 << 20

// syncingWriter writes to f and syncs it in the background, one sync at a
// time, after each syncEvery bytes.
type syncingWriter struct {
	f       *os.File
	pending int64
	syncing chan error // the running sync's result; nil when none runs
	err     error      // the first background sync's failure
}

func (w *syncingWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if w.pending += int64(n); w.pending >= syncEvery && err == nil {
		if w.syncing != nil {
			select {
			case e := <-w.syncing:
				w.note(e)
				w.syncing = nil
			default:
				return n, err // the running sync is not done: the next write starts one
			}
		}
		w.pending = 0
		done := make(chan error, 1)
		go func() { done <- w.f.Sync() }()
		w.syncing = done
	}
	return n, err
}

func (w *syncingWriter) note(err error) {
	if w.err == nil {
		w.err = err
	}
}

// wait waits for the running sync and reports the first that failed.
func (w *syncingWriter) wait() error {
	if w.syncing != nil {
		w.note(<-w.syncing)
		w.syncing = nil
	}
	return w.err
}

// commit gives the synced temporary file the key's name. A hard link, unlike
// a rename, fails when the name is taken, which makes "first Put wins" atomic
// across goroutines and processes.
func (l *Local) commit(tmpName, key string) error {
	dir := path.Dir(key)
	if err := l.root.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("put blob %s: %w", key, diskError("create directory", err))
	}
	if err := l.root.Link(tmpName, key); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return domain.Errorf(domain.ECONFLICT, "blob %s already exists", key)
		}
		return fmt.Errorf("put blob %s: %w", key, diskError("link", err))
	}
	return l.syncDir(dir)
}

// syncDir makes the new directory entry durable: without it a crash right
// after Put returned could lose the name, though the data was synced.
func (l *Local) syncDir(dir string) error {
	d, err := l.root.Open(dir)
	if err != nil {
		return diskError("sync directory "+dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return diskError("sync directory "+dir, err)
	}
	return nil
}

// Open returns the blob's file; the caller closes it. It returns EINVALID for
// an invalid key, ENOTFOUND when nothing is stored under key and
// EUNAVAILABLE when the disk cannot be read.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("open blob %s: %w", key, err)
	}
	f, err := l.root.Open(key)
	if isMissing(err) {
		return nil, domain.Errorf(domain.ENOTFOUND, "blob %s not found", key)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", key, diskError("open", err))
	}
	return regularFile(f, key)
}

// OpenRange implements domain.BlobStore: the file, moved to offset, read
// up to length bytes.
func (l *Local) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	rc, err := l.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	f := rc.(*os.File)
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s at %d: %w", key, offset, diskError("seek", err))
	}
	return limitedFile{Reader: io.LimitReader(f, length), Closer: f}, nil
}

// limitedFile reads a range of a file and closes the file.
type limitedFile struct {
	io.Reader
	io.Closer
}

// regularFile returns f if it is a blob, not a directory holding other keys.
func regularFile(f *os.File, key string) (*os.File, error) {
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", key, diskError("stat", err))
	}
	if !info.Mode().IsRegular() {
		f.Close()
		return nil, domain.Errorf(domain.ENOTFOUND, "blob %s not found", key)
	}
	return f, nil
}

// Delete removes the blob. A missing key, or one naming a directory of other
// keys, is not an error. Emptied directories stay: removing them would race
// with a Put creating a blob in them.
func (l *Local) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	info, err := l.root.Lstat(key)
	if isMissing(err) || (err == nil && info.IsDir()) {
		return nil
	}
	if err == nil {
		err = l.root.Remove(key)
	}
	if err != nil && !isMissing(err) {
		return fmt.Errorf("delete blob %s: %w", key, diskError("remove", err))
	}
	return nil
}

// errStopList ends a walk whose consumer stopped.
var errStopList = errors.New("stop listing")

// List walks the directories that can hold keys starting with prefix, one
// directory read at a time, and yields the files that are valid keys.
// Temporary files are never listed.
func (l *Local) List(ctx context.Context, prefix string) iter.Seq2[domain.BlobInfo, error] {
	return func(yield func(domain.BlobInfo, error) bool) {
		start := "."
		if i := strings.LastIndexByte(prefix, '/'); i > 0 {
			start = prefix[:i]
		}
		err := fs.WalkDir(l.root.FS(), start, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if isMissing(err) {
					return nil // the prefix's directory, or one removed meanwhile
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				return walkInto(p, prefix)
			}
			info, err := d.Info()
			if isMissing(err) || !d.Type().IsRegular() || !strings.HasPrefix(p, prefix) || ValidateKey(p) != nil {
				return nil
			}
			if err != nil {
				return err
			}
			if !yield(domain.BlobInfo{Key: p, Size: info.Size(), Modified: info.ModTime()}, nil) {
				return errStopList
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopList) {
			yield(domain.BlobInfo{}, fmt.Errorf("list blobs %q: %w", prefix, listError(err)))
		}
	}
}

// walkInto says whether directory p can hold keys starting with prefix.
// Names starting with '.', such as tempDir, are never keys.
func walkInto(p, prefix string) error {
	if p == "." {
		return nil
	}
	if strings.HasPrefix(path.Base(p), ".") {
		return fs.SkipDir
	}
	if strings.HasPrefix(p+"/", prefix) || strings.HasPrefix(prefix, p+"/") {
		return nil
	}
	return fs.SkipDir
}

// listError keeps a context's error as it is and maps a disk's.
func listError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return diskError("walk", err)
}

// Probe checks that the store can be written: it creates and deletes a
// temporary file, which also recreates a missing temporary directory.
func (l *Local) Probe(ctx context.Context) error {
	f, name, err := l.temp.create()
	if err != nil {
		return err
	}
	f.Close()
	if err := l.root.Remove(name); err != nil {
		return diskError("remove probe file", err)
	}
	return nil
}

// isMissing reports whether err says a path does not exist, including the
// case where one of its parents is a file ("a/b" when "a" is a blob).
func isMissing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
