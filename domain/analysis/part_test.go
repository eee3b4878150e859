package analysis

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// facts is what a run over a file finds that a job reports, summed so that
// a single pass and a run in parts can be compared.
type facts struct {
	Lines, Entries, Bytes, Errors int64
	Levels                        map[Level]int64
	Keywords                      map[string]int64
	Minutes                       map[int64]int64
	MinTime, MaxTime              time.Time
	DistinctIPs                   int64
	// Groups counts error entries per group, keyed by the group's template
	// and exception: the partition of error entries, whatever the ids.
	Groups map[string]int64
}

func newFacts() *facts {
	return &facts{Levels: map[Level]int64{}, Keywords: map[string]int64{}, Minutes: map[int64]int64{}, Groups: map[string]int64{}}
}

// chunk adds what a chunk held.
func (f *facts) chunk(c *Chunk) {
	f.Lines += c.Lines
	f.Entries += c.Entries
	f.Bytes += c.Bytes
	for l, n := range c.Levels {
		f.Levels[l] += n
	}
	for k, n := range c.Keywords {
		f.Keywords[k] += n
	}
	for _, m := range c.Timeline {
		f.Minutes[m.Minute.Unix()] += m.Count
	}
	if !c.MinTime.IsZero() && (f.MinTime.IsZero() || c.MinTime.Before(f.MinTime)) {
		f.MinTime = c.MinTime
	}
	if c.MaxTime.After(f.MaxTime) {
		f.MaxTime = c.MaxTime
	}
}

// groups adds the error groups of a whole run, joined as merged says
// (nil for one pass).
func (f *facts) groups(gs []ErrorGroup, merged *Merged) {
	template, counts := map[string]string{}, map[string]int64{}
	for _, g := range gs {
		id, tmpl := g.ID, g.Template
		if merged != nil {
			id = merged.Into[g.ID]
			if t, ok := merged.Template[id]; ok {
				tmpl = t
			}
		}
		template[id] = g.Exception + " " + tmpl
		counts[id] += g.Count
		f.Errors += g.Count
	}
	for id, n := range counts {
		f.Groups[template[id]] += n
	}
}

