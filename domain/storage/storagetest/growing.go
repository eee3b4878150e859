package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/logproc/logproc/domain"
)

// GrowingFactory returns an empty store that can be read while it is
// written, for one test.
type GrowingFactory func(t *testing.T) domain.GrowingBlobStore

// RunGrowing runs the conformance tests of domain.GrowingBlobStore against
// stores made by newStore, in parallel.
func RunGrowing(t *testing.T, newStore GrowingFactory) {
	t.Helper()
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, store domain.GrowingBlobStore)
	}{
		{"ReadsWhileItGrows", testReadsWhileItGrows},
		{"FailedPutFailsTheReader", testFailedPutFailsTheReader},
		{"StalledPutTimesOut", testStalledPutTimesOut},
		{"OpenGrowingOfNothing", testOpenGrowingOfNothing},
		{"OpenGrowingOfAStoredBlob", testOpenGrowingOfAStoredBlob},
		{"SecondGrowingPutConflicts", testSecondGrowingPutConflicts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newStore(t))
		})
	}
}

// growingPut is a PutGrowing fed by the test through a pipe.
type growingPut struct {
	w    *io.PipeWriter
	done chan struct{}
	blob domain.Blob
	err  error
}

// startGrowingPut begins a PutGrowing of key and writes first to it, so the
// Put has begun once it returns.
func startGrowingPut(t *testing.T, store domain.GrowingBlobStore, key string, first []byte) *growingPut {
	t.Helper()
	r, w := io.Pipe()
	p := &growingPut{w: w, done: make(chan struct{})}
	go func() {
		defer close(p.done)
		p.blob, p.err = store.PutGrowing(context.Background(), key, r, "text/plain")
		r.CloseWithError(p.err) // a Put that stopped reading frees the writer
	}()
	t.Cleanup(func() { w.CloseWithError(errors.New("test over")); <-p.done })
	p.write(t, first)
	return p
}

func (p *growingPut) write(t *testing.T, data []byte) {
	t.Helper()
	if _, err := p.w.Write(data); err != nil {
		t.Fatalf("write to the growing Put: %v", err)
	}
}

// end closes the Put's source with err (nil: its end) and waits for it.
func (p *growingPut) end(err error) (domain.Blob, error) {
	p.w.CloseWithError(err)
	<-p.done
	return p.blob, p.err
}

// readAtLeast reads from r until it holds n bytes.
func readAtLeast(t *testing.T, r io.Reader, n int) []byte {
	t.Helper()
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatalf("read %d bytes of the growing blob: %v", n, err)
	}
	return buf
}

func openGrowing(t *testing.T, store domain.GrowingBlobStore, key string, stall time.Duration) io.ReadCloser {
	t.Helper()
	rc, err := store.OpenGrowing(context.Background(), key, stall)
	if err != nil {
		t.Fatalf("OpenGrowing(%s): %v", key, err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}

// A reader reads the blob while the Put writes it, and reaches its end only
// once the Put has stored it. A store may hold back what it buffers (up to
// a few MiB) until the Put writes on or ends.
func testReadsWhileItGrows(t *testing.T, store domain.GrowingBlobStore) {
	key := newKey()
	data := textOf(1, 12<<20)
	p := startGrowingPut(t, store, key, data[:1<<20])
	rc := openGrowing(t, store, key, time.Minute)
	for off := 1 << 20; off < len(data); off += 1 << 20 {
		p.write(t, data[off:off+1<<20])
	}
	// The whole file is written, the Put not ended: most of it can be read.
	got := readAtLeast(t, rc, 8<<20)
	rest := make(chan []byte)
	go func() {
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Errorf("read the end of the growing blob: %v", err)
		}
		rest <- b
	}()
	blob, err := p.end(nil)
	if err != nil {
		t.Fatalf("PutGrowing: %v", err)
	}
	if got = append(got, <-rest...); !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes while the blob grew, want the %d stored", len(got), len(data))
	}
	if want := (domain.Blob{Key: key, Size: int64(len(data)), SHA256: sha256Hex(data)}); blob != want {
		t.Fatalf("PutGrowing = %+v, want %+v", blob, want)
	}
	wantContent(t, store, key, data)
}

// A Put that fails leaves nothing, and a reader of it fails with ENOTFOUND
// instead of taking what it read for the whole blob.
func testFailedPutFailsTheReader(t *testing.T, store domain.GrowingBlobStore) {
	key := newKey()
	p := startGrowingPut(t, store, key, textOf(2, 8<<20))
	rc := openGrowing(t, store, key, time.Minute)
	readAtLeast(t, rc, 4<<20)
	failed := make(chan error)
	go func() {
		_, err := io.ReadAll(rc)
		failed <- err
	}()
	if _, err := p.end(errors.New("client went away")); err == nil {
		t.Fatal("PutGrowing of a source that failed succeeded")
	}
	wantCode(t, <-failed, domain.ENOTFOUND)
	wantMissing(t, store, key)
}

// A Put that stops writing times its reader out after the stall.
func testStalledPutTimesOut(t *testing.T, store domain.GrowingBlobStore) {
	key := newKey()
	startGrowingPut(t, store, key, textOf(3, 100))
	rc := openGrowing(t, store, key, 20*time.Millisecond)
	_, err := io.ReadAll(rc)
	wantCode(t, err, domain.ETIMEOUT)
}

func testOpenGrowingOfNothing(t *testing.T, store domain.GrowingBlobStore) {
	_, err := store.OpenGrowing(context.Background(), newKey(), time.Minute)
	wantCode(t, err, domain.ENOTFOUND)
}

// A blob stored whole, by either Put, reads whole at once.
func testOpenGrowingOfAStoredBlob(t *testing.T, store domain.GrowingBlobStore) {
	for _, growing := range []bool{false, true} {
		key, data := newKey(), textOf(4, 10_000)
		if growing {
			if _, err := store.PutGrowing(context.Background(), key, bytes.NewReader(data), ""); err != nil {
				t.Fatalf("PutGrowing: %v", err)
			}
		} else {
			put(t, store, key, data)
		}
		got, err := io.ReadAll(openGrowing(t, store, key, time.Minute))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("growing read of a stored blob: %d bytes, %v; want %d", len(got), err, len(data))
		}
	}
}

// Two growing Puts of one key cannot both be read: the second fails.
func testSecondGrowingPutConflicts(t *testing.T, store domain.GrowingBlobStore) {
	key := newKey()
	startGrowingPut(t, store, key, textOf(5, 100))
	_, err := store.PutGrowing(context.Background(), key, bytes.NewReader(textOf(6, 100)), "")
	wantCode(t, err, domain.ECONFLICT)
}
