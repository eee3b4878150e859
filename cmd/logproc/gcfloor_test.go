package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
)

func TestPercentFor(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		floor   uint64
		base    gcBase
		percent int
		want    int
	}{
		{64 * mib, gcBase{4 * mib, 4 * mib}, 100, 1600},      // room for 64 MiB above 4 MiB
		{64 * mib, gcBase{3 * mib, 4 * mib}, 100, 1600},      // the stacks and globals scanned count
		{64 * mib, gcBase{48 * mib, 48 * mib}, 100, 133},     // rounded down
		{64 * mib, gcBase{64 * mib, 64 * mib}, 100, 100},     // as much live as the floor: GOGC's room is as much
		{64 * mib, gcBase{1024 * mib, 1024 * mib}, 100, 100}, // GOGC gives more room than the floor
		{64 * mib, gcBase{4 * mib, 4 * mib}, 2000, 2000},     // a GOGC set higher is kept
		{64 * mib, gcBase{8 * mib, 8 * mib}, 50, 800},        // a GOGC set lower is raised as well
		{1 * mib, gcBase{mib / 2, mib / 2}, 50, 50},          // a floor within the runtime's minimum heap changes nothing
		{64 * mib, gcBase{0, 0}, 100, 100},                   // nothing read yet
		{64 * mib, gcBase{90 << 10, 1 * mib}, 100, 1602},     // little live: the runtime's minimum heap, 4 MiB × GOGC/100, stays at live + floor
		{1 << 50, gcBase{1 * mib, 1 * mib}, 100, 1 << 20},    // bounded
		{1 << 62, gcBase{1 << 40, 1 << 40}, 100, 1 << 20},    // floor × 100 does not overflow
	} {
		if got := percentFor(tt.floor, tt.percent, tt.base); got != tt.want {
			t.Errorf("percentFor(%d, %d, %+v) = %d, want %d", tt.floor, tt.percent, tt.base, got, tt.want)
		}
	}
}

// heapGoal returns the collector's goal and the live heap.
func heapGoal() (goal, live uint64) {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64(), s[1].Value.Uint64()
}

// settle collects until the finalizer that sets GOGC after a cycle has run
// and the collector's goal is as ok says, or gives up after a hundred
// cycles; it returns the goal and the live heap.
func settle(ok func(goal, live uint64) bool) (goal, live uint64) {
	for range 100 {
		runtime.GC()
		runtime.Gosched()
		if goal, live = heapGoal(); ok(goal, live) {
			break
		}
	}
	return goal, live
}

// TestHeapFloorSetsTheGoal checks the collector's goal after each cycle:
// the live heap plus the floor while little is live (and never the far
// larger goal the runtime's minimum heap would give), GOGC's own once more
// is live than the floor, and the floor's again once that is gone. So the
// floor is set again after every cycle, not once.
func TestHeapFloorSetsTheGoal(t *testing.T) {
	const floor, slack = 64 << 20, 2 << 20
	percent := debug.SetGCPercent(100)
	defer debug.SetGCPercent(percent)
	stop := setHeapFloor(floor)
	defer stop()
	aboveFloor := func(goal, live uint64) bool { return goal+slack >= live+floor && goal <= live+floor+slack }
	if goal, live := settle(aboveFloor); !aboveFloor(goal, live) {
		t.Fatalf("goal %d MiB with %d MiB live, want about %d MiB", goal>>20, live>>20, (live+floor)>>20)
	}
	sink = make([]byte, 4*floor)
	gogcs := func(goal, live uint64) bool { return goal >= 2*live-slack && live >= 4*floor }
	if goal, live := settle(gogcs); !gogcs(goal, live) {
		t.Errorf("goal %d MiB with %d MiB live, want GOGC's twice the live heap", goal>>20, live>>20)
	}
	sink = nil
	if goal, live := settle(aboveFloor); !aboveFloor(goal, live) {
		t.Errorf("goal %d MiB once %d MiB are live again, want about %d MiB", goal>>20, live>>20, (live+floor)>>20)
	}
}

// TestHeapFloorSpacesCollections allocates the same garbage, 256 MiB in
// pieces of 64 KiB while little is live, with and without a floor of
// 64 MiB, and counts the collections: the runtime alone collects every few
// MiB; with the floor, every 64 MiB or so. Stopping the floor gives GOGC
// back its value, and GOGC=off is left off.
func TestHeapFloorSpacesCollections(t *testing.T) {
	const floor = 64 << 20
	collections := func() uint32 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 256 << 20 / (64 << 10) {
			sink = make([]byte, 64<<10)
		}
		runtime.ReadMemStats(&after)
		return after.NumGC - before.NumGC
	}
	percent := debug.SetGCPercent(100)
	defer debug.SetGCPercent(percent)
	alone := collections()
	stop := setHeapFloor(floor)
	floored := collections()
	stop()
	if floored < 2 || floored > 256/64+2 || alone < 2*floored {
		t.Errorf("collections over 256 MiB of garbage: %d with a 64 MiB floor, %d without; want 2 to 6 with, twice as many without", floored, alone)
	}
	if got := gcPercent(); got != 100 {
		t.Errorf("GOGC after the floor stopped = %d, want 100", got)
	}
	debug.SetGCPercent(-1)
	stop = setHeapFloor(floor)
	if got := gcPercent(); got != -1 {
		t.Errorf("GOGC=off became %d under a floor, want it left off", got)
	}
	stop()
	debug.SetGCPercent(100)
}

var sink []byte
