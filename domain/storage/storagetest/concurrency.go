package storagetest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/logproc/logproc/domain"
)

func testConcurrentPuts(t *testing.T, store domain.BlobStore) {
	const writers = 16
	keys := make([]string, writers)
	for i := range keys {
		keys[i] = newKey()
	}
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Go(func() {
			_, err := store.Put(context.Background(), key, bytes.NewReader(textOf(i, 100_000+i)), "text/plain")
			if err != nil {
				t.Errorf("Put #%d: %v", i, err)
			}
		})
	}
	wg.Wait()
	for i, key := range keys {
		wantContent(t, store, key, textOf(i, 100_000+i))
	}
}

// testConcurrentPutsOfOneKey races Puts of one new key. Stores differ:
// on local disk exactly one wins, while Supabase Storage checks for an
// existing key before an upload and stores at its end, so several may
// succeed, the last writer's bytes winning. Either way every failure is a
// conflict, at least one Put succeeds, and the blob is one successful
// Put's whole content, never a mix or a part.
func testConcurrentPutsOfOneKey(t *testing.T, store domain.BlobStore) {
	const writers = 8
	key := newKey()
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = store.Put(context.Background(), key, bytes.NewReader(textOf(i, 100_000)), "text/plain")
		})
	}
	wg.Wait()
	got := content(t, store, key)
	matched := false
	for i, err := range errs {
		if err != nil {
			wantCode(t, err, domain.ECONFLICT)
			continue
		}
		matched = matched || bytes.Equal(got, textOf(i, 100_000))
	}
	if !matched {
		t.Fatalf("the blob (%d bytes, %.40q) is no successful Put's content (errors: %v)", len(got), got, errs)
	}
}
