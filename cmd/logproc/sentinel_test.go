package main

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain/worker/asynqtest"
)

// heldJobRepeats makes the held job three chunks long: 130,800 lines.
const heldJobRepeats = 1200

// TestJobSurvivesSentinelFailover runs the app on a master, a replica and
// three sentinels of its own, kills the master with SIGKILL while a job is
// held part-way through its analysis, and checks that after the failover
// every job, the held one and those uploaded while Redis had no master,
// completes with exactly the numbers of a clean run.
//
// The sentinels start with an hour's down-after-milliseconds, so that after
// the kill the test acts on a Redis with no master and no failover begun;
// lowering it to one second starts the failover when the test says so.
// Every process requires one password, with characters a URL must escape,
// and the app uses database 1: the password must reach the servers the
// sentinels name, the new master included, and the queue must live in
// database 1 of the new master.
func TestJobSurvivesSentinelFailover(t *testing.T) {
	topo := asynqtest.StartSentinelWithPassword(t, time.Hour, "p@ss:w/rd#1")
	gate := &gated{proceed: make(chan struct{})}
	a := startTestApp(t, onRedis(topo.URL(1)), quickRetries, func(app *App) {
		gate.Analyzer = app.Analyzer
		app.Analyzer = gate
	})
	alice, admin := a.token("alice", ""), a.token("root", "admin")
	held := a.upload(alice, "held.log", repeatedFixture(heldJobRepeats))
	a.waitFirstChunk(held, alice, 109*heldJobRepeats)

	topo.Master.Kill()
	if status, retry := a.statusAndRetryAfter("/readyz"); status != http.StatusServiceUnavailable || retry == "" {
		t.Errorf("readyz with the master dead = %d, Retry-After %q; want 503 with Retry-After", status, retry)
	}
	if status, retry := a.statusAndRetryAfter("/api/queue-status"); status != http.StatusServiceUnavailable || retry == "" {
		t.Errorf("queue-status with the master dead = %d, Retry-After %q; want 503 with Retry-After", status, retry)
	}
	accepted := []string{a.uploadDuringOutage(alice, "no-master.log")}

	began := time.Now()
	uploads := a.uploadWhile(alice, func() {
		topo.SetDownAfter(t, time.Second)
		topo.WaitMaster(t, topo.Replica.Addr)
		promoted := time.Since(began)
		a.waitReady()
		t.Logf("failover: the sentinels named the replica master %s after they were let act, "+
			"and /readyz answered 200 %s after (on top of down-after-milliseconds, 1 s)", promoted, time.Since(began))
	})
	accepted = append(accepted, uploads...)
	close(gate.proceed)

	checkFixtureJob(t, "held job", a.waitFinished(held, alice), heldJobRepeats)
	for _, id := range accepted {
		checkFixtureJob(t, "job uploaded during the failover", a.waitFinished(id, alice), 1)
	}
	after := a.upload(alice, "after.log", fixtureLog())
	checkFixtureJob(t, "job uploaded after the failover", a.waitFinished(after, alice), 1)
	jobs := int64(len(accepted) + 2)
	agg := a.waitAggregate(alice, func(g aggregate) bool { return g.Jobs["completed"] == jobs })
	checkFixtureAggregate(t, agg, jobs, heldJobRepeats+jobs-1)

	if status, _ := a.statusAndRetryAfter("/api/queue-status"); status != http.StatusOK {
		t.Errorf("queue-status after the failover = %d, want 200", status)
	}
	a.checkQueueUI(admin)
	a.waitWorkerHealthy()

	a.checkQueueOn(topo.Replica.ClientOf(t, 1), "database 1 of the new master")
	if n, err := topo.Replica.ClientOf(t, 0).DBSize(context.Background()).Result(); err != nil || n != 0 {
		t.Errorf("database 0 of the new master holds %d keys (%v), want none", n, err)
	}
}

// checkQueueOn checks that asynq lists the app's queue in the Redis of c.
func (a *testApp) checkQueueOn(c *redis.Client, where string) {
	a.t.Helper()
	queues, err := c.SMembers(context.Background(), "asynq:queues").Result()
	if err != nil || !slices.Contains(queues, a.app.Config.Queue) {
		a.t.Errorf("asynq's queues in %s = %v (%v), want %s among them", where, queues, err, a.app.Config.Queue)
	}
}

// TestJobSurvivesSentinelFailoverOverTLS runs the app with
// rediss-sentinel:// on a master, a replica and three sentinels that speak
// TLS only, with certificates of a CA of its own given as
// REDIS_TLS_CA_FILE. Each process has an address and a certificate of its
// own (127.0.0.1 to .5), so the app must verify each against the address it
// dials: the sentinels of REDIS_URL, the master they name and, once the
// master is killed, the replica they promote. A job completes with exact
// numbers before the failover and another after it, and asynq's queue is
// then on the new master.
func TestJobSurvivesSentinelFailoverOverTLS(t *testing.T) {
	topo := asynqtest.StartTLSSentinel(t, time.Hour)
	if !strings.HasPrefix(topo.URL(0), "rediss-sentinel://") {
		t.Fatalf("Sentinel URL %s, want rediss-sentinel://", topo.URL(0))
	}
	runSentinelFailoverOverTLS(t, topo, topo.URL(0))
}

