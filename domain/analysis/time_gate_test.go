package analysis

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// timestampHitsByParse is timestampHits without the gates: every layout
// parsed at every field start.
func timestampHitsByParse(sample [][]byte) [][]int {
	hits := make([][]int, maxTsField)
	for k := range hits {
		hits[k] = make([]int, len(tsCandidates))
	}
	for _, line := range sample {
		for k, start := range appendFieldStarts(nil, line, maxTsField) {
			for ci, l := range tsCandidates {
				if _, _, ok := parseTsField(l, line, start); ok {
					hits[k][ci]++
				}
			}
		}
	}
	return hits
}

// tsFragments build fields that reach every layout's first elements: runs
// of digits of every length, the layouts' separators, names, brackets.
var tsFragments = []string{
	"0", "1", "2", "9", "12", "31", "59", "60", "99", "081109", "203616", "2024", "20240305", "17", "05",
	"1117838570", "1117838570123", "9999999999", "0000000000", "123456789012345678",
	"-", "/", ".", ":", ",", " ", "  ", "T", "Z", "_", "[", "]", "|", "\t", "+0200", "-07:00", "x", "ab",
	"Jan", "jun", "MAY", "Sept", "Mon", "tue", "Wednesday", "Sun,", "Ma", "Ju", "Oct", "dec", "UTC", "GMT",
	"PM", "am", "INFO", "blk_", "e", "é", "\x00", "2024-03-05", "10:00:00", "14:36:53.123", "Jul  3",
}

func randomTsLine(rng *rand.Rand) []byte {
	var b []byte
	for range 1 + rng.IntN(14) {
		b = append(b, tsFragments[rng.IntN(len(tsFragments))]...)
	}
	return b
}

// Every layout a head leaves out fails to parse there, and the hit counts
// with the gates are those of parsing every layout everywhere.
func TestTimestampGatesAsParse(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	var sample [][]byte
	for range 100_000 {
		line := randomTsLine(rng)
		sample = append(sample, line)
		for pos := 0; pos <= len(line); pos++ {
			inner, _ := openTsBracket(line, pos)
			h := readTsHead(line, inner)
			set := tsGates.admitted(&h)
			for ci, l := range tsCandidates {
				if set&(1<<ci) != 0 {
					continue
				}
				if _, _, ok := parseTsField(l, line, pos); ok {
					t.Fatalf("%q at %d: %s parses, but the gate left it out (head %+v)", line, pos, l.spec, h)
				}
			}
		}
	}
	samples := [][][]byte{sample}
	for _, path := range gateSampleFiles(t) {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, bytes.Split(raw, []byte("\n")))
	}
	for i, s := range samples {
		got, want := timestampHits(s), timestampHitsByParse(s)
		for k := range want {
			for ci := range want[k] {
				if got[k][ci] != want[k][ci] {
					t.Errorf("sample %d, field %d, %s: %d hits through the gates, %d by parsing", i, k, tsCandidates[ci].spec, got[k][ci], want[k][ci])
				}
			}
		}
		if g, w := bestTimestamp(got, len(s)), bestTimestamp(want, len(s)); g != w {
			t.Errorf("sample %d: %+v through the gates, %+v by parsing", i, g, w)
		}
	}
}

// gateSampleFiles are the real logs at hand: the corpus and the Loghub sets.
func gateSampleFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir("testdata/corpus", func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasSuffix(path, ".sh") {
			out = append(out, path)
		}
		return nil
	})
	sets, _ := filepath.Glob(filepath.Join(loghubDir(), "*", "*_2k.log"))
	return append(out, sets...)
}

// The packed names answer as nameInto does.
func TestPackedNamesAsNameInto(t *testing.T) {
	for a := range 256 {
		for _, rest := range []string{"an", "AN", "ec", "on", "ue", "un", "ri", "ed", "hu", "at", "pr", "ay", "ug", "xx", "a\x00"} {
			b := append([]byte{byte(a)}, rest...)
			var n int
			_, month := nameInto(b, 0, monthNames[:], &n)
			_, weekday := nameInto(b, 0, weekdayNames[:], &n)
			h := readTsHead(b, 0)
			if h.month != month || h.weekday != weekday {
				t.Fatalf("%q: head %+v, nameInto month %v weekday %v", b, h, month, weekday)
			}
		}
	}
}
