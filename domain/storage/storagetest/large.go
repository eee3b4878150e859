package storagetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"runtime"
	"testing"

	"github.com/logproc/logproc/domain"
)

const (
	largeObjectSize = 64 << 20
	// maxStreamingAlloc is what a Put or an Open of the large object may
	// allocate in all, server side of a test server included: buffers, not
	// the object.
	maxStreamingAlloc = 8 << 20
)

// testLargeObjectStreams puts and reads back a 64 MiB object and checks,
// through the total the process allocated meanwhile, that neither side held
// it in memory.
func testLargeObjectStreams(t *testing.T, store domain.BlobStore) {
	key := newKey()
	want := domain.Blob{Key: key, Size: largeObjectSize, SHA256: patternSHA256(largeObjectSize)}
	var blob domain.Blob
	var err error
	alloc := allocated(func() {
		blob, err = store.Put(context.Background(), key, &patternReader{n: largeObjectSize}, "text/plain")
	})
	if err != nil || blob != want {
		t.Fatalf("Put = %+v, %v; want %+v", blob, err, want)
	}
	wantAllocBelow(t, "Put", alloc)

	var got domain.Blob
	alloc = allocated(func() { got, err = readBlob(store, key) })
	if err != nil || got != want {
		t.Fatalf("read back %+v, %v; want %+v", got, err, want)
	}
	wantAllocBelow(t, "Open and read", alloc)
}

// readBlob streams the blob under key through a hash.
func readBlob(store domain.BlobStore, key string) (domain.Blob, error) {
	rc, err := store.Open(context.Background(), key)
	if err != nil {
		return domain.Blob{}, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	return domain.Blob{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, err
}

// allocated returns how many bytes the process allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func wantAllocBelow(t *testing.T, what string, alloc uint64) {
	t.Helper()
	t.Logf("%s of %d MiB allocated %d KiB", what, largeObjectSize>>20, alloc>>10)
	if alloc > maxStreamingAlloc {
		t.Errorf("%s of a %d MiB object allocated %d MiB, want at most %d MiB: something holds the object in memory",
			what, largeObjectSize>>20, alloc>>20, maxStreamingAlloc>>20)
	}
}
