package analysis

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"strings"
)

// NameCount is a name with its count.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// ranked is a key with its count, for top-N selection.
type ranked[K cmp.Ordered] struct {
	key K
	n   int64
}

// better orders by count, then by key, so results never depend on map order.
func better[K cmp.Ordered](a, b ranked[K]) bool {
	return a.n > b.n || a.n == b.n && a.key < b.key
}

// topN returns the n best entries of m, best first, without sorting all of
// m: a heap holds the best seen so far, its worst on top.
func topN[K cmp.Ordered](m map[K]int64, n int) []ranked[K] { return topOf(maps.All(m), n) }

// topOf is topN for any sequence of distinct keys and their counts.
func topOf[K cmp.Ordered](all iter.Seq2[K, int64], n int) []ranked[K] {
	if n <= 0 {
		return nil
	}
	var h []ranked[K]
	for k, v := range all {
		r := ranked[K]{k, v}
		switch {
		case len(h) < n:
			h = append(h, r)
			siftUp(h, len(h)-1)
		case better(r, h[0]):
			h[0] = r
			siftDown(h, 0)
		}
	}
	slices.SortFunc(h, rankOrder[K])
	return h
}

// rankOrder sorts best first.
func rankOrder[K cmp.Ordered](a, b ranked[K]) int {
	switch {
	case better(a, b):
		return -1
	case better(b, a):
		return 1
	}
	return 0
}

// siftUp and siftDown keep h a heap with its worst entry at the root.
func siftUp[K cmp.Ordered](h []ranked[K], i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !better(h[parent], h[i]) {
			return
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

func siftDown[K cmp.Ordered](h []ranked[K], i int) {
	for {
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && better(h[worst], h[l]) {
			worst = l
		}
		if r < len(h) && better(h[worst], h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h[worst], h[i] = h[i], h[worst]
		i = worst
	}
}

// prune keeps about the limit largest counts of m: every key below the
// limit-th largest count goes, and ties with it too when too many remain.
// Which keys go depends only on the counts, never on map order.
func prune[K comparable](m map[K]int64, limit int) {
	counts := make([]int64, 0, len(m))
	for _, v := range m {
		counts = append(counts, v)
	}
	slices.Sort(counts)
	threshold := counts[len(counts)-limit]
	atLeast := len(counts) - sortIndex(counts, threshold)
	dropTies := atLeast > limit+limit/2
	for k, v := range m {
		if v < threshold || v == threshold && dropTies {
			delete(m, k)
		}
	}
}

// sortIndex returns the index of the first count equal to v in sorted
// counts.
func sortIndex(counts []int64, v int64) int {
	i, _ := slices.BinarySearch(counts, v)
	return i
}

// keyCounter counts byte-slice keys without allocating for keys it has
// seen: a lookup by string(b) does not copy b.
type keyCounter map[string]*int64

// counter returns the count of b, made zero if new.
func (c keyCounter) counter(b []byte) *int64 {
	if p := c[string(b)]; p != nil {
		return p
	}
	p := new(int64)
	c[string(b)] = p
	return p
}

// recentKeys remembers the counters of the last keys a keyCounter gave, so
// that the few components a file repeats are counted without hashing.
type recentKeys struct {
	keys [8][]byte
	ns   [8]*int64
	next int
}

// add counts b in c.
func (r *recentKeys) add(c keyCounter, b []byte) {
	for i, n := range r.ns {
		if n != nil && string(r.keys[i]) == string(b) {
			*n++
			return
		}
	}
	n := c.counter(b)
	*n++
	r.keys[r.next], r.ns[r.next] = append(r.keys[r.next][:0], b...), n
	r.next = (r.next + 1) % len(r.ns)
}

// counts returns the counts as a plain map.
func (c keyCounter) counts() map[string]int64 {
	m := make(map[string]int64, len(c))
	for k, p := range c {
		m[k] = *p
	}
	return m
}

// boundedCounter counts string keys with bounded memory: past twice its
// limit it prunes to about the limit largest counts. Heavy hitters stay
// exact; a key dropped and seen again restarts from zero.
type boundedCounter struct {
	limit int
	m     map[string]int64
}

func newBoundedCounter(limit int) *boundedCounter {
	return &boundedCounter{limit: limit, m: make(map[string]int64)}
}

func (c *boundedCounter) add(key string, n int64) {
	c.m[key] += n
	if len(c.m) > 2*c.limit {
		prune(c.m, c.limit)
	}
}

// top returns the n largest counts, largest first, ties by name.
func (c *boundedCounter) top(n int) []NameCount { return nameCounts(topN(c.m, n)) }

func nameCounts(rs []ranked[string]) []NameCount {
	out := make([]NameCount, len(rs))
	for i, r := range rs {
		out[i] = NameCount{strings.ToValidUTF8(r.key, "\uFFFD"), r.n}
	}
	return out
}