// whole analyses data in one pass.
func whole(t *testing.T, data []byte, opts Options) *facts {
	t.Helper()
	f := newFacts()
	var groups []ErrorGroup
	sum, err := Analyze(context.Background(), bytes.NewReader(data), opts, func(c *Chunk) error {
		f.chunk(c)
		groups = append(groups, c.ErrorGroups...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f.DistinctIPs = sum.DistinctIPs
	f.groups(sum.ErrorGroups, nil)
	return f
}

// inParts plans data into parts of about partBytes, analyses each part on
// its own, in reverse order, and joins them.
func inParts(t *testing.T, data []byte, partBytes int64, opts Options) (*facts, int) {
	t.Helper()
	ctx := context.Background()
	parts, err := PlanParts(ctx, bytes.NewReader(data), int64(len(data)), partBytes, opts)
	if err != nil {
		t.Fatal(err)
	}
	f := newFacts()
	var all []ErrorGroup
	var sketches [][]byte
	var templates []GroupTemplate
	for _, p := range slices.Backward(parts) {
		body := data[p.Offset : p.Offset+p.Length]
		res, err := AnalyzePart(ctx, bytes.NewReader(data), bytes.NewReader(body), p, opts, func(c *Chunk) error {
			f.chunk(c)
			return nil
		})
		if err != nil {
			t.Fatalf("part at %d: %v", p.Offset, err)
		}
		all = append(all, res.Summary.ErrorGroups...)
		sketches = append(sketches, res.IPs)
		for _, g := range res.Summary.ErrorGroups {
			templates = append(templates, GroupTemplate{ID: g.ID, Template: g.Template, FirstLine: g.FirstLine})
		}
	}
	if f.DistinctIPs, err = MergeIPs(sketches); err != nil {
		t.Fatal(err)
	}
	merged := MergeGroups(templates)
	f.groups(all, &merged)
	return f, len(parts)
}

func TestPartsFindWhatOnePassFinds(t *testing.T) {
	var buf bytes.Buffer
	if err := newLogGenerator(7).writeLines(&buf, 60_000); err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.ChunkLines = 5000
	one := whole(t, buf.Bytes(), opts)
	parted, n := inParts(t, buf.Bytes(), int64(buf.Len()/5), opts)
	if n < 4 {
		t.Fatalf("planned %d parts of a file of %d bytes, want about 5", n, buf.Len())
	}
	if diff := cmp.Diff(one, parted); diff != "" {
		t.Errorf("%d parts differ from one pass (-one +parts):\n%s", n, diff)
	}
}

// TestPartsOnLoghub runs every shared Loghub set, repeated into a larger
// file (LOGPROC_PARTS_REPEAT times, 20 by default: a few million lines in
// all with 200), in one pass and in parts, and compares what they find.
func TestPartsOnLoghub(t *testing.T) {
	dir := loghubDir()
	repeat := 20
	if v := os.Getenv("LOGPROC_PARTS_REPEAT"); v != "" {
		repeat, _ = strconv.Atoi(v)
	}
	sets, _ := filepath.Glob(filepath.Join(dir, "*", "*_2k.log"))
	if len(sets) == 0 {
		t.Skipf("no Loghub sets under %s: set LOGHUB_DIR to the loghub-2k folder", dir)
	}
	for _, path := range sets {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			data := bytes.Repeat(raw, repeat)
			opts := DefaultOptions()
			opts.ChunkLines = 10_000
			one := whole(t, data, opts)
			parted, n := inParts(t, data, int64(len(data)/4), opts)
			if diff := cmp.Diff(one, parted); diff != "" {
				t.Errorf("%d parts differ from one pass (-one +parts):\n%s", n, diff)
			}
			t.Logf("%d lines in %d parts: %d error entries in %d groups", one.Lines, n, one.Errors, len(one.Groups))
		})
	}
}

// TestPartsOnLoghubConcatenated runs every shared Loghub set one after the
// other, the whole repeated LOGPROC_PARTS_REPEAT/2 times (10 by default:
// 160,000 lines; 400 gives 3.2 million), in one pass and in eight parts:
// systems meet in one file, and parts cut across their borders.
func TestPartsOnLoghubConcatenated(t *testing.T) {
	sets, _ := filepath.Glob(filepath.Join(loghubDir(), "*", "*_2k.log"))
	if len(sets) == 0 {
		t.Skipf("no Loghub sets under %s: set LOGHUB_DIR to the loghub-2k folder", loghubDir())
	}
	repeat := 10
	if v := os.Getenv("LOGPROC_PARTS_REPEAT"); v != "" {
		n, _ := strconv.Atoi(v)
		repeat = max(1, n/2)
	}
	var all []byte
	for _, path := range sets {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(raw, []byte("\n")) {
			raw = append(raw, '\n')
		}
		all = append(all, raw...)
	}
	data := bytes.Repeat(all, repeat)
	opts := DefaultOptions()
	opts.ChunkLines = 10_000
	one := whole(t, data, opts)
	parted, n := inParts(t, data, int64(len(data)/8), opts)
	if diff := cmp.Diff(one, parted); diff != "" {
		t.Errorf("%d parts differ from one pass (-one +parts):\n%s", n, diff)
	}
	t.Logf("%d lines in %d parts: %d error entries in %d groups", one.Lines, n, one.Errors, len(one.Groups))
}

// TestPartsOnLoghubInBlocks repeats each quarter of each shared set as a
// block of its own, one after the other: each part then holds other events
// of the system than the parts beside it, mines events the others never
// saw, and meets the events they share first in other words.
func TestPartsOnLoghubInBlocks(t *testing.T) {
	dir := loghubDir()
	repeat := 20
	if v := os.Getenv("LOGPROC_PARTS_REPEAT"); v != "" {
		repeat, _ = strconv.Atoi(v)
	}
	sets, _ := filepath.Glob(filepath.Join(dir, "*", "*_2k.log"))
	if len(sets) == 0 {
		t.Skipf("no Loghub sets under %s: set LOGHUB_DIR to the loghub-2k folder", dir)
	}
	for _, path := range sets {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.SplitAfter(raw, []byte("\n"))
			var data []byte
			for q := range 4 {
				block := bytes.Join(lines[q*len(lines)/4:(q+1)*len(lines)/4], nil)
				if !bytes.HasSuffix(block, []byte("\n")) {
					block = append(block, '\n')
				}
				data = append(data, bytes.Repeat(block, repeat)...)
			}
			opts := DefaultOptions()
			opts.ChunkLines = 10_000
			one := whole(t, data, opts)
			parted, n := inParts(t, data, int64(len(data)/6), opts)
			if diff := cmp.Diff(one, parted); diff != "" {
				t.Errorf("%d parts differ from one pass (-one +parts):\n%s", n, diff)
			}
			t.Logf("%d lines in %d parts: %d error entries in %d groups", one.Lines, n, one.Errors, len(one.Groups))
		})
	}
}

