package asynqtest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"testing"

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
	pem, err := os.ReadFile(c.CA.File)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	ctx := context.Background()
	firstHost, _, _ := net.SplitHostPort(c.Nodes[0].Addr)
	for _, node := range c.Nodes {
		if err := node.Client(t).Ping(ctx).Err(); err != nil {
			t.Errorf("%s over TLS: %v", node.Addr, err)
		}
		for name, cfg := range map[string]*tls.Config{
			"no TLS": nil, "the first node's name": {RootCAs: roots, ServerName: firstHost},
		} {
			host, _, _ := net.SplitHostPort(node.Addr)
			if name != "no TLS" && host == firstHost {
				continue
			}
			plain := redis.NewClient(&redis.Options{Addr: node.Addr, TLSConfig: cfg, MaxRetries: -1})
			err := plain.Ping(ctx).Err()
			plain.Close()
			var verr *tls.CertificateVerificationError
			switch {
			case err == nil:
				t.Errorf("%s answered a client with %s", node.Addr, name)
			case cfg != nil && !errors.As(err, &verr):
				t.Errorf("%s with %s: %v, want a certificate verification error", node.Addr, name, err)
			}
		}
	}
}
