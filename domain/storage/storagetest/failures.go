package storagetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/logproc/logproc/domain"
)

func testReaderErrorLeavesNothing(t *testing.T, store domain.BlobStore) {
	errBroken := errors.New("connection reset by client")
	key := newKey()
	blob, err := store.Put(context.Background(), key, newFailingReader(256<<10, errBroken), "text/plain")
	if !errors.Is(err, errBroken) {
		t.Fatalf("Put = %+v, %v; want an error wrapping %v", blob, err, errBroken)
	}
	wantMissing(t, store, key)
}

func testSizeLimitIsTooLarge(t *testing.T, store domain.BlobStore) {
	const limit = 512 << 10
	readers := map[string]func() io.Reader{
		"MaxBytesError": func() io.Reader {
			return newFailingReader(limit, &http.MaxBytesError{Limit: limit})
		},
		"wrapped ErrTooLarge": func() io.Reader {
			return newFailingReader(limit, fmt.Errorf("read part: %w", domain.ErrTooLarge))
		},
		"MaxBytesReader": func() io.Reader {
			return http.MaxBytesReader(nil, io.NopCloser(&patternReader{n: 2 * limit}), limit)
		},
	}
	for name, newReader := range readers {
		t.Run(name, func(t *testing.T) {
			key := newKey()
			_, err := store.Put(context.Background(), key, newReader(), "text/plain")
			wantCode(t, err, domain.ETOOLARGE)
			wantMissing(t, store, key)
		})
	}
}

func testCancelledPutLeavesNothing(t *testing.T, store domain.BlobStore) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	key := newKey()
	r := &cancellingReader{patternReader: patternReader{n: 8 << 20}, cancel: cancel}
	if _, err := store.Put(ctx, key, r, "text/plain"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with a context cancelled mid-way: %v, want context.Canceled", err)
	}
	wantMissing(t, store, key)
}
