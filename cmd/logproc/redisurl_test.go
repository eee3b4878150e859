package main

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain/worker/asynqtest"
)

// redisShape is what the tests compare of a parsed REDIS_URL.
type redisShape struct {
	Kind               string // single, failover or cluster
	Addrs              []string
	Master             string
	DB                 int
	Username, Password string
	SentinelPassword   string
	DialTimeoutSeconds float64
	TLS                bool
	// ServerName is the name every TLS peer is verified against; "" has
	// each verified against the address dialed.
	ServerName string
}

func shapeOf(t redisTarget) redisShape {
	var s redisShape
	switch {
	case t.failover != nil:
		o := t.failover
		s = redisShape{Kind: "failover", Addrs: o.SentinelAddrs, Master: o.MasterName, DB: o.DB,
			Username: o.Username, Password: o.Password, SentinelPassword: o.SentinelPassword,
			DialTimeoutSeconds: o.DialTimeout.Seconds()}
	case t.cluster != nil:
		o := t.cluster
		s = redisShape{Kind: "cluster", Addrs: o.Addrs, Username: o.Username, Password: o.Password,
			DialTimeoutSeconds: o.DialTimeout.Seconds()}
	default:
		o := t.single
		s = redisShape{Kind: "single", Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username, Password: o.Password,
			DialTimeoutSeconds: o.DialTimeout.Seconds()}
	}
	if c := t.tlsConfig(); c != nil {
		s.TLS, s.ServerName = true, c.ServerName
	}
	return s
}

