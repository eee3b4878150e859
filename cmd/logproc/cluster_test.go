package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain/worker/asynqtest"
)

// TestEndToEndOnRedisCluster runs the app on a three-node Redis Cluster of
// its own: the reconciler settles a job whose task was deleted through the
// queue UI, jobs complete with exact numbers, and the queue status, the
// queue metrics and the worker's health check read the cluster.
func TestEndToEndOnRedisCluster(t *testing.T) {
	runOnCluster(t, asynqtest.StartCluster(t, 3))
}

// TestEndToEndOnRedisClusterOverTLS does the same on a cluster that speaks
// TLS only, with certificates of a CA of its own given as
// REDIS_TLS_CA_FILE; each node has an address and a certificate of its own
// (127.0.0.1, .2, .3), so the app must verify each node against the address
// it dials, those it learns from the cluster included.
func TestEndToEndOnRedisClusterOverTLS(t *testing.T) {
	cluster := asynqtest.StartTLSCluster(t, 3)
	if !strings.HasPrefix(cluster.URL(), "rediss-cluster://") {
		t.Fatalf("cluster URL %s, want rediss-cluster://", cluster.URL())
	}
	runOnCluster(t, cluster, func(c *Config) { c.RedisTLSCAFile = cluster.CA.File })
}

// TestRedisClusterWithAnotherCAIsACertificateError runs the app on a TLS
// cluster with REDIS_TLS_CA_FILE naming another CA: Redis is unreachable,
// /readyz answers 503, and a ping fails at once, naming the certificate.
func TestRedisClusterWithAnotherCAIsACertificateError(t *testing.T) {
	cluster := asynqtest.StartTLSCluster(t, 3)
	var unknown x509.UnknownAuthorityError
	checkCertificatesRefused(t, cluster.URL(), asynqtest.NewCA(t).File, &unknown, "certificate signed by unknown authority")
}

// TestEndToEndOnRedisClusterOfOneCertificateName runs the cluster test on a
// TLS cluster whose nodes' certificates name redis.test alone, and none of
// the addresses the nodes listen on and announce (127.0.0.1, .2, .3), as
// with one certificate of a host name (or a wildcard) for every node: with
// tls_server_name=redis.test the app verifies every node against that
// name. Without it, each node is verified against its address and refused.
func TestEndToEndOnRedisClusterOfOneCertificateName(t *testing.T) {
	cluster := asynqtest.StartTLSCluster(t, 3, asynqtest.CertificateName("redis.test"))
	t.Run("without tls_server_name", func(t *testing.T) { // its app stops before the next one starts
		var hostname x509.HostnameError
		checkCertificatesRefused(t, cluster.URL(), cluster.CA.File, &hostname, "cannot validate certificate for 127.0.0.")
	})
	runOnCluster(t, cluster, func(c *Config) {
		c.RedisURL = cluster.URL() + "?tls_server_name=redis.test"
		c.RedisTLSCAFile = cluster.CA.File
	})
}

// checkCertificatesRefused runs the app on REDIS_URL redisURL with
// REDIS_TLS_CA_FILE caFile, with which it cannot verify the servers'
// certificates: Redis is unreachable, /readyz answers 503, and a ping
// fails at once with an error as target (errors.As) that says says.
func checkCertificatesRefused(t *testing.T, redisURL, caFile string, target any, says string) {
	t.Helper()
	a := startTestAppParts(t, true, false, func(c *Config) {
		onRedis(redisURL)(c)
		c.RedisTLSCAFile = caFile
	})
	if status, _ := a.statusAndRetryAfter("/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("readyz with certificates it cannot verify = %d, want 503", status)
	}
	// The deadline only turns a hang into a failure.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := pingRedis(ctx, a.app.Redis)
	if !errors.As(err, target) || !strings.Contains(err.Error(), says) {
		t.Errorf("ping with certificates it cannot verify: %v, want a %T saying %q", err, target, says)
	}
}

