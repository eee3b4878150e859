package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// A worker's live heap is small, a few MB (the jobs' state, a chunk being
// analysed), while it allocates about a hundred MB for each million lines.
// The collector starts a cycle each time the heap has grown by GOGC percent
// of what was live, and no sooner than at 4 MB: so it ran every 4 MB or so,
// thirty times a job, and in a job analysed in parts on two cores it took
// about a tenth of the CPU (see Benchmarks). GC_MIN_HEAP gives the heap that
// much room to grow between two cycles whatever is live: after each cycle,
// GOGC is set so that the next one starts once the heap has grown by
// GC_MIN_HEAP, or by the percent GOGC gives (100 unless set), whichever is
// more. A process then holds up to GC_MIN_HEAP of garbage more than it
// would; GOMEMLIMIT, where set, still bounds the whole.

// heapFloor keeps the collector's goal at least floor bytes above the live
// heap.
type heapFloor struct {
	floor   uint64
	percent int // GOGC as the process started: the environment's, or 100
	sample  []metrics.Sample

	mu      sync.Mutex
	stopped bool
}

// setHeapFloor makes the collector wait for the heap to grow by floor bytes
// between cycles, until stop is called, which gives GOGC back its value. It
// does nothing for a floor of 0, or when GOGC=off.
func setHeapFloor(floor uint64) (stop func()) {
	percent := gcPercent()
	if floor == 0 || percent < 0 {
		return func() {}
	}
	h := &heapFloor{floor: floor, percent: percent, sample: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/stack:bytes"}, {Name: "/gc/scan/globals:bytes"}}}
	h.tune()
	return h.stop
}

// gcPercent is GOGC as it stands: -1 when off.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 100
	}
	return int(int64(s[0].Value.Uint64()))
}

// tune sets GOGC for the heap the last cycle left, and arms itself to run
// again after the next cycle. A sentinel allocated while a cycle marks
// survives that cycle, so the next tune may come a cycle later; GOGC then
// stays as it was set for one more cycle.
func (h *heapFloor) tune() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return
	}
	debug.SetGCPercent(percentFor(h.floor, h.percent, h.read()))
	// The sentinel becomes garbage at once; its finalizer runs after the
	// cycle that finds it so.
	runtime.SetFinalizer(&gcSentinel{h: h}, func(s *gcSentinel) { s.h.tune() })
}

func (h *heapFloor) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stopped = true
	debug.SetGCPercent(h.percent)
}

// read returns what the collector's goal grows from: the live heap, and
// the stacks and globals it scans.
func (h *heapFloor) read() gcBase {
	metrics.Read(h.sample)
	var v [3]uint64
	for i, s := range h.sample {
		if s.Value.Kind() == metrics.KindUint64 {
			v[i] = s.Value.Uint64()
		}
	}
	return gcBase{live: v[0], scanned: v[0] + v[1] + v[2]}
}

// gcBase is what the collector sets its goal from: its goal is live plus
// GOGC percent of scanned, and never below the runtime's minimum heap,
// 4 MiB times GOGC/100.
type gcBase struct {
	live, scanned uint64
}

// minHeap is the runtime's minimum heap at GOGC=100.
const minHeap = 4 << 20

// percentFor is the GOGC that lets the heap grow by floor bytes before the
// next cycle, or by percent of what is scanned if that is more. It is
// bounded so that the runtime's minimum heap, which grows with GOGC, stays
// at or below the live heap plus the floor: with little live, the minimum
// would otherwise put the goal far above the floor.
func percentFor(floor uint64, percent int, b gcBase) int {
	if b.scanned == 0 {
		return percent
	}
	p := float64(floor) * 100 / float64(b.scanned)
	p = min(p, float64(b.live+floor)*100/minHeap, 1<<20)
	return max(percent, int(p))
}

// gcSentinel is an object whose only use is its finalizer; it holds a
// pointer so that it is never one of the tiny allocations the runtime
// packs together, whose finalizers may never run.
type gcSentinel struct {
	h *heapFloor
}
