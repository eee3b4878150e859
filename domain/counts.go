package domain

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"
)

// addCounts adds b into a and returns a, keeping at most limit keys (0 for
// no limit): the ones with the highest counts, ties broken by key, so the
// result does not depend on map order.
func addCounts(a, b map[string]int64, limit int) map[string]int64 {
	if len(b) == 0 {
		return a
	}
	if a == nil {
		a = make(map[string]int64, len(b))
	}
	for k, n := range b {
		a[k] += n
	}
	if limit > 0 && len(a) > limit {
		trimCounts(a, limit)
	}
	return a
}

// plusCounts returns a new map of a's counts plus b's, or a itself when b
// adds nothing; a is left as it was.
func plusCounts(a, b map[string]int64) map[string]int64 {
	if len(b) == 0 {
		return a
	}
	sum := make(map[string]int64, len(a)+len(b))
	maps.Copy(sum, a)
	for k, n := range b {
		sum[k] += n
	}
	return sum
}

// trimCounts keeps the limit largest counts of m, the smaller key first
// among equal counts.
func trimCounts(m map[string]int64, limit int) {
	type kv struct {
		k string
		n int64
	}
	all := make([]kv, 0, len(m))
	for k, n := range m {
		all = append(all, kv{k, n})
	}
	slices.SortFunc(all, func(a, b kv) int {
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return strings.Compare(a.k, b.k)
	})
	for _, e := range all[limit:] {
		delete(m, e.k)
	}
}

func earliest(a, b *time.Time) *time.Time {
	if b == nil || (a != nil && !b.Before(*a)) {
		return a
	}
	t := b.UTC()
	return &t
}

func latest(a, b *time.Time) *time.Time {
	if b == nil || (a != nil && !b.After(*a)) {
		return a
	}
	t := b.UTC()
	return &t
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
