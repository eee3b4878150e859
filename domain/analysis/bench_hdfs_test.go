package analysis

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// hdfsLog returns n lines in the shape of a Hadoop DataNode and NameNode
// log: "081109 203615 148 INFO dfs.DataNode$PacketResponder: ...", the
// message kinds of such a file with their block ids, addresses, sizes and
// paths. It is deterministic for a seed. Every line is written for the
// benchmark; none is copied from a log.
func hdfsLog(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d))
	ip := func() string { return fmt.Sprintf("10.%d.%d.%d", 250+rng.IntN(2), rng.IntN(256), rng.IntN(256)) }
	blk := func() int64 { return rng.Int64() - rng.Int64()/2 }
	var b bytes.Buffer
	b.Grow(n * 120)
	sec := 20*3600 + 36*60 + 15
	for i := 0; i < n; i++ {
		if i%7 == 0 {
			sec = (sec + 1) % 86400
		}
		fmt.Fprintf(&b, "081109 %02d%02d%02d %d INFO ", sec/3600, sec/60%60, sec%60, 20+rng.IntN(700))
		switch r := rng.IntN(100); {
		case r < 30:
			fmt.Fprintf(&b, "dfs.DataNode$PacketResponder: PacketResponder %d for block blk_%d terminating", rng.IntN(3), blk())
		case r < 55:
			fmt.Fprintf(&b, "dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: %s:50010 is added to blk_%d size %d", ip(), blk(), 67108864-rng.IntN(4)*1024)
		case r < 70:
			fmt.Fprintf(&b, "dfs.DataNode$DataXceiver: Receiving block blk_%d src: /%s:%d dest: /%s:50010", blk(), ip(), 30000+rng.IntN(30000), ip())
		case r < 82:
			fmt.Fprintf(&b, "dfs.DataNode$PacketResponder: Received block blk_%d of size %d from /%s", blk(), 67108864-rng.IntN(4)*1024, ip())
		case r < 88:
			fmt.Fprintf(&b, "dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/_task_200811092030_0001_m_%06d_0/part-%05d. blk_%d", rng.IntN(1000), rng.IntN(1000), blk())
		case r < 94:
			fmt.Fprintf(&b, "dfs.DataNode$DataXceiver: %s:50010 Served block blk_%d to /%s", ip(), blk(), ip())
		case r < 98:
			fmt.Fprintf(&b, "dfs.DataBlockScanner: Verification succeeded for blk_%d", blk())
		default:
			fmt.Fprintf(&b, "dfs.FSDataset: Deleting block blk_%d file /mnt/hadoop/dfs/data/current/subdir%d/blk_%d", blk(), rng.IntN(64), blk())
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkAnalyzeHDFS runs a generated HDFS-like file: few message kinds,
// many distinct values, no levels but INFO.
func BenchmarkAnalyzeHDFS(b *testing.B) {
	data := hdfsLog(benchLines, 1)
	benchmarkAnalyze(b, data, bytes.Count(data, []byte{'\n'}))
}

// BenchmarkAnalyzeGzip runs the HDFS-like file gzip-compressed, and the
// same text plain in alternation: gzip-vs-plain is the ratio of their
// times (medians of the iterations), which decompressing ahead, on a core
// of its own, brings near 1 where the engine is the slower of the two.
func BenchmarkAnalyzeGzip(b *testing.B) {
	data := hdfsLog(benchLines, 1)
	gz := gzipped(b, func(w io.Writer) { w.Write(data) })
	b.Run("decompress-only", func(b *testing.B) {
		// What one goroutine can decompress: the bound of any reading of a
		// gzip file, however many cores analyse its text.
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, zr); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("analyse", func(b *testing.B) { benchmarkGzipBesidePlain(b, data, gz) })
}

// benchmarkGzipBesidePlain analyses gz and its text data in turn.
func benchmarkGzipBesidePlain(b *testing.B, data, gz []byte) {
	run := func(in []byte) time.Duration {
		start := time.Now()
		if _, err := Analyze(context.Background(), bytes.NewReader(in), Options{}, func(*Chunk) error { return nil }); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	var ratios []float64
	var zipped time.Duration
	for b.Loop() {
		z := run(gz)
		ratios, zipped = append(ratios, z.Seconds()/run(data).Seconds()), zipped+z
	}
	slices.Sort(ratios)
	b.ReportMetric(float64(benchLines)*float64(b.N)/zipped.Seconds(), "lines/s")
	b.ReportMetric(float64(len(data))*float64(b.N)/zipped.Seconds()/1e6, "text-MB/s")
	b.ReportMetric(ratios[len(ratios)/2], "gzip-vs-plain")
}

// TestHDFSGeneratorShape keeps the generated file a log the engine reads as
// the real one: a level column and eight message kinds.
func TestHDFSGeneratorShape(t *testing.T) {
	sum, err := Analyze(context.Background(), bytes.NewReader(hdfsLog(5000, 1)), Options{}, func(*Chunk) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Lines != 5000 || sum.Levels[LevelInfo] != 5000 || sum.Templates != 8 {
		t.Errorf("%d lines, levels %v, %d templates; want 5000 INFO lines in 8 templates", sum.Lines, sum.Levels, sum.Templates)
	}
}

// BenchmarkPlanParts plans a generated HDFS-like file in parts of 8 MiB:
// the serial pass a job in parts makes before its parts run.
func BenchmarkPlanParts(b *testing.B) {
	data := hdfsLog(benchLines, 1)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		parts, err := PlanParts(context.Background(), bytes.NewReader(data), int64(len(data)), 8<<20, Options{})
		if err != nil || len(parts) < 2 {
			b.Fatalf("%d parts, err %v", len(parts), err)
		}
	}
}
