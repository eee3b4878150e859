package analysis

import (
	"math"
	"math/bits"
)

// distinctCounter counts distinct 64-bit hashes: exactly up to exactLimit,
// then with a HyperLogLog sketch (precision 14, about 0.8% error).
type distinctCounter struct {
	exact map[uint64]struct{}
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
		return int64(len(d.exact))
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
