package storage

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"

	"github.com/logproc/logproc/domain"
)

// DefaultLocalDir is where NewLocal keeps blobs when given no directory.
const DefaultLocalDir = "data/blobs"

// tempDir holds Puts in progress. Keys cannot start with '.', so it never
// clashes with a key; being inside the store keeps it on the same file
// system, so committing a blob is a link, not a copy.
const tempDir = ".tmp"

const (
	dirPerm  = 0o750
	filePerm = 0o640
)

// Local is a BlobStore in a directory on local disk: the blob under key
// "jobs/2026/11/27/<uuid>" is the file of that relative path. It is safe for
// concurrent use, also by several processes sharing the directory (the API
// and the workers sharing a volume). Every file access goes through an
// os.Root, so neither a key nor a planted symlink can reach outside it.
type Local struct {
	root *os.Root
}

// NewLocal opens (creating it if needed) a store in dir, or in
// DefaultLocalDir when dir is empty. The caller closes it.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		dir = DefaultLocalDir
	}
	if err := os.MkdirAll(path.Join(dir, tempDir), dirPerm); err != nil {
		return nil, fmt.Errorf("create blob directory: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open blob directory: %w", err)
	}
	return &Local{root: root}, nil
}

// Close releases the directory.
func (l *Local) Close() error {
	return l.root.Close()
}

// Put streams r into a temporary file while hashing it, syncs it, and only
// then links it under key, so a reader never sees a partial blob. The content
// type is not kept. Put returns EINVALID for an invalid key, ECONFLICT when
// key is already stored (the blob stays as it was), and ETOOLARGE when r fails
// with *http.MaxBytesError or ErrTooLarge. When ctx ends, Put stops at r's
// next Read and returns ctx's error. A failed Put leaves no file behind.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, _ string) (domain.Blob, error) {
	if err := ValidateKey(key); err != nil {
		return domain.Blob{}, err
	}
	tmp, tmpName, err := l.createTemp()
	if err != nil {
		return domain.Blob{}, fmt.Errorf("put blob %s: %w", key, err)
	}
	// After a successful commit the blob has its own name; the temporary one
	// goes either way. Should removing it fail, what stays is an unnamed
	// copy under tempDir, never a blob.
	defer func() { _ = l.root.Remove(tmpName) }()

	u := newUpload(ctx, r)
	if err := writeSynced(tmp, u); err != nil {
		if srcErr := u.failure(key); srcErr != nil {
			return domain.Blob{}, srcErr
		}
		return domain.Blob{}, fmt.Errorf("put blob %s: write: %w", key, err)
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

// createTemp creates a new empty file in tempDir and returns it with its
// name relative to the root (f.Name() is not).
func (l *Local) createTemp() (f *os.File, name string, err error) {
	name = path.Join(tempDir, rand.Text())
	f, err = l.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return nil, "", fmt.Errorf("create temporary file: %w", err)
	}
	return f, name, nil
}

// writeSynced copies r into f, syncs f and closes it.
func writeSynced(f *os.File, r io.Reader) error {
	_, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	return err
}

// commit gives the synced temporary file the key's name. A hard link, unlike
// a rename, fails when the name is taken, which makes "first Put wins" atomic
// across goroutines and processes.
func (l *Local) commit(tmpName, key string) error {
	dir := path.Dir(key)
	if err := l.root.MkdirAll(dir, dirPerm); err != nil {
		return fmt.Errorf("put blob %s: create directory: %w", key, err)
	}
	if err := l.root.Link(tmpName, key); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return domain.Errorf(domain.ECONFLICT, "blob %s already exists", key)
		}
		return fmt.Errorf("put blob %s: link: %w", key, err)
	}
	return l.syncDir(dir)
}

// syncDir makes the new directory entry durable: without it a crash right
// after Put returned could lose the name, though the data was synced.
func (l *Local) syncDir(dir string) error {
	d, err := l.root.Open(dir)
	if err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory %s: %w", dir, err)
	}
	return nil
}

// Open returns the blob's file; the caller closes it. It returns EINVALID for
// an invalid key and ENOTFOUND when nothing is stored under key.
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
		return nil, fmt.Errorf("open blob %s: %w", key, err)
	}
	return regularFile(f, key)
}

// regularFile returns f if it is a blob, not a directory holding other keys.
func regularFile(f *os.File, key string) (*os.File, error) {
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open blob %s: %w", key, err)
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
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	return nil
}

// isMissing reports whether err says a path does not exist, including the
// case where one of its parents is a file ("a/b" when "a" is a blob).
func isMissing(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}
