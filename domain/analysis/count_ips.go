package analysis

import (
	"bytes"
	"cmp"
	"net/netip"
	"slices"
)

// Addresses: found in messages by the masker and in headers by scanIPv4,
// counted per chunk and, by their heavy hitters, per job.

// ipCounter counts address occurrences, IPv4 as integers so that counting
// allocates nothing; limit > 0 bounds it like boundedCounter.
type ipCounter struct {
	v4    map[uint32]int64
	v6    map[string]int64
	limit int
}

func newIPCounter(limit int) *ipCounter {
	return &ipCounter{v4: make(map[uint32]int64), v6: make(map[string]int64), limit: limit}
}

// add counts an address and returns a hash of it for distinct counting.
func (c *ipCounter) add(b []byte, n int64) uint64 {
	h := uint64(0)
	if v, ok := parseIPv4(b); ok {
		c.v4[v] += n
		h = uint64(v) | 1<<40
	} else {
		c.v6[string(b)] += n
		h = hashBytes(b)
	}
	c.bound()
	return h
}

// mergeTop adds the n most frequent addresses of o: merging only each
// chunk's heavy hitters keeps a job's counts cheap and its top list right
// for any address frequent within some chunk.
func (c *ipCounter) mergeTop(o *ipCounter, n int) {
	for _, r := range topN(o.v4, n) {
		c.v4[r.key] += r.n
	}
	for _, r := range topN(o.v6, n) {
		c.v6[r.key] += r.n
	}
	c.bound()
}

// reset empties the counter, keeping its memory for the next chunk.
func (c *ipCounter) reset() {
	clear(c.v4)
	clear(c.v6)
}

func (c *ipCounter) bound() {
	if c.limit > 0 && len(c.v4) > 2*c.limit {
		prune(c.v4, c.limit)
	}
	if c.limit > 0 && len(c.v6) > 2*c.limit {
		prune(c.v6, c.limit)
	}
}

// top returns the n most frequent addresses, most frequent first.
func (c *ipCounter) top(n int) []NameCount {
	out := nameCounts(topN(c.v6, n))
	for _, r := range topN(c.v4, n) {
		out = append(out, NameCount{ipv4String(r.key), r.n})
	}
	slices.SortFunc(out, func(a, b NameCount) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out[:min(n, len(out))]
}

func ipv4String(v uint32) string {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

func parseIPv4(b []byte) (uint32, bool) {
	n, ok := ipv4Len(b)
	if !ok || n != len(b) {
		return 0, false
	}
	var v, part uint32
	for _, c := range b {
		if c == '.' {
			v, part = v<<8|part, 0
			continue
		}
		part = part*10 + uint32(c-'0')
	}
	return v<<8 | part, true
}

// scanIPv4 calls fn with every IPv4 address in b. It visits only the dots
// of b, which are few in a header.
func scanIPv4(b []byte, fn func([]byte)) {
	for from := 0; from < len(b); {
		dot := bytes.IndexByte(b[from:], '.')
		if dot < 0 {
			return
		}
		dot += from
		start := dot
		for start > 0 && dot-start < 3 && isDigit(b[start-1]) {
			start--
		}
		from = dot + 1
		if start == dot || start > 0 && (isDigit(b[start-1]) || isLetter(b[start-1]) || b[start-1] == '.') {
			continue
		}
		if n, ok := boundedIPv4Len(b[start:]); ok {
			fn(b[start : start+n])
			from = start + n
		}
	}
}

// boundedIPv4Len reads a dotted quad at the start of b that no digit or
// dot goes on after, and returns its length.
func boundedIPv4Len(b []byte) (int, bool) {
	n, ok := ipv4Len(b)
	return n, ok && (n == len(b) || !isDigit(b[n]) && b[n] != '.')
}

// ipv4Len reads a dotted quad at the start of b and returns its length.
func ipv4Len(b []byte) (int, bool) {
	i := 0
	for part := range 4 {
		if part > 0 {
			if i >= len(b) || b[i] != '.' {
				return 0, false
			}
			i++
		}
		v, n := 0, 0
		for ; i < len(b) && isDigit(b[i]) && n < 4; i++ {
			v, n = v*10+int(b[i]-'0'), n+1
		}
		if n == 0 || n > 3 || v > 255 {
			return 0, false
		}
	}
	return i, true
}
