package asynqtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the name the sentinels of StartSentinel monitor.
const SentinelMaster = "logproc-test"

// Sentinel is a master, one replica and three sentinels (quorum two), all
// processes of the test's own.
type Sentinel struct {
	Master, Replica *Server
	Sentinels       []*Server
	// CA, for a topology of StartTLSSentinel, issued the certificates of
	// every process.
	CA *CA
	// password is every process's, servers and sentinels alike ("": none).
	password string
}

// sentinelFailoverTimeout bounds one failover attempt (promotion and
// reconfiguration); the sentinels wait twice as long before trying again.
const sentinelFailoverTimeout = 5000

// StartSentinel starts the topology and returns once the sentinels know the
// master, the replica and each other, so a failover can happen. The
// sentinels consider the master down only after downAfter without an answer:
// a test that wants to act while the master is dead and no failover has
// begun starts with a long one and lowers it with SetDownAfter.
func StartSentinel(t testing.TB, downAfter time.Duration) *Sentinel {
	t.Helper()
	return StartSentinelWithPassword(t, downAfter, "")
}

// StartSentinelWithPassword is StartSentinel with every process, the
// servers and the sentinels, requiring password (none when it is empty), as
// a Sentinel setup with one password for all is usually run.
func StartSentinelWithPassword(t testing.TB, downAfter time.Duration, password string) *Sentinel {
	t.Helper()
	return startSentinel(t, downAfter, password, nil, tlsOptions{})
}

// StartTLSSentinel is StartSentinel with every process speaking TLS only,
// with certificates of a CA of the test's own (Sentinel.CA): the servers to
// their clients and the replica to the master (--tls-replication), the
// sentinels to their clients, and the sentinels to the servers and to each
// other (a sentinel's tls-replication is what has it dial TLS). The master,
// the replica and the sentinels each listen on an address of their own,
// 127.0.0.1 to .5 (a system that cannot bind those skips the test, see
// loopbackAddrs), and announce it, and each certificate names that address
// alone: a client must verify each
// process against the address it dials, the servers the sentinels name
// included. CertificateName has the certificates name a DNS name instead.
func StartTLSSentinel(t testing.TB, downAfter time.Duration, opts ...TLSOption) *Sentinel {
	t.Helper()
	return startSentinel(t, downAfter, "", NewCA(t), tlsOptionsOf(opts))
}

// startSentinel starts the topology, with password (if any) and over TLS
// with certificates of ca (if any), as o asks.
func startSentinel(t testing.TB, downAfter time.Duration, password string, ca *CA, o tlsOptions) *Sentinel {
	t.Helper()
	var auth []string
	if password != "" {
		auth = []string{"--requirepass", password, "--masterauth", password}
	}
	// The addresses of the master, the replica and the three sentinels.
	ips := slices.Repeat([]string{loopback}, 5)
	if ca != nil {
		ips = loopbackAddrs(t, 5)
	}
	// proc starts one process on ips[i]: over TLS, TLS-only, with
	// tls-replication (a server's replication, a sentinel's every link),
	// and, on an address of its own, dialing from it (a replica announces
	// the address its connection to the master comes from, a sentinel the
	// one its connection to the master leaves from).
	proc := func(i int, name, conf string, args ...string) *Server {
		if ca == nil {
			return startServer(t, name, conf, false, args...)
		}
		args = append(args, "--tls-replication", "yes")
		if ips[i] != loopback {
			args = append(args, "--bind-source-addr", ips[i])
		}
		return startTLS(t, spec{name: name, conf: conf, host: ips[i], args: args, tls: ca.serverTLS(t, ips[i], o)})
	}
	// Redis waits five seconds by default before a full sync, for more
	// replicas to share it; there is one.
	s := &Sentinel{password: password, CA: ca, Master: proc(0, "master", "", append([]string{"--save", "", "--appendonly", "no",
		"--repl-diskless-sync-delay", "0"}, auth...)...)}
	host, port, _ := net.SplitHostPort(s.Master.Addr)
	replicaArgs := append([]string{"--save", "", "--appendonly", "no", "--replicaof", host, port}, auth...)
	if ips[1] != loopback {
		replicaArgs = append(replicaArgs, "--replica-announce-ip", ips[1])
	}
	s.Replica = proc(1, "replica", "", replicaArgs...)
	// A sentinel learns of replicas from the master's INFO, read at once and
	// then every ten seconds: start them once the master lists its replica.
	s.waitReplicaSynced(t)
	conf := fmt.Sprintf("sentinel monitor %s %s %s 2\n", SentinelMaster, host, port) +
		fmt.Sprintf("sentinel down-after-milliseconds %s %d\n", SentinelMaster, downAfter.Milliseconds()) +
		fmt.Sprintf("sentinel failover-timeout %s %d\n", SentinelMaster, sentinelFailoverTimeout)
	args := []string{"--sentinel"}
	if password != "" {
		// auth-pass for the servers, sentinel-pass for the other sentinels.
		conf += fmt.Sprintf("sentinel auth-pass %s %s\nsentinel sentinel-pass %s\n", SentinelMaster, password, password)
		args = append(args, "--requirepass", password)
	}
	for i := range 3 {
		sconf := conf
		if ip := ips[2+i]; ip != loopback {
			sconf += fmt.Sprintf("sentinel announce-ip %s\n", ip)
		}
		s.Sentinels = append(s.Sentinels, proc(2+i, fmt.Sprintf("sentinel%d", i+1), sconf, args...))
	}
	s.waitReady(t)
	return s
}

