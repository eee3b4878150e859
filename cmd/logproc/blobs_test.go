package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

// gcFixture is a local blob store holding a blob of each kind a
// collection tells apart.
type gcFixture struct {
	dir string
	// owned belongs to a job; orphan and stray (a key no job could have)
	// are old and no job's; young is no job's yet, its upload being
	// recorded right now.
	owned, orphan, stray, young string
}

// newGCFixture stores the blobs in dir, each a 7-byte file, and records
// the owner of owned in the database at dbURL.
func newGCFixture(t *testing.T, dbURL, dir string) gcFixture {
	t.Helper()
	ctx := context.Background()
	blobs, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	at := time.Now().Add(-3 * time.Hour)
	owner := uuid.New()
	f := gcFixture{dir: dir, owned: domain.BlobKey(owner, at), orphan: domain.BlobKey(uuid.New(), at),
		stray: "jobs/not/a/job", young: domain.BlobKey(uuid.New(), time.Now())}
	for key, age := range map[string]time.Duration{f.owned: 3 * time.Hour, f.orphan: 2 * time.Hour,
		f.stray: 2 * time.Hour, f.young: time.Minute} {
		if _, err := blobs.Put(ctx, key, strings.NewReader("a line\n"), "text/plain"); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		if err := os.Chtimes(f.path(key), old, old); err != nil {
			t.Fatal(err)
		}
	}
	job, err := domain.Submit(owner, domain.Upload{Owner: "alice", FileName: "a.log",
		Blob: domain.Blob{Key: f.owned, Size: 7}}, at)
	if err != nil {
		t.Fatal(err)
	}
	if err := jobsAt(t, dbURL).Save(ctx, job); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f gcFixture) path(key string) string { return filepath.Join(f.dir, filepath.FromSlash(key)) }

func (f gcFixture) exists(key string) bool {
	_, err := os.Stat(f.path(key))
	return err == nil
}

// checkKept fails the test unless exactly the blobs marked true remain.
func (f gcFixture) checkKept(t *testing.T, when string, kept map[string]bool) {
	t.Helper()
	for key, want := range kept {
		if f.exists(key) != want {
			t.Errorf("%s, %s exists: %v, want %v", when, key, !want, want)
		}
	}
}

func TestBlobsGCDeletesOnlyOldBlobsNoJobOwns(t *testing.T) {
	ctx := context.Background()
	dbURL, dir := pgtest.NewDatabase(t), t.TempDir()
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("STORAGE", "local")
	t.Setenv("BLOB_DIR", dir)
	f := newGCFixture(t, dbURL, dir)
	gc := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append([]string{"blobs", "gc"}, args...), &out, io.Discard); err != nil {
			t.Fatalf("blobs gc %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	dry := gc()
	for key, listed := range map[string]bool{f.orphan: true, f.stray: true, f.owned: false, f.young: false} {
		if strings.Contains(dry, key) != listed {
			t.Errorf("dry run lists %s: %v, want %v\n%s", key, !listed, listed, dry)
		}
	}
	if !strings.Contains(dry, "dry run") {
		t.Errorf("the dry run does not say so:\n%s", dry)
	}
	f.checkKept(t, "after the dry run", map[string]bool{f.orphan: true, f.stray: true, f.owned: true, f.young: true})
	gc("--delete")
	f.checkKept(t, "after gc --delete", map[string]bool{f.orphan: false, f.stray: false, f.owned: true, f.young: true})
}
