package storagetest

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/logproc/logproc/domain"
)

func testPutThenOpen(t *testing.T, store domain.BlobStore) {
	key, data := newKey(), textOf(1, 300_000)
	put(t, store, key, data)
	wantContent(t, store, key, data)
}

func testPutEmpty(t *testing.T, store domain.BlobStore) {
	key := newKey()
	put(t, store, key, []byte{})
	wantContent(t, store, key, []byte{})
}

func testOpenMissing(t *testing.T, store domain.BlobStore) {
	wantMissing(t, store, newKey())
}

func testOpenRange(t *testing.T, store domain.BlobStore) {
	ctx := context.Background()
	key, data := newKey(), textOf(3, 200_000)
	put(t, store, key, data)
	n := int64(len(data))
	for _, r := range []struct{ offset, length int64 }{
		{0, 10}, {0, n}, {1000, 54321}, {n - 7, 7}, {n - 7, 100}, {n, 10}, {12345, 0},
	} {
		rc, err := store.OpenRange(ctx, key, r.offset, r.length)
		if err != nil {
			t.Fatalf("OpenRange(%d, %d): %v", r.offset, r.length, err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		want := data[min(r.offset, n):min(r.offset+r.length, n)]
		if err != nil || string(got) != string(want) {
			t.Errorf("OpenRange(%d, %d) read %d bytes (%v), want %d: the range of the stored bytes",
				r.offset, r.length, len(got), err, len(want))
		}
	}
	if _, err := store.OpenRange(ctx, newKey(), 0, 10); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("OpenRange of a missing key: %v, want not_found", err)
	}
}

func testDeleteIsIdempotent(t *testing.T, store domain.BlobStore) {
	ctx := context.Background()
	key := newKey()
	put(t, store, key, textOf(2, 1000))
	for i := range 2 {
		if err := store.Delete(ctx, key); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
		wantMissing(t, store, key)
	}
	if err := store.Delete(ctx, newKey()); err != nil {
		t.Fatalf("Delete of a key never stored: %v", err)
	}
}

func testPutAfterDelete(t *testing.T, store domain.BlobStore) {
	key := newKey()
	put(t, store, key, textOf(3, 1000))
	if err := store.Delete(context.Background(), key); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	data := textOf(4, 2000)
	put(t, store, key, data)
	wantContent(t, store, key, data)
}

func testInvalidKeys(t *testing.T, store domain.BlobStore) {
	ctx := context.Background()
	keys := []string{
		"", "/jobs/x", "jobs/../x", "..", ".", "jobs//x", "jobs/", "./jobs", ".hidden",
		"jobs/.tmp/x", "jobs/a b", "jobs/x?y", "jobs/x#y", "jobs/x%2Fy", `jobs\x`,
		"jobs/ümlaut", "jobs/x\x00", strings.Repeat("a", 256), strings.Repeat("a/", 512) + "a",
	}
	for _, key := range keys {
		_, err := store.Put(ctx, key, strings.NewReader("data"), "text/plain")
		wantCode(t, err, domain.EINVALID)
		_, err = store.Open(ctx, key)
		wantCode(t, err, domain.EINVALID)
		wantCode(t, store.Delete(ctx, key), domain.EINVALID)
	}
}

func testSecondPutConflicts(t *testing.T, store domain.BlobStore) {
	key, first := newKey(), textOf(5, 1000)
	put(t, store, key, first)
	_, err := store.Put(context.Background(), key, strings.NewReader("second"), "text/plain")
	wantCode(t, err, domain.ECONFLICT)
	wantContent(t, store, key, first)
}
