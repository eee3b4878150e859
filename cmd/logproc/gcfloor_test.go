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
		floor, live uint64
		percent     int
		want        int
	}{
		{64 * mib, 4 * mib, 100, 1600},   // room for 64 MiB above 4 MiB live
		{64 * mib, 48 * mib, 100, 133},   // rounded down
		{64 * mib, 64 * mib, 100, 100},   // live as large as the floor: GOGC's room is as much
		{64 * mib, 1024 * mib, 100, 100}, // GOGC gives more room than the floor
		{64 * mib, 4 * mib, 2000, 2000},  // a GOGC set higher is kept
		{1 * mib, 512 * 1024, 50, 200},   // a GOGC set lower is raised as well
		{64 * mib, 0, 100, 100},          // nothing live read yet
		{1 << 40, 1, 100, 1 << 20},       // bounded
	} {
		if got := percentFor(tt.floor, tt.percent, tt.live); got != tt.want {
			t.Errorf("percentFor(%d, %d, %d) = %d, want %d", tt.floor, tt.percent, tt.live, got, tt.want)
		}
	}
}

// TestHeapFloorSpacesCollections allocates the same garbage, 256 MiB in
// pieces of 64 KiB while little is live, with and without a floor of
// 64 MiB, and counts the collections: the runtime alone collects every few
// MiB; with the floor, every 64 MiB or so. Stopping the floor gives GOGC
// back its value.
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
	if floored > 256/64+2 || alone < 2*floored {
		t.Errorf("collections over 256 MiB of garbage: %d with a 64 MiB floor, %d without; want at most 6 with, twice as many without", floored, alone)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC after the floor stopped = %d, want 100", got)
	}
	debug.SetGCPercent(-1)
	stop = setHeapFloor(floor)
	if got := debug.SetGCPercent(-1); got != -1 {
		t.Errorf("GOGC=off became %d under a floor, want it left off", got)
	}
	stop()
	debug.SetGCPercent(100)
}

// TestHeapFloorFollowsTheLiveHeap checks that the floor is set again after
// each collection: GOGC's own 100 percent once more is live than the floor,
// and the floor's percent again once that is gone.
func TestHeapFloorFollowsTheLiveHeap(t *testing.T) {
	const floor = 64 << 20
	percent := debug.SetGCPercent(100)
	defer debug.SetGCPercent(percent)
	stop := setHeapFloor(floor)
	defer stop()
	gogc := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	// settles collects until the finalizer that sets GOGC after a cycle has
	// run and GOGC is as ok says, or gives up after a hundred cycles.
	settles := func(ok func(uint64) bool) uint64 {
		for range 100 {
			runtime.GC()
			runtime.Gosched()
			if metrics.Read(gogc); ok(gogc[0].Value.Uint64()) {
				break
			}
		}
		return gogc[0].Value.Uint64()
	}
	if got := settles(func(p uint64) bool { return p > 100 }); got <= 100 {
		t.Fatalf("GOGC with little live = %d, want above 100", got)
	}
	sink = make([]byte, 4*floor)
	if got := settles(func(p uint64) bool { return p == 100 }); got != 100 {
		t.Errorf("GOGC with %d MiB live = %d, want 100", 4*floor>>20, got)
	}
	sink = nil
	if got := settles(func(p uint64) bool { return p > 100 }); got <= 100 {
		t.Errorf("GOGC once the live heap was freed = %d, want above 100", got)
	}
}

var sink []byte
