package storagetest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/logproc/logproc/domain"
)

// testList stores a small tree under a prefix of its own and lists it by
// several prefixes.
func testList(t *testing.T, store domain.BlobStore) {
	base := "jobs/list-" + uuid.NewString() + "/"
	sizes := map[string]int{base + "a": 10, base + "b/c": 20, base + "b/d": 0, base + "bb": 40, base + "c/d/e": 50}
	before := time.Now()
	for key, n := range sizes {
		put(t, store, key, textOf(n, n))
	}
	put(t, store, "jobs/other-"+uuid.NewString(), textOf(1, 1)) // outside every prefix below
	tests := map[string][]string{
		base:                      {base + "a", base + "b/c", base + "b/d", base + "bb", base + "c/d/e"},
		base + "b/":               {base + "b/c", base + "b/d"},
		base + "b":                {base + "b/c", base + "b/d", base + "bb"},
		base + "c/d/e":            {base + "c/d/e"},
		base + "a/":               nil, // a blob is no folder
		base + "zz":               nil,
		base[:len(base)-1] + "x/": nil,
	}
	for prefix, want := range tests {
		got := list(t, store, prefix)
		var keys []string
		for _, info := range got {
			keys = append(keys, info.Key)
			if info.Size != int64(sizes[info.Key]) {
				t.Errorf("List(%q): %s has size %d, want %d", prefix, info.Key, info.Size, sizes[info.Key])
			}
			// Clocks of a remote store may differ from ours: only an
			// absurd time is wrong.
			if d := info.Modified.Sub(before); info.Modified.IsZero() || d < -time.Hour || d > time.Hour {
				t.Errorf("List(%q): %s modified %v, want about %v", prefix, info.Key, info.Modified, before)
			}
		}
		slices.Sort(keys)
		if !slices.Equal(keys, want) {
			t.Errorf("List(%q) = %q, want %q", prefix, keys, want)
		}
	}
}

// testListStopsEarly stops after the first blob; a second listing sees
// them all.
func testListStopsEarly(t *testing.T, store domain.BlobStore) {
	base := "jobs/list-" + uuid.NewString() + "/"
	for i := range 3 {
		put(t, store, base+string(rune('a'+i)), textOf(i, 10))
	}
	n := 0
	for _, err := range store.List(context.Background(), base) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		n++
		break
	}
	if n != 1 {
		t.Fatalf("consumed %d blobs before stopping, want 1", n)
	}
	if got := list(t, store, base); len(got) != 3 {
		t.Fatalf("List after an early stop: %d blobs, want 3", len(got))
	}
}

// testListHonoursContext lists with a cancelled context.
func testListHonoursContext(t *testing.T, store domain.BlobStore) {
	base := "jobs/list-" + uuid.NewString() + "/"
	put(t, store, base+"a", textOf(1, 10))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var last error
	for _, err := range store.List(ctx, base) {
		last = err
	}
	if last == nil {
		t.Fatal("List with a cancelled context ended without an error")
	}
}

// list collects a listing, failing the test on an error.
func list(t *testing.T, store domain.BlobStore, prefix string) []domain.BlobInfo {
	t.Helper()
	var out []domain.BlobInfo
	for info, err := range store.List(context.Background(), prefix) {
		if err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		out = append(out, info)
	}
	return out
}
