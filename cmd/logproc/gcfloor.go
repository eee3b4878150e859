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
	percent := debug.SetGCPercent(100)
	debug.SetGCPercent(percent)
	if floor == 0 || percent < 0 {
		return func() {}
	}
	h := &heapFloor{floor: floor, percent: percent,
		sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	h.tune()
	return h.stop
}

// tune sets GOGC for the live heap the last cycle left, and arms itself to
// run again after the next cycle.
func (h *heapFloor) tune() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return
	}
	debug.SetGCPercent(percentFor(h.floor, h.percent, h.liveHeap()))
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

func (h *heapFloor) liveHeap() uint64 {
	metrics.Read(h.sample)
	if h.sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return h.sample[0].Value.Uint64()
}

// percentFor is the GOGC that lets a heap of live bytes grow by floor bytes
// before the next cycle, or by percent of it if that is more.
func percentFor(floor uint64, percent int, live uint64) int {
	if live == 0 {
		return percent
	}
	return max(percent, int(min(floor*100/live, 1<<20)))
}

// gcSentinel is an object whose only use is its finalizer; it holds a
// pointer so that it is never one of the tiny allocations the runtime
// packs together, whose finalizers may never run.
type gcSentinel struct {
	h *heapFloor
	_ [16]byte
}
