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

// TestTLSClusterNamesEachNode checks what the app's TLS cluster test rests
// on: the nodes answer over TLS only, a client trusting the cluster's CA
// and verifying each node against the address it dials reaches every one,
// and where the nodes have addresses of their own a client verifying every
// node against the first one's address is refused by the others.
func TestTLSClusterNamesEachNode(t *testing.T) {
	c := asynqtest.StartTLSCluster(t, 3)
	checkTLSAlone(t, c.CA, c.Nodes, c.Nodes[0])
}

// checkTLSAlone checks that each process answers over TLS only: a client
// that trusts ca and verifies the process against the address it dials
// reaches it, one without TLS is refused, and, where the processes have
// addresses of their own, one that verifies each process against first's
// address is refused by the others with a certificate verification error.
func checkTLSAlone(t *testing.T, ca *asynqtest.CA, procs []*asynqtest.Server, first *asynqtest.Server) {
	t.Helper()
	roots := caPool(t, ca)
	ctx := context.Background()
	firstHost, _, _ := net.SplitHostPort(first.Addr)
	for _, p := range procs {
		if err := p.Client(t).Ping(ctx).Err(); err != nil {
			t.Errorf("%s over TLS: %v", p.Addr, err)
		}
		host, _, _ := net.SplitHostPort(p.Addr)
		for name, cfg := range map[string]*tls.Config{
			"no TLS": nil, "the first one's name": {RootCAs: roots, ServerName: firstHost},
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
}

// caPool returns the CA's certificate as a pool of roots.
func caPool(t *testing.T, ca *asynqtest.CA) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(ca.File)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return roots
}

// TestTLSClusterOfOneName checks what the app's test of tls_server_name=
// rests on: with CertificateName the nodes form a cluster over TLS, a
// client verifying every node against the name reaches each, and one
// verifying the address it dials is refused by each.
func TestTLSClusterOfOneName(t *testing.T) {
	c := asynqtest.StartTLSCluster(t, 3, asynqtest.CertificateName("redis.test"))
	checkOneName(t, c.CA, c.Nodes)
}

// TestTLSSentinelOfOneName is TestTLSClusterOfOneName for a Sentinel
// topology: the replica and the sentinels reach the master, and the
// sentinels each other, over TLS with certificates naming redis.test alone.
func TestTLSSentinelOfOneName(t *testing.T) {
	topo := asynqtest.StartTLSSentinel(t, time.Hour, asynqtest.CertificateName("redis.test"))
	checkOneName(t, topo.CA, append([]*asynqtest.Server{topo.Master, topo.Replica}, topo.Sentinels...))
}

// checkOneName checks that each process's certificate names redis.test and
// not its address: a client of the process (verifying redis.test) reaches
// it, and one that trusts ca and verifies the address it dials is refused
// with a certificate verification error.
func checkOneName(t *testing.T, ca *asynqtest.CA, procs []*asynqtest.Server) {
	t.Helper()
	roots := caPool(t, ca)
	ctx := context.Background()
	for _, p := range procs {
		if err := p.Client(t).Ping(ctx).Err(); err != nil {
			t.Errorf("%s verified against redis.test: %v", p.Addr, err)
		}
		c := redis.NewClient(&redis.Options{Addr: p.Addr, TLSConfig: &tls.Config{RootCAs: roots}, MaxRetries: -1})
		err := c.Ping(ctx).Err()
		c.Close()
		var verr *tls.CertificateVerificationError
		if !errors.As(err, &verr) {
			t.Errorf("%s verified against its address: %v, want a certificate verification error", p.Addr, err)
		}
	}
}