// Stop kills every process of the topology now, rather than when the test
// ends.
func (s *Sentinel) Stop() {
	for _, p := range append([]*Server{s.Master, s.Replica}, s.Sentinels...) {
		p.Kill()
	}
}

// URL is the REDIS_URL of the topology: every sentinel, database db, and
// the password, if any; over TLS for a topology of StartTLSSentinel.
func (s *Sentinel) URL(db int) string {
	addrs := make([]string, len(s.Sentinels))
	for i, sn := range s.Sentinels {
		addrs[i] = sn.Addr
	}
	var userinfo string
	if s.password != "" {
		userinfo = url.UserPassword("", s.password).String() + "@"
	}
	scheme := "redis-sentinel://"
	if s.CA != nil {
		scheme = "rediss-sentinel://"
	}
	return fmt.Sprintf("%s%s%s/%d?master=%s", scheme, userinfo, strings.Join(addrs, ","), db, SentinelMaster)
}

func (s *Sentinel) waitReplicaSynced(t testing.TB) {
	t.Helper()
	replica := s.Replica.Client(t)
	s.wait(t, "the replica to sync with the master", func(ctx context.Context) bool {
		info, err := replica.Info(ctx, "replication").Result()
		return err == nil && infoField(info, "master_link_status") == "up"
	})
}

// waitReady waits until every sentinel sees the replica and the two other
// sentinels: before that, a dead master would stay dead.
func (s *Sentinel) waitReady(t testing.TB) {
	t.Helper()
	for _, sn := range s.Sentinels {
		c := s.sentinelClient(t, sn)
		s.wait(t, "sentinel "+sn.Addr+" to know the replica and the other sentinels", func(ctx context.Context) bool {
			replicas, err1 := c.Replicas(ctx, SentinelMaster).Result()
			sentinels, err2 := c.Sentinels(ctx, SentinelMaster).Result()
			return err1 == nil && err2 == nil && len(replicas) == 1 && len(sentinels) == 2
		})
	}
}

// SetDownAfter changes, on every sentinel, how long the master may be silent
// before it is considered down. Lowered below the time a dead master has
// already been silent, it starts the failover at once.
func (s *Sentinel) SetDownAfter(t testing.TB, d time.Duration) {
	t.Helper()
	for _, sn := range s.Sentinels {
		err := s.sentinelClient(t, sn).Set(context.Background(), SentinelMaster, "down-after-milliseconds",
			fmt.Sprint(d.Milliseconds())).Err()
		if err != nil {
			t.Fatalf("asynqtest: SENTINEL SET on %s: %v", sn.Addr, err)
		}
	}
}

// WaitMaster waits until every sentinel names addr as the master.
func (s *Sentinel) WaitMaster(t testing.TB, addr string) {
	t.Helper()
	for _, sn := range s.Sentinels {
		c := s.sentinelClient(t, sn)
		s.wait(t, "sentinel "+sn.Addr+" to name "+addr+" the master", func(ctx context.Context) bool {
			got, err := c.GetMasterAddrByName(ctx, SentinelMaster).Result()
			return err == nil && len(got) == 2 && net.JoinHostPort(got[0], got[1]) == addr
		})
	}
}

// failoverGuard bounds the waits of a topology: a failure guard against a
// hang, not a statement about speed.
const failoverGuard = time.Minute

func (s *Sentinel) wait(t testing.TB, what string, cond func(context.Context) bool) {
	t.Helper()
	deadline := time.Now().Add(failoverGuard)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		ok := cond(ctx)
		cancel()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("asynqtest: waited %s for %s", failoverGuard, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Sentinel) sentinelClient(t testing.TB, sn *Server) *redis.SentinelClient {
	c := redis.NewSentinelClient(&redis.Options{Addr: sn.Addr, Password: s.password, TLSConfig: sn.tlsClient()})
	t.Cleanup(func() { c.Close() })
	return c
}
