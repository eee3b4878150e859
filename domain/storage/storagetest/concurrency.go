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
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Fatalf("Puts #%d and #%d of one key both succeeded", winner, i)
		case err == nil:
			winner = i
		default:
			wantCode(t, err, domain.ECONFLICT)
		}
	}
	if winner < 0 {
		t.Fatal("no Put of the key succeeded")
	}
	wantContent(t, store, key, textOf(winner, 100_000))
}
