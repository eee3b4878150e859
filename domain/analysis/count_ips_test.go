package analysis

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Addresses glued to a path or a key (after '/' or '=') are counted like
// the others, and only real dotted quads are.
func TestMaskRecordsIPsAfterSeparators(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Receiving block blk_1 src: /10.250.19.102:54106 dest: /10.250.19.103:50010", []string{"10.250.19.102", "10.250.19.103"}},
		{"Served block blk_2 to /10.250.7.1", []string{"10.250.7.1"}},
		{"login ip=10.0.0.7 port=22 from 10.0.0.6", []string{"10.0.0.7", "10.0.0.6"}},
		{`peer addr='10.0.0.8' via="10.0.0.12" GET http://10.0.0.9:8080/x`, []string{"10.0.0.8", "10.0.0.12", "10.0.0.9"}},
		{"conn {src=10.0.0.10, dst=10.0.0.11} a=1,b=10.0.0.13", []string{"10.0.0.10", "10.0.0.11", "10.0.0.13"}},
		{"ver=1.2.3.4.5 /999.1.1.1 =v1.2.3.4 cidr=10.0.0.0/24 date=2024/01/02 /1.2.3", []string{"10.0.0.0"}},
	}
	for _, tt := range tests {
		var m masker
		msg := []byte(tt.in)
		m.mask(msg)
		var got []string
		for _, s := range m.ips {
			got = append(got, string(msg[s.start:s.end]))
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("mask(%q): ips %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A chunk and the summary count addresses after '/' and '=' too, and
// distinct_ips counts them once each.
func TestAnalyzeCountsIPsAfterSeparators(t *testing.T) {
	text := joinLines(
		"081109 203615 148 INFO dfs.DataNode$DataXceiver: Receiving block blk_1 src: /10.250.19.102:54106 dest: /10.250.19.103:50010",
		"081109 203616 148 INFO dfs.DataNode$DataXceiver: 10.250.19.103:50010 Served block blk_2 to /10.250.19.102",
		"081109 203617 148 INFO dfs.DataNode$DataXceiver: login ip=10.0.0.7 user=root",
		"081109 203618 148 INFO dfs.DataNode$DataXceiver: login ip=10.0.0.7 user=news")
	chunks, sum := analyzeString(t, text, Options{})
	want := map[string]int64{"10.250.19.102": 2, "10.250.19.103": 2, "10.0.0.7": 2}
	if c := chunks[0]; !reflect.DeepEqual(c.IPs, want) || c.DistinctIPs != 3 {
		t.Errorf("chunk ips %v, distinct %d; want %v, 3", c.IPs, c.DistinctIPs, want)
	}
	if len(sum.IPs) != 3 || sum.DistinctIPs != 3 {
		t.Errorf("summary ips %v, distinct %d; want 3 of each", sum.IPs, sum.DistinctIPs)
	}
}

// ipRankLog writes chunks of 1000 lines in which ten addresses are
// frequent in every chunk but never among a chunk's 30 most frequent, and
// each chunk has 30 busier addresses of its own. Over the whole file the
// ten lead.
func ipRankLog(chunks int) (string, map[string]int64) {
	var b strings.Builder
	exact := map[string]int64{}
	line := func(ip string) {
		fmt.Fprintf(&b, "2024-01-01 10:00:00 INFO api: GET / from %s\n", ip)
		exact[ip]++
	}
	for c := range chunks {
		for i := range 30 {
			for range 24 {
				line(fmt.Sprintf("10.1.%d.%d", c, i))
			}
		}
		for i := range 10 {
			for range 20 {
				line(fmt.Sprintf("10.9.0.%d", i))
			}
		}
		for i := range 80 {
			line(fmt.Sprintf("10.2.%d.%d", c, i))
		}
	}
	return b.String(), exact
}

// exactTop returns the n largest counts of m, largest first.
func exactTop(m map[string]int64, n int) []NameCount {
	var out []NameCount
	for k, v := range m {
		out = append(out, NameCount{k, v})
	}
	slices.SortFunc(out, func(a, b NameCount) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return out[:min(n, len(out))]
}

// checkTop says what is wrong with got as the top of exact: the counts
// must be the n largest, each the address's exact count (ties may be
// broken either way).
func checkTop(got []NameCount, exact map[string]int64, n int) string {
	want := exactTop(exact, n)
	if len(got) != len(want) {
		return fmt.Sprintf("%d entries, want %d", len(got), len(want))
	}
	for i, nc := range got {
		if nc.Count != want[i].Count || exact[nc.Name] != nc.Count {
			return fmt.Sprintf("entry %d is %v (exact count %d), want count %d", i, nc, exact[nc.Name], want[i].Count)
		}
	}
	return ""
}

// The summary lists 20 addresses, and a chunk lists enough of its own that
// the sum of the chunks' lists gives a job its right top 20, counts and
// all, even when each of those addresses ranks past 20 within every chunk.
func TestChunkIPListsGiveTheJobsTop20(t *testing.T) {
	text, exact := ipRankLog(4)
	chunks, sum := analyzeString(t, text, Options{ChunkLines: 1000})
	if len(chunks) != 4 {
		t.Fatalf("%d chunks, want 4", len(chunks))
	}
	if top := exactTop(exact, 10); top[9].Count != 80 || top[9].Name != "10.9.0.9" {
		t.Fatalf("the test file's top ten end with %v, want 10.9.0.9 80 times", top[9])
	}
	if msg := checkTop(sum.IPs, exact, 20); msg != "" {
		t.Errorf("summary top IPs: %s", msg)
	}
	summed := map[string]int64{}
	for _, c := range chunks {
		if len(c.IPs) != defaultChunkTopIPs {
			t.Errorf("chunk %d lists %d addresses, want %d", c.Index, len(c.IPs), defaultChunkTopIPs)
		}
		for ip, n := range c.IPs {
			summed[ip] += n
		}
	}
	if msg := checkTop(exactTop(summed, 20), exact, 20); msg != "" {
		t.Errorf("top 20 of the summed chunk lists: %s", msg)
	}
	// Lists of 20 a chunk would lose the ten addresses that lead the file.
	chunks, _ = analyzeString(t, text, Options{ChunkLines: 1000, ChunkTopIPs: 20})
	clear(summed)
	for _, c := range chunks {
		for ip, n := range c.IPs {
			summed[ip] += n
		}
	}
	if summed["10.9.0.0"] != 0 || checkTop(exactTop(summed, 20), exact, 20) == "" {
		t.Errorf("with 20 a chunk, 10.9.0.0 summed to %d; the test no longer tells list lengths apart", summed["10.9.0.0"])
	}
}

// ipv4Prefix reads what netip reads as an IPv4 address (leading zeros
// aside, which it allows), value and all, and nothing else.
func TestIPv4Prefix(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("0123456789....x:")
	for range 200_000 {
		b := make([]byte, 1+rng.IntN(18))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		v, n, ok := ipv4Prefix(b)
		if !ok {
			if a, err := netip.ParseAddr(string(b)); err == nil && a.Is4() {
				t.Fatalf("ipv4Prefix(%q) fails, netip reads %v", b, a)
			}
			continue
		}
		text := string(b[:n])
		want, err := netip.ParseAddr(text)
		if slices.ContainsFunc(strings.Split(text, "."), func(p string) bool { return len(p) > 1 && p[0] == '0' }) {
			continue // leading zeros: netip refuses them
		}
		if err != nil || want.As4() != [4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} {
			t.Fatalf("ipv4Prefix(%q) = %d, %d; netip reads %q as %v (%v)", b, v, n, text, want, err)
		}
	}
}

// The batched IPv4 counts are a map's counts, in address order, across
// batches and resets.
func TestV4BatchesCountLikeAMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var b v4Batches
	for round := range 6 {
		want := map[uint32]int64{}
		for range rng.IntN(3 * v4Batch) {
			v := rng.Uint32()
			if round%2 == 0 {
				v = 10<<24 | rng.Uint32N(1<<uint(4+2*round)) // a few bytes shared, or few addresses
			}
			b.add(v)
			want[v]++
		}
		got := map[uint32]int64{}
		prev, first := uint32(0), true
		for k, n := range b.all() {
			if !first && k <= prev {
				t.Fatalf("round %d: %d after %d, not in order", round, k, prev)
			}
			prev, first = k, false
			got[k] = n
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: %d addresses counted, want %d, or counts differ", round, len(got), len(want))
		}
		b.reset()
	}
}

// ipv4Prefix gives what the loop it replaced gave (ipv4PrefixLoop, kept
// here as the reference), on random bytes that make many near-addresses.
func TestIPv4PrefixAsLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	alphabet := []byte("0123456789012345....9x: ")
	for range 500_000 {
		b := make([]byte, rng.IntN(20))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		v, n, ok := ipv4Prefix(b)
		wv, wn, wok := ipv4PrefixLoop(b)
		if v != wv || n != wn || ok != wok {
			t.Fatalf("ipv4Prefix(%q) = %d, %d, %v; the loop gives %d, %d, %v", b, v, n, ok, wv, wn, wok)
		}
	}
}

func ipv4PrefixLoop(b []byte) (v uint32, n int, ok bool) {
	i := 0
	for part := range 4 {
		if part > 0 {
			if i >= len(b) || b[i] != '.' {
				return 0, 0, false
			}
			i++
		}
		x, j := ipv4PartLoop(b, i)
		if j == i || x > 255 {
			return 0, 0, false
		}
		v, i = v<<8|x, j
	}
	return v, i, true
}

func ipv4PartLoop(b []byte, i int) (uint32, int) {
	if i >= len(b) || !isDigit(b[i]) {
		return 0, i
	}
	x := uint32(b[i] - '0')
	for k := 1; k <= 3; k++ {
		if i+k >= len(b) || !isDigit(b[i+k]) {
			return x, i + k
		}
		if k == 3 {
			return 256, i + k // four digits: no part
		}
		x = x*10 + uint32(b[i+k]-'0')
	}
	return x, i + 3
}

// A chunk's IPv4 counts allocate about what they hold: the keys and counts
// grow by doubling, merged in place, not copied into a second pair that
// append grows a quarter at a time. 400,000 addresses drawn from 150,000
// give about 140,000 distinct ones, 1.7 MB of keys and counts; the tables
// they grew through may add up to a few times that. (Measured with
// runtime.MemStats, the merge before allocated 11 times what it held; the
// tables are read here instead, which no other goroutine's allocations or
// the race detector's can sway.)
func TestV4BatchesAllocateAboutWhatTheyHold(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var b v4Batches
	var grown int64 // bytes of every keys and counts table b held
	keys, counts := -1, -1
	note := func() {
		if cap(b.keys) != keys {
			keys, grown = cap(b.keys), grown+4*int64(cap(b.keys))
		}
		if cap(b.counts) != counts {
			counts, grown = cap(b.counts), grown+8*int64(cap(b.counts))
		}
	}
	for range 400_000 {
		b.add(10<<24 | rng.Uint32N(150_000))
		note()
	}
	distinct := 0
	for range b.all() {
		distinct++
	}
	note()
	held := int64(distinct) * (4 + 8)
	t.Logf("%d distinct addresses: %d bytes held, %d bytes of tables grown through", distinct, held, grown)
	if grown > 3*held {
		t.Errorf("counting %d distinct addresses (%d bytes of keys and counts) grew tables of %d bytes, more than 3 times what they hold", distinct, held, grown)
	}
}
