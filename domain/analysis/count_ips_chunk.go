package analysis

import "iter"

// chunkIPs counts the addresses of one chunk. IPv4 addresses are appended
// as they come and counted a batch at a time, sorted: a chunk of HDFS-like
// lines holds some 30,000 distinct addresses, and counting each occurrence
// in a table that size missed the cache at nearly every line.
type chunkIPs struct {
	v4 v4Batches
	v6 map[string]int64
}

func newChunkIPs() *chunkIPs { return &chunkIPs{v6: make(map[string]int64)} }

func (c *chunkIPs) addV4(v uint32) { c.v4.add(v) }
func (c *chunkIPs) addV6(b []byte) { c.v6[string(b)]++ }

// countDistinct adds a hash of every address counted to d: feeding a
// chunk's addresses once each at its end costs less than feeding every
// occurrence.
func (c *chunkIPs) countDistinct(d *distinctCounter) {
	c.v4.flush()
	for _, v := range c.v4.keys {
		d.add(uint64(v) | 1<<40)
	}
	for s := range c.v6 {
		d.add(hashBytes(s))
	}
}

// top returns the n most frequent addresses, most frequent first.
func (c *chunkIPs) top(n int) []NameCount { return topAddresses(c.v4.all(), c.v6, n) }

// reset empties the counter, keeping its memory for the next chunk.
func (c *chunkIPs) reset() {
	c.v4.reset()
	clear(c.v6)
}

// v4Batches counts IPv4 addresses: pending ones are sorted and merged into
// the sorted distinct keys and their counts once a batch is full or the
// counts are read.
type v4Batches struct {
	pend    []uint32
	keys    []uint32 // sorted, distinct
	counts  []int64
	tmp     []uint32 // radix sort scratch
	mkeys   []uint32 // merge scratch
	mcounts []int64
}

// v4Batch is how many addresses wait before they are counted: 256 KiB.
const v4Batch = 1 << 16

func (b *v4Batches) add(v uint32) {
	b.pend = append(b.pend, v)
	if len(b.pend) >= v4Batch {
		b.flush()
	}
}

// all yields every address and its count, in address order.
func (b *v4Batches) all() iter.Seq2[uint32, int64] {
	b.flush()
	return func(yield func(uint32, int64) bool) {
		for i, k := range b.keys {
			if !yield(k, b.counts[i]) {
				return
			}
		}
	}
}

func (b *v4Batches) reset() {
	b.pend, b.keys, b.counts = b.pend[:0], b.keys[:0], b.counts[:0]
}

// flush sorts the pending addresses and merges their runs into the counts.
func (b *v4Batches) flush() {
	if len(b.pend) == 0 {
		return
	}
	b.tmp = radixSort(b.pend, b.tmp)
	mk, mc := b.mkeys[:0], b.mcounts[:0]
	i := 0
	for p := 0; p < len(b.pend); {
		v, q := b.pend[p], p+1
		for q < len(b.pend) && b.pend[q] == v {
			q++
		}
		for i < len(b.keys) && b.keys[i] < v {
			mk, mc = append(mk, b.keys[i]), append(mc, b.counts[i])
			i++
		}
		n := int64(q - p)
		if i < len(b.keys) && b.keys[i] == v {
			n += b.counts[i]
			i++
		}
		mk, mc = append(mk, v), append(mc, n)
		p = q
	}
	mk, mc = append(mk, b.keys[i:]...), append(mc, b.counts[i:]...)
	b.keys, b.mkeys, b.counts, b.mcounts = mk, b.keys, mc, b.counts
	b.pend = b.pend[:0]
}

// radixSort sorts a in place, a byte at a time from the lowest, with tmp
// (returned, grown as needed) as scratch. A byte all values share is
// skipped.
func radixSort(a, tmp []uint32) []uint32 {
	if cap(tmp) < len(a) {
		tmp = make([]uint32, len(a))
	}
	tmp = tmp[:len(a)]
	src, dst := a, tmp
	for shift := 0; shift < 32; shift += 8 {
		var count [256]int
		for _, v := range src {
			count[v>>shift&0xff]++
		}
		if count[src[0]>>shift&0xff] == len(src) {
			continue
		}
		pos := 0
		for i, c := range count {
			count[i] = pos
			pos += c
		}
		for _, v := range src {
			d := v >> shift & 0xff
			dst[count[d]] = v
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
	return tmp
}
