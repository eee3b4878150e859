package asynqtest_test

import (
	"testing"
	"time"

	"github.com/logproc/logproc/domain/worker/asynqtest"
)

// BenchmarkSentinelFailover measures, per operation, the time from a
// master's SIGKILL until every sentinel names the replica master, with
// down-after-milliseconds at one second (the figure in the README). Run it
// with -benchtime 5x: each operation starts a topology of its own, outside
// the timing.
func BenchmarkSentinelFailover(b *testing.B) {
	for range b.N {
		b.StopTimer()
		topo := asynqtest.StartSentinel(b, time.Second)
		b.StartTimer()
		topo.Master.Kill()
		topo.WaitMaster(b, topo.Replica.Addr)
		b.StopTimer()
		topo.Stop()
	}
}