// runOnCluster runs the app on cluster, with edit's settings.
func runOnCluster(t *testing.T, cluster *asynqtest.Cluster, edit ...func(*Config)) {
	a := startTestAppParts(t, true, false, func(c *Config) {
		onRedis(cluster.URL())(c)
		c.MetricsAddr = "127.0.0.1:0"
		for _, e := range edit {
			e(c)
		}
	}, quickRetries)
	alice, admin := a.token("alice", ""), a.token("root", "admin")
	if _, ok := a.app.Redis.(*redis.ClusterClient); !ok {
		t.Fatalf("the app's Redis client is a %T, want a cluster client", a.app.Redis)
	}

	settled := a.upload(alice, "settled.log", fixtureLog())
	a.deleteTaskAndReconcile(settled, admin)
	if err := a.app.StartWork(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkFixtureJob(t, "job settled by the reconciler", a.waitFinished(settled, alice), 1)
	big := a.upload(alice, "big.log", repeatedFixture(500))
	checkFixtureJob(t, "job of two chunks", a.waitFinished(big, alice), 500)
	checkFixtureAggregate(t, a.waitAggregate(alice, func(g aggregate) bool { return g.Jobs["completed"] == 2 }), 2, 501)

	var status struct {
		Queues []struct {
			Name           string `json:"name"`
			ProcessedTotal int    `json:"processed_total"`
			Completed      int    `json:"completed"`
		} `json:"queues"`
	}
	if code := a.getJSON("/api/queue-status", "", &status); code != http.StatusOK || len(status.Queues) != 1 ||
		status.Queues[0].Name != a.app.Config.Queue || status.Queues[0].ProcessedTotal != 2 || status.Queues[0].Completed != 2 {
		t.Errorf("queue status on the cluster = %d %+v, want the queue with 2 tasks processed and completed", code, status)
	}
	sizeMetric := `asynq_queue_size{queue="` + a.app.Config.Queue + `"}`
	if got, ok := a.scrape()[sizeMetric]; !ok || got != 2 {
		t.Errorf("%s = %v (exported: %v), want 2 (two completed tasks kept)", sizeMetric, got, ok)
	}
	a.checkQueueUI(admin)
	a.checkQueueLocation(admin, cluster)
	a.waitWorkerHealthy()
	if status, _ := a.statusAndRetryAfter("/readyz"); status != http.StatusOK {
		t.Errorf("readyz on the cluster = %d, want 200", status)
	}
}

// checkQueueLocation checks what the README says of asynq on a cluster: a
// queue's keys share one hash slot ({queue}), so the whole queue lives on
// one node, and the queue UI shows which.
func (a *testApp) checkQueueLocation(admin string, cluster *asynqtest.Cluster) {
	a.t.Helper()
	queue := a.app.Config.Queue
	var holders []string
	for _, node := range cluster.Nodes {
		keys, err := node.Client(a.t).Keys(context.Background(), "asynq:{"+queue+"}:*").Result()
		if err != nil {
			a.t.Fatalf("KEYS on %s: %v", node.Addr, err)
		}
		if len(keys) > 0 {
			holders = append(holders, node.Addr)
		}
	}
	var info struct {
		QueueLocations []struct {
			Queue string   `json:"queue"`
			Nodes []string `json:"nodes"`
		} `json:"queue_locations"`
	}
	if code := a.getJSON(QueueUIPath+"/api/redis_info", admin, &info); code != http.StatusOK {
		a.t.Fatalf("queue UI's Redis info on the cluster = %d", code)
	}
	if len(holders) != 1 || len(info.QueueLocations) != 1 || info.QueueLocations[0].Queue != queue ||
		fmt.Sprint(info.QueueLocations[0].Nodes) != fmt.Sprint(holders) {
		a.t.Errorf("queue %s has keys on %v, and the queue UI places it on %+v; want one node, the same",
			queue, holders, info.QueueLocations)
	}
}