func TestParseRedisURL(t *testing.T) {
	tests := []struct {
		url  string
		want redisShape
	}{
		{"redis://localhost:6379/0", redisShape{Kind: "single", Addrs: []string{"localhost:6379"}}},
		{"rediss://:pw@cache.example:6380/2", redisShape{Kind: "single", Addrs: []string{"cache.example:6380"}, DB: 2, Password: "pw",
			TLS: true, ServerName: "cache.example"}},
		{"redis-sentinel://10.0.0.1:26379,10.0.0.2:26379,10.0.0.3:26379?master=mymaster",
			redisShape{Kind: "failover", Addrs: []string{"10.0.0.1:26379", "10.0.0.2:26379", "10.0.0.3:26379"}, Master: "mymaster"}},
		{"redis-sentinel://:secret@s1:26379,s2:26379/3?master=m&dial_timeout=2s",
			redisShape{Kind: "failover", Addrs: []string{"s1:26379", "s2:26379"}, Master: "m", DB: 3,
				Password: "secret", SentinelPassword: "secret", DialTimeoutSeconds: 2}},
		{"redis-sentinel://:sentinels@s1:26379?master=m&password=servers",
			redisShape{Kind: "failover", Addrs: []string{"s1:26379"}, Master: "m", Password: "servers", SentinelPassword: "sentinels"}},
		{"redis-cluster://n1:7000,n2:7001,n3:7002",
			redisShape{Kind: "cluster", Addrs: []string{"n1:7000", "n2:7001", "n3:7002"}}},
		{"redis-cluster://app:pw@n1:7000,n2:7001/0?dial_timeout=3s",
			redisShape{Kind: "cluster", Addrs: []string{"n1:7000", "n2:7001"}, Username: "app", Password: "pw", DialTimeoutSeconds: 3}},
		{"redis-sentinel://:p%40ss@[::1]:26379,[fd00::2]:26379,s3:26379/1?master=m",
			redisShape{Kind: "failover", Addrs: []string{"[::1]:26379", "[fd00::2]:26379", "s3:26379"}, Master: "m", DB: 1,
				Password: "p@ss", SentinelPassword: "p@ss"}},
		{"redis-cluster://[::1]:7000,[::1]:7001",
			redisShape{Kind: "cluster", Addrs: []string{"[::1]:7000", "[::1]:7001"}}},
		{"rediss-sentinel://:secret@s1:26379,s2:26379/3?master=m&dial_timeout=2s",
			redisShape{Kind: "failover", Addrs: []string{"s1:26379", "s2:26379"}, Master: "m", DB: 3,
				Password: "secret", SentinelPassword: "secret", DialTimeoutSeconds: 2, TLS: true}},
		{"rediss-sentinel://:p%40ss@[::1]:26379,[fd00::2]:26379,s3:26379/1?master=m",
			redisShape{Kind: "failover", Addrs: []string{"[::1]:26379", "[fd00::2]:26379", "s3:26379"}, Master: "m", DB: 1,
				Password: "p@ss", SentinelPassword: "p@ss", TLS: true}},
		{"rediss-cluster://app:pw@n1.cache.example:6379,n2.cache.example:6379,n3.cache.example:6379",
			redisShape{Kind: "cluster", Addrs: []string{"n1.cache.example:6379", "n2.cache.example:6379", "n3.cache.example:6379"},
				Username: "app", Password: "pw", TLS: true}},
		{"rediss-cluster://[::1]:7000,[::1]:7001/0?dial_timeout=3s",
			redisShape{Kind: "cluster", Addrs: []string{"[::1]:7000", "[::1]:7001"}, DialTimeoutSeconds: 3, TLS: true}},
		{"rediss://:pw@10.0.0.7:6380/2?tls_server_name=cache.example&dial_timeout=2s",
			redisShape{Kind: "single", Addrs: []string{"10.0.0.7:6380"}, DB: 2, Password: "pw", DialTimeoutSeconds: 2,
				TLS: true, ServerName: "cache.example"}},
		{"rediss-sentinel://:secret@10.0.0.1:26379,10.0.0.2:26379/1?master=m&skip_verify=false&tls_server_name=redis.internal.example.",
			redisShape{Kind: "failover", Addrs: []string{"10.0.0.1:26379", "10.0.0.2:26379"}, Master: "m", DB: 1,
				Password: "secret", SentinelPassword: "secret", TLS: true, ServerName: "redis.internal.example."}},
		{"rediss-cluster://app:pw@10.0.0.1:6379,10.0.0.2:6379?tls_server_name=My-Cache.redis.cache.windows.net",
			redisShape{Kind: "cluster", Addrs: []string{"10.0.0.1:6379", "10.0.0.2:6379"}, Username: "app", Password: "pw",
				TLS: true, ServerName: "My-Cache.redis.cache.windows.net"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			target, err := parseRedisURL(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, shapeOf(target)); diff != "" {
				t.Errorf("parse (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRedisURLSaysWhatIsExpected(t *testing.T) {
	tests := []struct{ url, says string }{
		{"localhost:6379", `unknown scheme "localhost"`},
		{"http://localhost:6379", `unknown scheme "http"`},
		{"redis-sentinel://s1:26379,s2:26379", "needs ?master=NAME"},
		{"redis-sentinel://s1:26379?master=m&master=n", "names one master, got master= 2 times"},
		{"redis-sentinel://s1,s2:26379?master=m", `address "s1" is not host:port`},
		{"redis-sentinel://:pw@s1:26379,s2?master=m", `address "s2" is not host:port`},
		{"redis-sentinel://s1:26379,S1:26379?master=m", `address "S1:26379" is listed twice`},
		{"redis-cluster://n1:7000,n1:07000", `address "n1:07000" is not host:port`},
		{"redis-cluster://n1:0", `address "n1:0" is not host:port`},
		{"redis-cluster://n_1:7000,n 2:7001", `address "n 2:7001" is not host:port`},
		{"redis-sentinel://[::1]:26379,[::1]:26379?master=m", `address "[::1]:26379" is listed twice`},
		{"redis-sentinel://s1:26379?master=m&route_randomly=true", "route_randomly= is not taken"},
		{"redis-sentinel://s1:26379?master=m&route_by_latency=true", "route_by_latency= is not taken"},
		{"redis-sentinel://s1:26379?master=m&replica_only=true", "replica_only= is not taken"},
		{"redis-sentinel://s1:26379/2?master=m&db=5", "db= is not taken: give the database as /N"},
		{"redis-sentinel://s1:26379?master=m&addr=s9:26379", "addr= is not taken"},
		{"redis-cluster://n1:7000?read_only=true", "read_only= is not taken"},
		{"redis-cluster://n1:7000?route_randomly=true", "route_randomly= is not taken"},
		{"redis-cluster://n1:7000,,n2:7001", `address "" is not host:port`},
		{"redis-cluster://n1:7000/2", "only database 0"},
		{"redis-cluster://n1:7000?pool_size=many", "pool_size"},
		{"redis://localhost:6379/zero", "invalid database number"},
		{"rediss-sentinel://s1:26379", "needs ?master=NAME"},
		{"rediss-sentinel://s1:26379,s1:26379?master=m", `address "s1:26379" is listed twice`},
		{"rediss-sentinel://s1:26379?master=m&route_randomly=true", "route_randomly= is not taken"},
		{"rediss-sentinel://s1:26379?master=m&addr=s9:26379", "addr= is not taken"},
		{"rediss-cluster://n1:7000?read_only=true", "read_only= is not taken"},
		{"rediss-cluster://n1:7000?replica_only=true", "replica_only= is not taken"},
		{"rediss-cluster://n1:7000,n2", `address "n2" is not host:port`},
		{"rediss-cluster://n1:7000/1", "only database 0"},
		{"redis-clusters://n1:7000", `unknown scheme "redis-clusters"`},
		{"redis://localhost:6379/0?tls_server_name=redis.test", "option tls_server_name= is for the TLS forms: use rediss://"},
		{"unix:///run/redis.sock?tls_server_name=redis.test", "option tls_server_name= is for the TLS forms"},
		{"redis-sentinel://s1:26379?master=m&tls_server_name=redis.test", "option tls_server_name= is for the TLS forms"},
		{"redis-cluster://n1:7000?tls_server_name=redis.test", "option tls_server_name= is for the TLS forms"},
		{"rediss://cache.example:6380?skip_verify=true&tls_server_name=redis.test", "skip_verify=true verifies no certificate"},
		{"rediss-sentinel://s1:26379?master=m&skip_verify=1&tls_server_name=redis.test", "skip_verify=true verifies no certificate"},
		{"rediss-cluster://n1:7000?tls_server_name=redis.test&tls_server_name=other.test", "tls_server_name= is given 2 times"},
		{"rediss-cluster://n1:7000?tls_server_name=", "option tls_server_name= is empty"},
		{"rediss-sentinel://s1:26379?master=m&tls_server_name", "option tls_server_name= is empty"},
		{"rediss://cache.example:6380?tls_server_name=10.0.0.1", `option tls_server_name="10.0.0.1" is not a DNS name`},
		{"rediss-cluster://n1:7000?tls_server_name=[::1]", `tls_server_name="[::1]" is not a DNS name`},
		{"rediss-cluster://n1:7000?tls_server_name=*.redis.test", `tls_server_name="*.redis.test" is not a DNS name`},
		{"rediss-cluster://n1:7000?tls_server_name=redis..test", "is not a DNS name"},
		{"rediss-cluster://n1:7000?tls_server_name=-redis.test", "is not a DNS name"},
		{"rediss-cluster://n1:7000?tls_server_name=redis.test/", "is not a DNS name"},
		{"rediss-cluster://n1:7000?tls_server_name=redis.test:6379", "is not a DNS name"},
		{"rediss-cluster://n1:7000?tls_server_name=" + strings.Repeat("a", 64) + ".test", "is not a DNS name"},
		{"rediss-cluster://n1:7000?tls_server_name=" + strings.Repeat("abcdefgh.", 28) + "test", "is not a DNS name"},
		{"rediss-cluster://n1:7000?tls_server_name=redis.test&dial_timeout=soon", "dial_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := parseRedisURL(tt.url)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range []string{"REDIS_URL", tt.says, "redis-sentinel://", "redis-cluster://",
				"rediss-sentinel:// (TLS)", "rediss-cluster:// (TLS)"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestRedisURLPasswordIsNotShownInErrors(t *testing.T) {
	for _, url := range []string{"redis-sentinel://:hunter2@s1:26379", "redis-cluster://:hunter2@n1:7000,n2",
		// addresses go-redis's own parse would refuse, quoting the URL whole
		"redis-cluster://u:hunter2@n1:abc", "redis-cluster://u:hunter2@n1 :7000", "rediss-cluster://u:hunter2@n1:7000\n",
		"redis-sentinel://u:hunter2@s1:99999?master=m", "redis-sentinel://s1:26379?master=m&password=hunter2&pool_size=x",
		"redis-sentinel://[::1]:26379,[::2]:26379?master=m&password=hunter2&dial_timeout=soon",
		// tls_server_name= refused, beside a password
		"redis-cluster://u:hunter2@n1:7000?tls_server_name=redis.test", "redis://:hunter2@localhost:6379?tls_server_name=redis.test",
		"rediss-sentinel://s1:26379?master=m&password=hunter2&tls_server_name=redis.test&skip_verify=true",
		"rediss-cluster://u:hunter2@n1:7000?tls_server_name=not..a.name", "rediss://:hunter2@h:6380?tls_server_name=a&tls_server_name=b",
		// a '/', '?' or '#' in the password ends the authority early: a
		// parse reads pieces of the password as a port, a host or a path
		"redis://:hunter2/x@host:6379", "redis://:hunter2?x@host:6379", "redis://:hunter2#x@host:6379",
		"redis://u:x/hunter2@host:6379", "rediss-cluster://u:hunter2/x@n1:7000", "redis-sentinel://u:hunter2/x@s1:26379?master=m",
		"redis-cluster://u:hunter2#x@n1:7000,n2:7001", "redis-sentinel://s1:26379?master=m&password=hunter2%2Fx&pool_size=x"} {
		_, err := parseRedisURL(url)
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: error = %v, want one without the password", url, err)
		}
	}
}

func TestRedisTargetMakesTheClientOfItsKind(t *testing.T) {
	for url, want := range map[string]string{
		"redis://localhost:6379/0":              "*redis.Client",
		"redis-sentinel://s1:26379?master=m":    "failover *redis.Client", // go-redis's failover client is a *Client
		"redis-cluster://n1:7000,n2:7001,n3:70": "*redis.ClusterClient",
		"rediss-sentinel://s1:26379?master=m":   "failover *redis.Client",
		"rediss-cluster://n1:7000,n2:7001":      "*redis.ClusterClient",
	} {
		target, err := parseRedisURL(url)
		if err != nil {
			t.Fatal(err)
		}
		c, ok := target.MakeRedisClient().(redis.UniversalClient)
		if !ok {
			t.Fatalf("%s: MakeRedisClient is not a redis.UniversalClient, as asynq needs", url)
		}
		if got := typeName(c); got != want {
			t.Errorf("%s: client %s, want %s", url, got, want)
		}
		c.Close()
	}
}

func typeName(v any) string {
	switch c := v.(type) {
	case *redis.Client:
		if c.Options().Addr == "FailoverClient" { // what go-redis names a Sentinel-backed client's address
			return "failover *redis.Client"
		}
		return "*redis.Client"
	case *redis.ClusterClient:
		return "*redis.ClusterClient"
	}
	return "other"
}

// TestRedisTLSCAFile checks REDIS_TLS_CA_FILE: its certificates become the
// roots of every TLS form, and of every client's own copy of the options;
// a file that cannot be read or holds no certificate, or a REDIS_URL that
// is not a TLS form, stops the start (ConfigFrom, as serve, work, all and
// check read the settings, and App.Open) with what is wrong.
func TestRedisTLSCAFile(t *testing.T) {
	dir := t.TempDir()
	caFile := asynqtest.NewCA(t).File
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	for _, url := range []string{"rediss://cache.example:6380/0", "rediss-sentinel://s1:26379,s2:26379?master=m",
		"rediss-cluster://n1:7000,n2:7001"} {
		cfg, err := ConfigFrom(func(k string) string {
			return map[string]string{"REDIS_URL": url, "REDIS_TLS_CA_FILE": caFile}[k]
		})
		if err != nil || cfg.RedisTLSCAFile != caFile {
			t.Fatalf("%s: %v, CA file %q", url, err, cfg.RedisTLSCAFile)
		}
		target, err := redisTargetOf(url, caFile)
		if err != nil {
			t.Fatal(err)
		}
		if c := target.tlsConfig(); !c.RootCAs.Equal(roots) {
			t.Errorf("%s: roots are not the CA file's certificate alone", url)
		}
		client := target.client()
		if got := clientTLS(client); got == nil || !got.RootCAs.Equal(roots) || got == target.tlsConfig() {
			t.Errorf("%s: the client's TLS configuration %p, want a copy of %p with the CA file's roots", url, got, target.tlsConfig())
		}
		client.Close()
	}

	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ url, file, says string }{
		{"rediss-cluster://n1:7000", filepath.Join(dir, "missing.pem"), "REDIS_TLS_CA_FILE: open " + filepath.Join(dir, "missing.pem")},
		{"rediss-cluster://n1:7000", empty, "REDIS_TLS_CA_FILE " + empty + " holds no PEM certificate"},
		{"redis://localhost:6379/0", caFile, "REDIS_TLS_CA_FILE is set, but REDIS_URL redis://localhost:6379/0 is not a TLS form"},
		{"redis-cluster://:hunter2@n1:7000", caFile, "REDIS_URL redis-cluster://:xxxxx@n1:7000 is not a TLS form: use rediss://, rediss-sentinel:// or rediss-cluster://"},
		{"redis-sentinel://s1:26379?master=m", caFile, "is not a TLS form"},
		{"unix:///run/redis.sock", caFile, "is not a TLS form"},
		{"rediss://cache.example:6380/0?skip_verify=true", caFile, "has skip_verify=true, which verifies no certificate"},
		{"rediss-sentinel://s1:26379?master=m&skip_verify=true", caFile, "has skip_verify=true"},
	}
	for _, tt := range tests {
		_, err := ConfigFrom(func(k string) string {
			return map[string]string{"REDIS_URL": tt.url, "REDIS_TLS_CA_FILE": tt.file}[k]
		})
		if err == nil || !strings.Contains(err.Error(), tt.says) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("settings %s and %s: %v, want an error saying %q", tt.url, tt.file, err, tt.says)
		}
		_, err = redisTargetOf(tt.url, tt.file)
		if err == nil || !strings.Contains(err.Error(), tt.says) {
			t.Errorf("start with %s and %s: %v, want an error saying %q", tt.url, tt.file, err, tt.says)
		}
	}
	// A REDIS_URL that does not parse is reported once, by REDIS_URL.
	_, err = ConfigFrom(func(k string) string {
		return map[string]string{"REDIS_URL": "redis-cluster://n1", "REDIS_TLS_CA_FILE": caFile}[k]
	})
	if err == nil || strings.Count(err.Error(), "REDIS_URL") != 1 {
		t.Errorf("settings with a malformed REDIS_URL and a CA file: %v, want REDIS_URL's error alone", err)
	}
}

// TestRedisTLSServerName checks tls_server_name= beside REDIS_TLS_CA_FILE:
// every TLS form, as the settings and the start read it, verifies against
// the name and trusts the CA file, and so does each client's own copy of
// the options.
func TestRedisTLSServerName(t *testing.T) {
	caFile := asynqtest.NewCA(t).File
	for url, name := range map[string]string{"rediss://10.0.0.7:6380/0?tls_server_name=redis.test": "redis.test",
		"rediss-sentinel://10.0.0.1:26379,10.0.0.2:26379?master=m&tls_server_name=redis.test": "redis.test",
		"rediss-cluster://10.0.0.1:7000,10.0.0.2:7001?tls_server_name=redis.test":             "redis.test",
		// an underscore, as Go's certificate check takes it
		"rediss-cluster://10.0.0.1:7000?tls_server_name=redis_1.internal": "redis_1.internal"} {
		if _, err := ConfigFrom(func(k string) string {
			return map[string]string{"REDIS_URL": url, "REDIS_TLS_CA_FILE": caFile}[k]
		}); err != nil {
			t.Fatalf("settings %s: %v", url, err)
		}
		target, err := redisTargetOf(url, caFile)
		if err != nil {
			t.Fatal(err)
		}
		client := target.client()
		for what, c := range map[string]*tls.Config{"target": target.tlsConfig(), "client": clientTLS(client)} {
			switch {
			case c == nil:
				t.Errorf("%s: the %s has no TLS configuration", url, what)
			case c.ServerName != name || c.RootCAs == nil:
				t.Errorf("%s: the %s's TLS configuration has ServerName %q and roots %v, want %s and the CA file's",
					url, what, c.ServerName, c.RootCAs != nil, name)
			}
		}
		client.Close()
	}
}

// clientTLS returns the TLS configuration a client dials with.
func clientTLS(c redis.UniversalClient) *tls.Config {
	switch c := c.(type) {
	case *redis.Client:
		return c.Options().TLSConfig
	case *redis.ClusterClient:
		return c.Options().TLSConfig
	}
	return nil
}

// The health check and the start print REDIS_URL and DATABASE_URL through
// redactURL, which must hide a password however it is written.
func TestRedactURLHidesAPasswordThatEndsTheAuthorityEarly(t *testing.T) {
	for _, raw := range []string{"rediss-cluster://u:hunter2/x@n1:7000", "redis://:hunter2#x@host:6379/0",
		"postgres://app:hunter2/x@db:5432/logproc", "redis://:hunter2@host:6379", "redis-sentinel://s1?master=m&password=hunter2"} {
		if got := redactURL(raw); strings.Contains(got, "hunter2") {
			t.Errorf("redactURL(%q) = %q", raw, got)
		}
	}
	if got := redactURL("redis://u:pw@cache.example.com:6379/2"); got != "redis://u:xxxxx@cache.example.com:6379/2" {
		t.Errorf("a well-formed URL is shown as %q", got)
	}
}
