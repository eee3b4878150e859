package analysis

import (
	"math"
	"math/bits"
)

// distinctCounter counts distinct 64-bit hashes: exactly up to exactLimit,
// then with a HyperLogLog sketch (precision 14, about 0.8% error).
type distinctCounter struct {
	exact *hashSet
	hll   []uint8
}

const (
	exactLimit   = 1 << 16
	hllPrecision = 14
)

func (d *distinctCounter) add(h uint64) { d.addMixed(mix64(h)) }

// hllAddTo records a mixed value in HyperLogLog registers.
func hllAddTo(regs []uint8, h uint64) {
	idx := h >> (64 - hllPrecision)
	rank := uint8(bits.LeadingZeros64(h<<hllPrecision|1<<(hllPrecision-1)) + 1)
	if rank > regs[idx] {
		regs[idx] = rank
	}
}

// count returns the number of distinct values added.
func (d *distinctCounter) count() int64 {
	if d.hll == nil {
		return int64(d.exact.len())
	}
	m := float64(len(d.hll))
	sum, zeros := 0.0, 0
	for _, r := range d.hll {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	est := 0.7213 / (1 + 1.079/m) * m * m / sum
	if est <= 2.5*m && zeros > 0 {
		est = m * math.Log(m/float64(zeros))
	}
	return int64(est + 0.5)
}

// hashSet is a set of mixed 64-bit hashes: open addressing with linear
// probing in a power-of-two table at most three quarters full. The values
// are already mixed, so their low bits pick the slot. A job's distinct
// addresses fill one to exactLimit in a few milliseconds, where a map
// spent as long again splitting and clearing its tables as it grew.
type hashSet struct {
	slots []uint64 // 0 marks an empty slot
	n     int      // values in slots
	zero  bool     // 0 is in the set
}

// minHashSlots is a new set's table size.
const minHashSlots = 64

// len returns the number of values in the set; a nil set is empty.
func (s *hashSet) len() int {
	if s == nil {
		return 0
	}
	if s.zero {
		return s.n + 1
	}
	return s.n
}

// add puts h in the set.
func (s *hashSet) add(h uint64) {
	if h == 0 {
		s.zero = true
		return
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		s.grow()
	}
	s.put(h)
}

// put places h in a table with room for it.
func (s *hashSet) put(h uint64) {
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return
		case h:
			return
		}
	}
}

// grow doubles the table.
func (s *hashSet) grow() {
	old := s.slots
	s.slots, s.n = make([]uint64, max(minHashSlots, 2*len(old))), 0
	for _, h := range old {
		if h != 0 {
			s.put(h)
		}
	}
}

// each calls fn with every value of the set, in no particular order.
func (s *hashSet) each(fn func(uint64)) {
	if s == nil {
		return
	}
	if s.zero {
		fn(0)
	}
	for _, h := range s.slots {
		if h != 0 {
			fn(h)
		}
	}
}
