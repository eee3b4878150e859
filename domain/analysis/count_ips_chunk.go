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
	pend   []uint32
	keys   []uint32 // sorted, distinct
	counts []int64
	tmp    []uint32 // radix sort scratch
}

// v4Batch is how many addresses wait before they are counted: 256 KiB.
const v4Batch = 1 << 16

func (b *v4Batches) add(v uint32) {
	if b.pend == nil {
		b.pend = make([]uint32, 0, v4Batch)
	}
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

// flush sorts the pending addresses and merges their runs into the counts,
// in place from the back: the keys grow by the addresses they lacked, and
// no second copy of them is made.
func (b *v4Batches) flush() {
	if len(b.pend) == 0 {
		return
	}
	b.tmp = radixSort(b.pend, b.tmp)
	old := len(b.keys)
	n := old + newKeys(b.keys, b.pend)
	b.keys, b.counts = growTo(b.keys, n), growTo(b.counts, n)
	i, w := old-1, n-1
	for p := len(b.pend) - 1; p >= 0; {
		v, q := b.pend[p], p-1
		for q >= 0 && b.pend[q] == v {
			q--
		}
		for i >= 0 && b.keys[i] > v {
			b.keys[w], b.counts[w] = b.keys[i], b.counts[i]
			i, w = i-1, w-1
		}
		c := int64(p - q)
		if i >= 0 && b.keys[i] == v {
			c += b.counts[i]
			i--
		}
		b.keys[w], b.counts[w] = v, c
		w, p = w-1, q
	}
	b.pend = b.pend[:0]
}

// growTo returns s lengthened to n, its capacity at least doubled when it
// must grow: append's quarter steps would copy a large table many times.
func growTo[T any](s []T, n int) []T {
	if n > cap(s) {
		grown := make([]T, len(s), max(n, 2*cap(s)))
		copy(grown, s)
		s = grown
	}
	return s[:n]
}

// newKeys returns how many distinct values of sorted pend sorted keys lacks.
func newKeys(keys, pend []uint32) int {
	n, i := 0, 0
	for p, v := range pend {
		if p > 0 && v == pend[p-1] {
			continue
		}
		for i < len(keys) && keys[i] < v {
			i++
		}
		if i == len(keys) || keys[i] != v {
			n++
		}
	}
	return n
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
