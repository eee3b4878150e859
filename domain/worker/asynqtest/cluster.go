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
}

// StartCluster starts n cluster-enabled nodes, gives each a contiguous
// share of the slots and introduces them to each other, as
// `redis-cli --cluster create` does, and returns once every node reports the
// cluster ok.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{}
	for i := range n {
		c.Nodes = append(c.Nodes, startServer(t, fmt.Sprintf("node%d", i+1), "", true,
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
			"--save", "", "--appendonly", "no"))
	}
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
	return c
}

// URL is the REDIS_URL of the cluster: every node.
func (c *Cluster) URL() string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return "redis-cluster://" + strings.Join(addrs, ",")
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
