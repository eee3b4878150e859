package asynqtest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

// clusterSlots is the number of hash slots of a Redis Cluster.
const clusterSlots = 16384

// Cluster is a Redis Cluster of masters only, each a process of the test's
// own holding an equal share of the hash slots.
type Cluster struct {
	Nodes []*Server
	// CA, for a cluster of StartTLSCluster, issued the nodes' certificates.
	CA *CA
}

// StartCluster starts n cluster-enabled nodes, gives each a contiguous
// share of the slots and introduces them to each other, as
// `redis-cli --cluster create` does, and returns once every node reports the
// cluster ok.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{}
	for i := range n {
		c.Nodes = append(c.Nodes, startServer(t, fmt.Sprintf("node%d", i+1), "", true, clusterArgs...))
	}
	c.form(t)
	return c
}

// clusterArgs are the options of a cluster node.
var clusterArgs = []string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
	"--save", "", "--appendonly", "no"}

// StartTLSCluster starts a cluster as StartCluster does whose nodes speak
// TLS only, to clients and to each other (--tls-cluster), with
// certificates of a CA of the test's own (Cluster.CA). Node i listens on
// 127.0.0.i and its certificate names that address alone (a system that
// cannot bind those addresses skips the test, see loopbackAddrs), so that a client must verify each node against the
// address it dials: one that verified every node against the first
// address of REDIS_URL would fail on the others. CertificateName has the
// certificates name a DNS name instead.
func StartTLSCluster(t testing.TB, n int, opts ...TLSOption) *Cluster {
	t.Helper()
	c := &Cluster{CA: NewCA(t)}
	o := tlsOptionsOf(opts)
	for i, ip := range loopbackAddrs(t, n) {
		args := append([]string{"--tls-cluster", "yes", "--tls-replication", "yes"}, clusterArgs...)
		if ip != loopback {
			// Its address to the other nodes: the one it binds, not the
			// 127.0.0.1 its connections would come from.
			args = append(args, "--cluster-announce-ip", ip, "--bind-source-addr", ip)
		}
		c.Nodes = append(c.Nodes, startTLS(t, spec{name: fmt.Sprintf("node%d", i+1), host: ip, bus: true,
			args: args, tls: c.CA.serverTLS(t, ip, o)}))
	}
	c.form(t)
	return c
}

// form gives each node a contiguous share of the slots and introduces
// them to each other, and waits until every node reports the cluster ok.
func (c *Cluster) form(t testing.TB) {
	t.Helper()
	n := len(c.Nodes)
	ctx := context.Background()
	for i, node := range c.Nodes {
		slots := make([]int, 0, clusterSlots/n+1)
		for s := i * clusterSlots / n; s < (i+1)*clusterSlots/n; s++ {
			slots = append(slots, s)
		}
		if err := node.Client(t).ClusterAddSlots(ctx, slots...).Err(); err != nil {
			t.Fatalf("asynqtest: CLUSTER ADDSLOTS on %s: %v", node.Addr, err)
		}
	}
	first := c.Nodes[0].Client(t)
	for _, node := range c.Nodes[1:] {
		host, port, _ := net.SplitHostPort(node.Addr)
		if err := first.ClusterMeet(ctx, host, port).Err(); err != nil {
			t.Fatalf("asynqtest: CLUSTER MEET %s: %v", node.Addr, err)
		}
	}
	c.waitOK(t)
}

// URL is the REDIS_URL of the cluster: every node, over TLS for a cluster
// of StartTLSCluster.
func (c *Cluster) URL() string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	scheme := "redis-cluster://"
	if c.CA != nil {
		scheme = "rediss-cluster://"
	}
	return scheme + strings.Join(addrs, ",")
}

// waitOK waits until every node knows every other and all slots are served.
func (c *Cluster) waitOK(t testing.TB) {
	t.Helper()
	for _, node := range c.Nodes {
		client := node.Client(t)
		deadline := time.Now().Add(failoverGuard)
		for {
			info, err := client.ClusterInfo(context.Background()).Result()
			if err == nil && infoField(info, "cluster_state") == "ok" &&
				infoField(info, "cluster_known_nodes") == fmt.Sprint(len(c.Nodes)) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("asynqtest: node %s never reported the cluster ok: %s %v", node.Addr, info, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
