package analysis

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// topN keeps a heap of the best; it must give the first n of a full sort
// by count, then key, whatever the map's order and however many tie.
func TestTopNMatchesFullSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 300 {
		m := map[uint32]int64{}
		for range rng.IntN(3000) {
			m[rng.Uint32N(5000)] += 1 + int64(rng.IntN(1+round%7))
		}
		all := make([]ranked[uint32], 0, len(m))
		for k, v := range m {
			all = append(all, ranked[uint32]{k, v})
		}
		slices.SortFunc(all, rankOrder[uint32])
		for _, n := range []int{0, 1, 10, 100, 1000, 5000} {
			got := topN(m, n)
			if want := all[:min(n, len(all))]; !reflect.DeepEqual(got, want) && len(want)+len(got) > 0 {
				t.Fatalf("round %d: topN(%d of %d) differs from the sorted list", round, n, len(m))
			}
		}
	}
}
