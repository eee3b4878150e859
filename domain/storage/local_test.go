package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
	"github.com/logproc/logproc/domain/storage/storagetest"
)

func newLocal(t *testing.T) (*storage.Local, string) {
	t.Helper()
	dir := t.TempDir()
	store, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return store, dir
}

func TestLocalConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) domain.BlobStore {
		store, _ := newLocal(t)
		return store
	})
}

func TestLocalGrowingConformance(t *testing.T) {
	storagetest.RunGrowing(t, func(t *testing.T) domain.GrowingBlobStore {
		store, _ := newLocal(t)
		return store
	})
}

func TestLocalKeepsBlobsAtTheirPath(t *testing.T) {
	store, dir := newLocal(t)
	key := "jobs/2026/11/27/0b6f6f6e-3c39-4bde-9e55-1fc2c0e7d0d5"
	if _, err := store.Put(context.Background(), key, strings.NewReader("hello"), ""); err != nil {
		t.Fatalf("Put: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
	if err != nil || string(data) != "hello" {
		t.Fatalf("file of %s: %q, %v; want \"hello\"", key, data, err)
	}
	if got := regularFiles(t, dir); len(got) != 1 {
		t.Fatalf("files after one Put: %q, want just the blob", got)
	}
}

func TestLocalFailedPutsLeaveNoFiles(t *testing.T) {
	store, dir := newLocal(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sources := map[string]struct {
		ctx context.Context
		r   io.Reader
	}{
		"reader error":      {context.Background(), io.MultiReader(strings.NewReader("partial"), errReader{errors.New("broken")})},
		"size limit":        {context.Background(), http.MaxBytesReader(nil, io.NopCloser(strings.NewReader("0123456789")), 4)},
		"cancelled context": {ctx, strings.NewReader("never read")},
	}
	for name, src := range sources {
		if _, err := store.Put(src.ctx, "jobs/"+strings.ReplaceAll(name, " ", "-"), src.r, ""); err == nil {
			t.Errorf("Put with %s succeeded", name)
		}
	}
	if got := regularFiles(t, dir); len(got) != 0 {
		t.Fatalf("files after failed Puts: %q, want none", got)
	}
}

func TestLocalDirectoryIsNotABlob(t *testing.T) {
	store, _ := newLocal(t)
	ctx := context.Background()
	if _, err := store.Put(ctx, "jobs/a/b", strings.NewReader("b"), ""); err != nil {
		t.Fatalf("Put: %v", err)
	}
	if _, err := store.Open(ctx, "jobs/a"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("Open of a directory: %v, want ENOTFOUND", err)
	}
	if _, err := store.Open(ctx, "jobs/a/b/c"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("Open below a blob: %v, want ENOTFOUND", err)
	}
	if err := store.Delete(ctx, "jobs/a"); err != nil {
		t.Errorf("Delete of a directory: %v, want nil", err)
	}
	if rc, err := store.Open(ctx, "jobs/a/b"); err != nil {
		t.Errorf("blob under a directory that Delete was given: %v", err)
	} else {
		rc.Close()
	}
}

// TestLocalStaysInsideItsDirectory plants a symlink to another directory:
// os.Root refuses to follow it, so no key can write outside the store.
func TestLocalStaysInsideItsDirectory(t *testing.T) {
	store, dir := newLocal(t)
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "jobs")); err != nil {
		t.Fatalf("symlink: %v", err)
	}
	_, err := store.Put(context.Background(), "jobs/x", bytes.NewReader([]byte("escape")), "")
	if err == nil {
		t.Fatal("Put through a symlink leading out of the store succeeded")
	}
	if got := regularFiles(t, outside); len(got) != 0 {
		t.Fatalf("files written outside the store: %q", got)
	}
}

func TestNewLocalDefaultDir(t *testing.T) {
	t.Chdir(t.TempDir())
	store, err := storage.NewLocal("")
	if err != nil {
		t.Fatalf("NewLocal: %v", err)
	}
	defer store.Close()
	if info, err := os.Stat(storage.DefaultLocalDir); err != nil || !info.IsDir() {
		t.Fatalf("%s after NewLocal(\"\"): %v", storage.DefaultLocalDir, err)
	}
}

// TestLocalClearsStaleTempFiles: a file left in .tmp by a process killed
// mid-upload goes when a store opens, one that may be in progress stays.
func TestLocalClearsStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, ".tmp")
	if err := os.MkdirAll(tmp, 0o750); err != nil {
		t.Fatal(err)
	}
	stale, fresh := filepath.Join(tmp, "stale"), filepath.Join(tmp, "fresh")
	for _, f := range []string{stale, fresh} {
		if err := os.WriteFile(f, []byte("partial"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-storage.StaleTempAge - time.Minute)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	store, err := storage.NewLocal(dir, storage.WithLog(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file: %v, want it deleted", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("recent temporary file: %v, want it kept", err)
	}
	if !strings.Contains(logs.String(), "count=1") {
		t.Errorf("log %q does not say one file was deleted", logs.String())
	}
}

// TestLocalRecreatesTempDir: an operator or a clean-up removing .tmp does
// not break uploads until a restart.
func TestLocalRecreatesTempDir(t *testing.T) {
	store, dir := newLocal(t)
	if err := os.RemoveAll(filepath.Join(dir, ".tmp")); err != nil {
		t.Fatal(err)
	}
	if err := store.Probe(context.Background()); err != nil {
		t.Fatalf("Probe without .tmp: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(dir, ".tmp")); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(context.Background(), "jobs/x", strings.NewReader("x"), ""); err != nil {
		t.Fatalf("Put without .tmp: %v", err)
	}
}

// TestLocalListSkipsTempFiles: uploads in progress are no blobs.
func TestLocalListSkipsTempFiles(t *testing.T) {
	store, dir := newLocal(t)
	if err := os.WriteFile(filepath.Join(dir, ".tmp", "partial"), []byte("x"), 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(context.Background(), "jobs/x", strings.NewReader("x"), ""); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for info, err := range store.List(context.Background(), "") {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, info.Key)
	}
	if len(keys) != 1 || keys[0] != "jobs/x" {
		t.Fatalf("List = %q, want only jobs/x", keys)
	}
}

// regularFiles lists the files under dir, the store's temporary ones too.
func regularFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return files
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
