package analysis

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"
)

// Memory is measured here, never asserted: Analyze streams a generated log
// of 1M and then 10M lines that never sits in memory, while a sampler
// records the peak of the heap in use.
//
//	GOMAXPROCS=1 go test ./domain/analysis -run '^$' -bench AnalyzeMemory -benchtime 1x
func BenchmarkAnalyzeMemory(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		b.Run(strconv.Itoa(n/1_000_000)+"M", func(b *testing.B) {
			for range b.N {
				peak := peakHeapDuring(func() {
					if _, err := Analyze(context.Background(), newGeneratorReader(n, 1), Options{}, func(*Chunk) error { return nil }); err != nil {
						b.Fatal(err)
					}
				})
				b.ReportMetric(float64(peak.objects)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(peak.live)/(1<<20), "peak-live-MiB")
			}
		})
	}
}

// heapPeak is the most heap seen: in objects (garbage included, so it
// follows the collector's pacing) and live after a collection.
type heapPeak struct {
	objects, live uint64
}

// peakHeapDuring runs f and returns the peaks of the heap while it ran,
// sampled every few milliseconds.
func peakHeapDuring(f func()) heapPeak {
	runtime.GC()
	done := make(chan struct{})
	result := make(chan heapPeak)
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		var peak heapPeak
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak.objects = max(peak.objects, sample[0].Value.Uint64())
			peak.live = max(peak.live, sample[1].Value.Uint64())
			select {
			case <-done:
				result <- peak
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(done)
	return <-result
}

// TestWriteGeneratedLog writes a generated log for timing the CLI:
//
//	LOGPROC_GEN_OUT=/tmp/gen.log LOGPROC_GEN_LINES=1000000 go test ./domain/analysis -run WriteGeneratedLog
//
// LOGPROC_GEN_KIND=hdfs writes the HDFS-like file of BenchmarkAnalyzeHDFS,
// LOGPROC_GEN_KIND=openstack the OpenStack-like one of
// BenchmarkAnalyzeOpenStack.
func TestWriteGeneratedLog(t *testing.T) {
	path := os.Getenv("LOGPROC_GEN_OUT")
	if path == "" {
		t.Skip("set LOGPROC_GEN_OUT (and LOGPROC_GEN_LINES) to write a generated log")
	}
	n, err := strconv.Atoi(os.Getenv("LOGPROC_GEN_LINES"))
	if err != nil || n <= 0 {
		n = 1_000_000
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	switch os.Getenv("LOGPROC_GEN_KIND") {
	case "hdfs":
		_, err = f.Write(hdfsLog(n, 1))
	case "openstack":
		_, err = f.Write(openStackLog(n, 1))
	default:
		err = newLogGenerator(1).writeLines(f, n)
	}
	if err != nil {
		t.Fatal(err)
	}
}
