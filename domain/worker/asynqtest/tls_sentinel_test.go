package asynqtest_test

import (
	"context"
	"crypto/tls"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain/worker/asynqtest"
)

// TestTLSSentinelNamesEachProcess checks what the app's TLS Sentinel test
// rests on: every process, servers and sentinels, answers over TLS only; a
// client trusting the topology's CA and verifying each process against the
// address it dials reaches every one; where the processes have addresses of
// their own, one verifying every process against the first sentinel's
// address is refused by the others; and the sentinels, which reach the
// servers and each other over TLS, name the master and the replica at the
// addresses they listen on.
func TestTLSSentinelNamesEachProcess(t *testing.T) {
	topo := asynqtest.StartTLSSentinel(t, time.Hour)
	checkTLSAlone(t, topo.CA, append([]*asynqtest.Server{topo.Master, topo.Replica}, topo.Sentinels...), topo.Sentinels[0])
	roots := caPool(t, topo.CA)
	ctx := context.Background()
	for _, sn := range topo.Sentinels {
		c := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr, TLSConfig: &tls.Config{RootCAs: roots}})
		defer c.Close()
		master, err := c.GetMasterAddrByName(ctx, asynqtest.SentinelMaster).Result()
		if err != nil || len(master) != 2 || net.JoinHostPort(master[0], master[1]) != topo.Master.Addr {
			t.Errorf("sentinel %s names the master %v (%v), want %s", sn.Addr, master, err, topo.Master.Addr)
		}
		replicas, err := c.Replicas(ctx, asynqtest.SentinelMaster).Result()
		if err != nil || len(replicas) != 1 ||
			net.JoinHostPort(replicas[0]["ip"], replicas[0]["port"]) != topo.Replica.Addr {
			t.Errorf("sentinel %s names the replicas %v (%v), want %s", sn.Addr, replicas, err, topo.Replica.Addr)
		}
	}
}