// TestJobSurvivesSentinelFailoverOfOneCertificateName does the same on a
// topology whose certificates name redis.test alone, and none of the
// addresses the processes listen on and announce, with
// tls_server_name=redis.test: the sentinels, the master they name and the
// replica they promote are all verified against that name. Without it,
// each is verified against its address, and the sentinels are refused.
func TestJobSurvivesSentinelFailoverOfOneCertificateName(t *testing.T) {
	topo := asynqtest.StartTLSSentinel(t, time.Hour, asynqtest.CertificateName("redis.test"))
	t.Run("without tls_server_name", func(t *testing.T) { // its app stops before the next one starts
		var hostname x509.HostnameError
		checkCertificatesRefused(t, topo.URL(0), topo.CA.File, &hostname, "cannot validate certificate for 127.0.0.")
	})
	runSentinelFailoverOverTLS(t, topo, topo.URL(0)+"&tls_server_name=redis.test")
}

// runSentinelFailoverOverTLS runs the app on the TLS topology with
// REDIS_URL redisURL and its CA as REDIS_TLS_CA_FILE: a job completes
// before the master is killed and another after the failover, and asynq's
// queue is then on the new master.
func runSentinelFailoverOverTLS(t *testing.T, topo *asynqtest.Sentinel, redisURL string) {
	a := startTestApp(t, func(c *Config) {
		onRedis(redisURL)(c)
		c.RedisTLSCAFile = topo.CA.File
	}, quickRetries)
	alice := a.token("alice", "")
	before := a.upload(alice, "before.log", fixtureLog())
	checkFixtureJob(t, "job uploaded before the failover", a.waitFinished(before, alice), 1)

	topo.Master.Kill()
	topo.SetDownAfter(t, time.Second)
	topo.WaitMaster(t, topo.Replica.Addr)
	a.waitReady()
	t.Logf("failover over TLS: master %s killed, replica %s promoted", topo.Master.Addr, topo.Replica.Addr)

	after := a.upload(alice, "after.log", fixtureLog())
	checkFixtureJob(t, "job uploaded after the failover", a.waitFinished(after, alice), 1)
	checkFixtureAggregate(t, a.waitAggregate(alice, func(g aggregate) bool { return g.Jobs["completed"] == 2 }), 2, 2)
	a.checkQueueOn(topo.Replica.Client(t), "the new master")
	a.waitWorkerHealthy()
}

// waitFirstChunk waits until the job's first chunk is in its stats. The
// gated analyzer holds the job right after that chunk, so it is then
// processing and part-way: fewer lines than the file's.
func (a *testApp) waitFirstChunk(id, token string, fileLines int64) {
	a.t.Helper()
	deadline := time.Now().Add(time.Minute) // a failure guard, not a timing
	for {
		var js jobStats
		if a.getJSON("/api/stats/"+id, token, &js) == http.StatusOK && js.Lines > 0 {
			if js.Status != "processing" || js.Lines >= fileLines {
				a.t.Fatalf("held job = %s with %d of %d lines, want processing part-way", js.Status, js.Lines, fileLines)
			}
			return
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("the job's first chunk never showed: %+v", js)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// uploadDuringOutage uploads the fixture until it is accepted. While Redis
// cannot be reached, an upload may only be accepted (the upload handler
// never talks to Redis) or refused with 503 and Retry-After.
func (a *testApp) uploadDuringOutage(token, name string) string {
	a.t.Helper()
	deadline := time.Now().Add(time.Minute) // a failure guard, not a timing
	for {
		status, retry, id := a.tryUpload(token, name, fixtureLog())
		switch {
		case status == http.StatusAccepted && id != "":
			return id
		case status != http.StatusServiceUnavailable || retry == "":
			a.t.Fatalf("upload while Redis had no master = %d, Retry-After %q (%s); want 202, or 503 with Retry-After", status, retry, id)
		case time.Now().After(deadline):
			a.t.Fatal("uploads were refused for a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// uploadWhile uploads the fixture again and again while during runs, and
// returns the ids of the accepted uploads. Each must be accepted, or refused
// with 503 and Retry-After.
func (a *testApp) uploadWhile(token string, during func()) []string {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var ids, wrong []string
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond): // pacing, within the per-user upload limit
			}
			status, retry, id := a.tryUpload(token, "failover.log", fixtureLog())
			switch {
			case status == http.StatusAccepted && id != "":
				ids = append(ids, id)
			case status != http.StatusServiceUnavailable || retry == "":
				wrong = append(wrong, fmt.Sprintf("%d (Retry-After %q) %s", status, retry, id))
			}
		}
	})
	during()
	close(stop)
	wg.Wait()
	if len(wrong) > 0 {
		a.t.Errorf("uploads during the failover answered %v, want 202, or 503 with Retry-After", wrong)
	}
	return ids
}
