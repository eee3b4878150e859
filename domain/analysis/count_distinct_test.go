package analysis

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The hash set holds what a map would: the same values, counted the same,
// through its growth, with 0 and repeated values among them.
func TestHashSetAsMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for round := range 4 {
		var s hashSet
		want := map[uint64]struct{}{}
		universe := uint64(1) << (8 + 4*round)
		for i := range 3 * exactLimit / (round + 1) {
			h := mix64(rng.Uint64N(universe))
			switch i % 97 {
			case 0:
				h = 0
			case 1:
				h = uint64(i) // unmixed, clustered low values
			}
			s.add(h)
			want[h] = struct{}{}
			if s.len() != len(want) {
				t.Fatalf("round %d, value %d: %d values, want %d", round, i, s.len(), len(want))
			}
		}
		var got, exp []uint64
		s.each(func(h uint64) { got = append(got, h) })
		for h := range want {
			exp = append(exp, h)
		}
		slices.Sort(got)
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Fatalf("round %d: the set holds %d values, the map %d, or other ones", round, len(got), len(exp))
		}
	}
	var empty *hashSet
	if empty.len() != 0 {
		t.Fatal("a nil set is not empty")
	}
}
