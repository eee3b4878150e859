package analysis

import (
	"bytes"
	"cmp"
	"iter"
	"maps"
	"net/netip"
	"slices"
)

// Addresses: found in messages by the masker and in headers by scanIPv4,
// counted per chunk and, by their heavy hitters, per job.

// ipCounter counts a job's addresses, IPv4 as integers, merged from its
// chunks (chunkIPs); limit > 0 bounds it like boundedCounter.
type ipCounter struct {
	v4    map[uint32]int64
	v6    map[string]int64
	limit int
}

func newIPCounter(limit int) *ipCounter {
	return &ipCounter{v4: make(map[uint32]int64), v6: make(map[string]int64), limit: limit}
}

// mergeTop adds the n most frequent addresses of a chunk: merging only
// each chunk's heavy hitters keeps a job's counts cheap and its top list
// right for any address frequent within some chunk.
func (c *ipCounter) mergeTop(o *chunkIPs, n int) {
	for _, r := range topOf(o.v4.all(), n) {
		c.v4[r.key] += r.n
	}
	for _, r := range topN(o.v6, n) {
		c.v6[r.key] += r.n
	}
	c.bound()
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
func (c *ipCounter) top(n int) []NameCount { return topAddresses(maps.All(c.v4), c.v6, n) }

// topAddresses returns the n most frequent of IPv4 and other addresses.
func topAddresses(v4 iter.Seq2[uint32, int64], v6 map[string]int64, n int) []NameCount {
	out := nameCounts(topN(v6, n))
	for _, r := range topOf(v4, n) {
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

// scanIPv4 calls fn with every IPv4 address in b and its value. It visits
// only the dots of b, which are few in a header.
func scanIPv4(b []byte, fn func([]byte, uint32)) {
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
		if v, n, ok := boundedIPv4(b[start:]); ok {
			fn(b[start:start+n], v)
			from = start + n
		}
	}
}

// boundedIPv4 reads a dotted quad at the start of b that no digit or dot
// goes on after, and returns its value and length.
func boundedIPv4(b []byte) (uint32, int, bool) {
	v, n, ok := ipv4Prefix(b)
	return v, n, ok && (n == len(b) || !isDigit(b[n]) && b[n] != '.')
}

// ipv4Prefix reads a dotted quad at the start of b: its value and length.
// A part has one to three digits and is at most 255. It runs for most
// addresses a line holds, so each part's digits are read in line, without
// a loop.
func ipv4Prefix(b []byte) (v uint32, n int, ok bool) {
	i := 0
	for part := range 4 {
		if part > 0 {
			if i >= len(b) || b[i] != '.' {
				return 0, 0, false
			}
			i++
		}
		if i >= len(b) {
			return 0, 0, false
		}
		x := uint32(b[i]) - '0'
		if x > 9 {
			return 0, 0, false
		}
		if i++; i < len(b) {
			if d := uint32(b[i]) - '0'; d <= 9 {
				x = x*10 + d
				if i++; i < len(b) {
					if d := uint32(b[i]) - '0'; d <= 9 {
						x = x*10 + d
						if i++; i < len(b) && isDigit(b[i]) {
							return 0, 0, false // four digits: no part
						}
					}
				}
			}
		}
		if x > 255 {
			return 0, 0, false
		}
		v = v<<8 | x
	}
	return v, i, true
}
