package asynqtest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
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
	pem, err := os.ReadFile(topo.CA.File)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	ctx := context.Background()
	firstHost, _, _ := net.SplitHostPort(topo.Sentinels[0].Addr)
	for _, p := range append([]*asynqtest.Server{topo.Master, topo.Replica}, topo.Sentinels...) {
		if err := p.Client(t).Ping(ctx).Err(); err != nil {
			t.Errorf("%s over TLS: %v", p.Addr, err)
		}
		host, _, _ := net.SplitHostPort(p.Addr)
		for name, cfg := range map[string]*tls.Config{
			"no TLS": nil, "the first sentinel's name": {RootCAs: roots, ServerName: firstHost},
		} {
			if cfg != nil && host == firstHost {
				continue
			}
			c := redis.NewClient(&redis.Options{Addr: p.Addr, TLSConfig: cfg, MaxRetries: -1})
			err := c.Ping(ctx).Err()
			c.Close()
			var verr *tls.CertificateVerificationError
			switch {
			case err == nil:
				t.Errorf("%s answered a client with %s", p.Addr, name)
			case cfg != nil && !errors.As(err, &verr):
				t.Errorf("%s with %s: %v, want a certificate verification error", p.Addr, name, err)
			}
		}
	}
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
