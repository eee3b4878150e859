package analysis

import (
	"bytes"
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// Speed is measured here, never asserted by tests. On one core:
//
//	GOMAXPROCS=1 go test ./domain/analysis -run '^$' -bench Analyze -benchtime 3x
//
// Besides wall-clock throughput, the benchmark reports lines per second of
// CPU time used by the process, which stays meaningful on a shared machine.

const benchLines = 1_000_000

func BenchmarkAnalyze(b *testing.B) {
	data := generatedLog(benchLines, 1)
	benchmarkAnalyze(b, data, bytes.Count(data, []byte{'\n'}))
}

// BenchmarkAnalyzeFormats runs the same messages in other formats: JSON
// lines and syslog (no levels, so entries are also searched for error words).
func BenchmarkAnalyzeFormats(b *testing.B) {
	text := generatedLog(benchLines, 1)
	for _, f := range []struct {
		name    string
		convert func(date, clock, level, comp, msg []byte) []byte
	}{{"json", jsonLine}, {"syslog", syslogLine}} {
		b.Run(f.name, func(b *testing.B) {
			data := convertLog(text, f.convert)
			benchmarkAnalyze(b, data, bytes.Count(data, []byte{'\n'}))
		})
	}
}

func benchmarkAnalyze(b *testing.B, data []byte, lines int) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cpu := cpuTime()
	b.ResetTimer()
	for range b.N {
		if _, err := Analyze(context.Background(), bytes.NewReader(data), Options{}, func(*Chunk) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu = cpuTime() - cpu
	runtime.ReadMemStats(&after)
	total := float64(lines) * float64(b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(total/cpu.Seconds(), "lines/cpu-s")
	b.ReportMetric(float64(len(data))*float64(b.N)/cpu.Seconds()/1e6, "MB/cpu-s")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/total, "allocs/line")
}

// cpuTime returns the user and system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
