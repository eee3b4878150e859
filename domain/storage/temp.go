package storage

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"time"

	"github.com/logproc/logproc/domain"
)

// tempDir holds Puts in progress. Keys cannot start with '.', so it never
// clashes with a key; being inside the store keeps it on the same file
// system, so committing a local blob is a link, not a copy.
const tempDir = ".tmp"

// StaleTempAge is how long a temporary file may go unwritten before a
// store opening in the same directory takes it for the leftover of a
// process killed mid-upload and deletes it. A Put in progress writes its
// file as the bytes arrive, and other processes (the API and the workers
// sharing a volume) may have Puts in progress, so only old files go.
const StaleTempAge = time.Hour

const (
	dirPerm  = 0o750
	filePerm = 0o640
)

// tempArea makes and clears temporary files under tempDir of a root.
type tempArea struct {
	root *os.Root
	// open, when set, replaces opening the file under root: tests give
	// the kernel's /dev/full, whose writes fail as on a full disk.
	open func(name string) (*os.File, error)
}

// create returns a new empty temporary file and its name relative to the
// root (f.Name() is not). A missing tempDir, removed by an operator or a
// clean-up, is created again.
func (t tempArea) create() (f *os.File, name string, err error) {
	return t.createNamed(rand.Text())
}

// createNamed is create of the temporary file of a given name: it returns
// ECONFLICT when the file exists.
func (t tempArea) createNamed(base string) (f *os.File, name string, err error) {
	name = path.Join(tempDir, base)
	for range 2 {
		if t.open != nil {
			f, err = t.open(name)
		} else {
			f, err = t.root.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, filePerm)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
		if mkErr := t.root.MkdirAll(tempDir, dirPerm); mkErr != nil {
			return nil, "", diskError("create temporary directory", mkErr)
		}
	}
	if errors.Is(err, fs.ErrExist) {
		return nil, "", domain.Errorf(domain.ECONFLICT, "temporary file %s exists", name)
	}
	if err != nil {
		return nil, "", diskError("create temporary file", err)
	}
	return f, name, nil
}

// removeStale deletes temporary files not written for StaleTempAge and
// returns how many it deleted.
func (t tempArea) removeStale(now time.Time) (int, error) {
	entries, err := fs.ReadDir(t.root.FS(), tempDir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", tempDir, err)
	}
	removed := 0
	var errs []error
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || now.Sub(info.ModTime()) < StaleTempAge {
			continue // gone meanwhile, not ours, or maybe in progress
		}
		if err := t.root.Remove(path.Join(tempDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	return removed, errors.Join(errs...)
}

// openRoot creates dir and its tempDir if needed, opens it as a root and
// clears stale temporary files.
func openRoot(dir string) (*os.Root, int, error) {
	if err := os.MkdirAll(path.Join(dir, tempDir), dirPerm); err != nil {
		return nil, 0, diskError("create blob directory "+dir, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, 0, diskError("open blob directory "+dir, err)
	}
	removed, err := tempArea{root: root}.removeStale(time.Now())
	if err != nil {
		root.Close()
		return nil, 0, fmt.Errorf("clear stale temporary files in %s: %w", dir, err)
	}
	return root, removed, nil
}