func TestPlanCutsOnlyAtEntries(t *testing.T) {
	var buf bytes.Buffer
	for i := range 6000 {
		fmt.Fprintf(&buf, "2026-11-27 10:00:%02d ERROR [main] Request %d failed\n", i%60, i)
		if i%5 == 0 { // a stack trace under one entry in five
			buf.WriteString("java.lang.IllegalStateException: broken\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n")
		}
	}
	data := buf.Bytes()
	parts, err := PlanParts(context.Background(), bytes.NewReader(data), int64(len(data)), int64(len(data)/6), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) < 5 {
		t.Fatalf("%d parts, want about 6", len(parts))
	}
	var end int64
	line := int64(1)
	for _, p := range parts {
		if p.Offset != end || (p.Offset > 0 && !bytes.HasPrefix(data[p.Offset:], []byte("2026-11-27"))) {
			t.Errorf("part at %d (after %d) does not start an entry: %q", p.Offset, end, data[p.Offset:p.Offset+20])
		}
		if p.FirstLine != line {
			t.Errorf("part at %d starts at line %d, want %d", p.Offset, p.FirstLine, line)
		}
		line += int64(bytes.Count(data[p.Offset:p.Offset+p.Length], []byte("\n")))
		end = p.Offset + p.Length
	}
	if end != int64(len(data)) {
		t.Errorf("parts end at %d, the file at %d", end, len(data))
	}
}

func TestPlanLeavesWholeWhatCannotBeCut(t *testing.T) {
	var buf bytes.Buffer
	for i := range 5000 { // no header, no time: where an entry starts takes the lines before
		fmt.Fprintf(&buf, "step %d of the batch went fine\n  with detail %d\n", i, i)
	}
	data := buf.Bytes()
	parts, err := PlanParts(context.Background(), bytes.NewReader(data), int64(len(data)), int64(len(data)/4), DefaultOptions())
	if err != nil || len(parts) != 1 || parts[0].Length != int64(len(data)) {
		t.Errorf("parts = %+v, %v; want the whole file as one", parts, err)
	}
}

func TestMergeGroupsDoesNotDependOnOrder(t *testing.T) {
	gs := []GroupTemplate{
		{ID: "E3", Template: "user <*> logged in from <*>", FirstLine: 900},
		{ID: "E1", Template: "user alice logged in from <*>", FirstLine: 10},
		{ID: "E2", Template: "disk <*> full", FirstLine: 20},
		{ID: "E4", Template: "disk sda1 full", FirstLine: 5000},
		{ID: "X9", Template: "boom", FirstLine: 1},
		{ID: "E5", Template: "user <*> logged out", FirstLine: 30},
	}
	want := map[string]string{"E1": "E1", "E3": "E1", "E2": "E2", "E4": "E2", "X9": "X9", "E5": "E5"}
	for i := range 10 {
		shuffled := slices.Clone(gs)
		sort.Slice(shuffled, func(a, b int) bool { return (a*7+i)%len(gs) < (b*7+i)%len(gs) })
		if got := MergeGroups(shuffled); !maps.Equal(got.Into, want) {
			t.Fatalf("order %d: %v, want %v", i, got.Into, want)
		}
	}
	got := MergeGroups(gs).Template
	if got["E1"] != "user <*> logged in from <*>" || got["E2"] != "disk <*> full" {
		t.Errorf("joined templates = %v, want the most general of each set", got)
	}
}

func TestTokenCovers(t *testing.T) {
	cases := []struct {
		general, specific string
		want              bool
	}{
		{"blk_<*>", "blk_42", true}, {"blk_<*>", "blk_<*>", true}, {"<*>", "anything", true},
		{"<*>:<*>", "10.0.0.1:80", true}, {"a<*>b", "ab", true}, {"a<*>b", "acb", true},
		{"a<*>b", "ac", false}, {"blk_42", "blk_<*>", false}, {"x", "y", false},
	}
	for _, c := range cases {
		if got := tokenCovers(c.general, c.specific); got != c.want {
			t.Errorf("tokenCovers(%q, %q) = %v, want %v", c.general, c.specific, got, c.want)
		}
	}
}

