package analysis

import (
	"encoding/binary"
	"errors"
	"slices"
)

// sketchExactMax is how many distinct values a sketch lists exactly (64
// KiB of hashes); past it a sketch carries the HyperLogLog registers (16
// KiB), and the join of the parts is an estimate where one pass might have
// counted exactly.
const sketchExactMax = 8192

// Sketch kinds: the first byte of a sketch.
const (
	sketchExact = 'e' // sorted 8-byte hashes
	sketchHLL   = 'h' // 1<<hllPrecision registers
)

// sketch returns the counter's values in a form that parts of one file can
// send and join: the hashes themselves while they are few, else the
// HyperLogLog registers.
func (d *distinctCounter) sketch() []byte {
	if d.hll == nil && d.exact.len() <= sketchExactMax {
		hs := make([]uint64, 0, d.exact.len())
		d.exact.each(func(h uint64) { hs = append(hs, h) })
		slices.Sort(hs)
		out := make([]byte, 1, 1+8*len(hs))
		out[0] = sketchExact
		for _, h := range hs {
			out = binary.BigEndian.AppendUint64(out, h)
		}
		return out
	}
	regs := d.hll
	if regs == nil {
		regs = make([]uint8, 1<<hllPrecision)
		d.exact.each(func(h uint64) { hllAddTo(regs, h) })
	}
	return append([]byte{sketchHLL}, regs...)
}

// MergeIPs returns the number of distinct addresses in the parts whose
// sketches (PartResult.IPs) are given: exact when every part listed its
// addresses and the union is within the exact limit, else an estimate of
// the same precision as a single pass's.
func MergeIPs(sketches [][]byte) (int64, error) {
	var d distinctCounter
	for _, s := range sketches {
		switch {
		case len(s) == 0:
			return 0, errors.New("merge distinct addresses: an empty sketch")
		case s[0] == sketchExact && (len(s)-1)%8 == 0:
			for i := 1; i < len(s); i += 8 {
				d.addMixed(binary.BigEndian.Uint64(s[i:]))
			}
		case s[0] == sketchHLL && len(s) == 1+1<<hllPrecision:
			d.toHLL()
			for i, r := range s[1:] {
				d.hll[i] = max(d.hll[i], r)
			}
		default:
			return 0, errors.New("merge distinct addresses: not a sketch")
		}
	}
	return d.count(), nil
}

// addMixed adds a value already mixed by add.
func (d *distinctCounter) addMixed(h uint64) {
	if d.hll != nil {
		hllAddTo(d.hll, h)
		return
	}
	if d.exact == nil {
		d.exact = &hashSet{}
	}
	d.exact.add(h)
	if d.exact.len() > exactLimit {
		d.toHLL()
	}
}

// toHLL moves the exact values into registers.
func (d *distinctCounter) toHLL() {
	if d.hll != nil {
		return
	}
	regs := make([]uint8, 1<<hllPrecision)
	d.exact.each(func(h uint64) { hllAddTo(regs, h) })
	d.hll, d.exact = regs, nil
}
