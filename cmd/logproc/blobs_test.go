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
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

func TestBlobsGCDeletesOnlyOldBlobsNoJobOwns(t *testing.T) {
	ctx := context.Background()
	dbURL, dir := pgtest.NewDatabase(t), t.TempDir()
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("STORAGE", "local")
	t.Setenv("BLOB_DIR", dir)
	blobs, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer blobs.Close()
	put := func(key string, age time.Duration) {
		t.Helper()
		if _, err := blobs.Put(ctx, key, strings.NewReader("a line\n"), "text/plain"); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-age)
		if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(key)), old, old); err != nil {
			t.Fatal(err)
		}
	}
	at := time.Now().Add(-3 * time.Hour)
	owner := uuid.New()
	owned := domain.BlobKey(owner, at)
	put(owned, 3*time.Hour)
	job, err := domain.Submit(owner, domain.Upload{Owner: "alice", FileName: "a.log",
		Blob: domain.Blob{Key: owned, Size: 7}}, at)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := domain.NewJobs(postgres.New(pool)).Save(ctx, job); err != nil {
		t.Fatal(err)
	}
	orphan := domain.BlobKey(uuid.New(), at) // its JobSubmitted never landed
	young := domain.BlobKey(uuid.New(), time.Now())
	stray := "jobs/not/a/job"
	put(orphan, 2*time.Hour)
	put(young, time.Minute) // an upload being recorded right now
	put(stray, 2*time.Hour)

	gc := func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(ctx, append([]string{"blobs", "gc"}, args...), &out, io.Discard); err != nil {
			t.Fatalf("blobs gc %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
	dry := gc()
	for key, listed := range map[string]bool{orphan: true, stray: true, owned: false, young: false} {
		if strings.Contains(dry, key) != listed {
			t.Errorf("dry run lists %s: %v, want %v\n%s", key, !listed, listed, dry)
		}
	}
	if !strings.Contains(dry, "dry run") {
		t.Errorf("the dry run does not say so:\n%s", dry)
	}
	exists := func(key string) bool {
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(key)))
		return err == nil
	}
	if !exists(orphan) || !exists(stray) {
		t.Fatal("the dry run deleted blobs")
	}
	gc("--delete")
	for key, kept := range map[string]bool{orphan: false, stray: false, owned: true, young: true} {
		if exists(key) != kept {
			t.Errorf("after gc --delete, %s exists: %v, want %v", key, !kept, kept)
		}
	}
}
