package analysis

import (
	"cmp"
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

// topN returns the n best entries of m, best first, without sorting all of m.
func topN[K cmp.Ordered](m map[K]int64, n int) []ranked[K] {
	out := make([]ranked[K], 0, n+1)
	for k, v := range m {
		r := ranked[K]{k, v}
		if len(out) == n && !better(r, out[n-1]) {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, r, func(a, b ranked[K]) int {
			if better(a, b) {
				return -1
			}
			return 1
		})
		out = slices.Insert(out, i, r)
		if len(out) > n {
			out = out[:n]
		}
	}
	return out
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

func (c keyCounter) add(b []byte) {
	if p := c[string(b)]; p != nil {
		*p++
		return
	}
	n := int64(1)
	c[string(b)] = &n
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
