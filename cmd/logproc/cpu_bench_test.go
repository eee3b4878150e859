package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cpuMeter reads the CPU time spent by this process (the app and the
// benchmark's client) and by the services beside it (every PostgreSQL and
// Redis process), so that a benchmark can tell how much of the machine a
// job used and who used it, whatever else runs on the machine.
type cpuMeter struct{ self, services time.Duration }

// clockTick is Linux's USER_HZ, the unit of /proc/PID/stat.
const clockTick = 10 * time.Millisecond

// readCPU returns the meter now. Without /proc, the services read 0.
func readCPU() cpuMeter {
	var m cpuMeter
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		m.self = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, path := range stats {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ... utime stime: fields 14 and 15.
		s := string(data)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		comm := s[open+1 : end]
		if comm != "postgres" && !strings.HasPrefix(comm, "redis-server") {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		m.services += time.Duration(utime+stime) * clockTick
	}
	return m
}

// plus adds two meters' readings.
func (m cpuMeter) plus(o cpuMeter) cpuMeter {
	return cpuMeter{self: m.self + o.self, services: m.services + o.services}
}

// report reports the meter per run of what: the CPU seconds of this process
// (cpu-s-app/what) and of PostgreSQL and Redis (cpu-s-services/what).
func (m cpuMeter) report(b *testing.B, what string, runs float64) {
	b.ReportMetric(m.self.Seconds()/runs, "cpu-s-app/"+what)
	b.ReportMetric(m.services.Seconds()/runs, "cpu-s-services/"+what)
}

// since returns the CPU time used from m to now.
func (m cpuMeter) since() cpuMeter {
	now := readCPU()
	return cpuMeter{self: now.self - m.self, services: now.services - m.services}
}

// resetPeakRSS starts this process's peak resident size afresh (Linux's
// clear_refs); peakRSS reads it in MiB, or 0 where Linux's /proc is missing.
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// stolen returns the time the hypervisor has taken from this machine's
// CPUs, all together (the steal column of Linux's /proc/stat), or 0 where
// it is not told: time this virtual machine wanted to run and did not.
func stolen() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	// cpu user nice system idle iowait irq softirq steal ...
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	steal, _ := strconv.ParseInt(f[8], 10, 64)
	return time.Duration(steal) * clockTick
}