// TestPlanWithoutTheSizeIsThePlanForTheSize plans texts of several shapes
// as an upload does, before their size is known, and as the worker does,
// knowing it: every plan of several parts is the same, cut for cut, and
// whenever the planner with the size keeps a file whole, so does the one
// without.
func TestPlanWithoutTheSizeIsThePlanForTheSize(t *testing.T) {
	texts := map[string][]byte{}
	var traces bytes.Buffer
	for i := range 9000 {
		fmt.Fprintf(&traces, "2026-11-27 10:%02d:%02d ERROR [main] Request %d failed\n", i/60%60, i%60, i)
		if i%7 == 0 {
			traces.WriteString("java.lang.IllegalStateException: broken\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n")
		}
	}
	texts["stamped with traces"] = traces.Bytes()
	texts["hdfs-like"] = hdfsLog(20000, 3)
	texts["log4j-like"] = generatedLog(20000, 5)
	var plain bytes.Buffer
	for i := range 8000 {
		fmt.Fprintf(&plain, "step %d of the batch went fine\n  with detail %d\n", i, i)
	}
	texts["cannot be cut"] = plain.Bytes()
	for name, data := range texts {
		size := int64(len(data))
		// Parts of size/2 to size/9 leave every kind of remainder after the
		// last cut, below, at and above half a part.
		var sizes []int64
		for k := int64(20); k <= 90; k += 3 {
			sizes = append(sizes, size*10/k)
		}
		for _, partBytes := range append(sizes, size/2+1, size) {
			sized, err := PlanParts(context.Background(), bytes.NewReader(data), size, partBytes, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			unsized, err := PlanParts(context.Background(), bytes.NewReader(data), -1, partBytes, DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case len(sized) == 1 && len(unsized) == 1:
			case !slices.Equal(sized, unsized):
				t.Errorf("%s in parts of %d bytes: without the size %+v, with it %+v", name, partBytes, unsized, sized)
			}
			if name != "cannot be cut" && partBytes <= size/3 && len(sized) < 2 {
				t.Errorf("%s in parts of %d bytes: one part; the test wants texts that are cut", name, partBytes)
			}
		}
	}
}

// A part of a text file is read as the lines it holds, whatever its first
// bytes look like: a part that starts with a line beginning as a bzip2
// archive, a PDF, a GIF or gzip does, or with bytes the binary check of a
// file's head refuses, is analysed, every line of it counted.
func TestAPartIsNotSniffedForAFileType(t *testing.T) {
	for _, start := range []string{"BZh91AY&SY restored\n", "%PDF-1.4 attached\n", "GIF89a thumbnail\n",
		"\x1f\x8b\x08 stray bytes\n", "\x00\x00\x00\x00\x00\x00\x00\x00 nul run\n"} {
		t.Run(strconv.Quote(start[:4]), func(t *testing.T) {
			var buf bytes.Buffer
			gen := newLogGenerator(11)
			for range 3 {
				if err := gen.writeLines(&buf, 3000); err != nil {
					t.Fatal(err)
				}
				buf.WriteString(start)
			}
			data := buf.Bytes()
			opts := DefaultOptions()
			opts.ChunkLines = 1000
			// A part from each odd line to the end of the file.
			for off, line := 0, int64(1); ; {
				i := bytes.Index(data[off:], []byte(start))
				if i < 0 {
					break
				}
				line += int64(bytes.Count(data[off:off+i], []byte("\n")))
				off += i
				p := Part{Offset: int64(off), Length: int64(len(data) - off), FirstLine: line}
				body := data[off:]
				var lines int64
				_, err := AnalyzePart(context.Background(), bytes.NewReader(data), bytes.NewReader(body), p, opts,
					func(c *Chunk) error { lines += c.Lines; return nil })
				if err != nil {
					t.Errorf("the part from line %d, starting with %q: %v", line, start, err)
				} else if want := int64(bytes.Count(body, []byte("\n"))); lines != want {
					t.Errorf("the part from line %d counted %d lines, want %d", line, lines, want)
				}
				off += len(start)
				line++
			}
		})
	}
}
