package domain

import (
	"sort"
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

func trimCounts(m map[string]int64, limit int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys[limit:] {
		delete(m, k)
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
