package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
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
}

func shapeOf(t redisTarget) redisShape {
	switch {
	case t.failover != nil:
		o := t.failover
		return redisShape{Kind: "failover", Addrs: o.SentinelAddrs, Master: o.MasterName, DB: o.DB,
			Username: o.Username, Password: o.Password, SentinelPassword: o.SentinelPassword,
			DialTimeoutSeconds: o.DialTimeout.Seconds(), TLS: o.TLSConfig != nil}
	case t.cluster != nil:
		o := t.cluster
		return redisShape{Kind: "cluster", Addrs: o.Addrs, Username: o.Username, Password: o.Password,
			DialTimeoutSeconds: o.DialTimeout.Seconds(), TLS: o.TLSConfig != nil}
	default:
		o := t.single
		return redisShape{Kind: "single", Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username, Password: o.Password,
			DialTimeoutSeconds: o.DialTimeout.Seconds(), TLS: o.TLSConfig != nil}
	}
}

func TestParseRedisURL(t *testing.T) {
	tests := []struct {
		url  string
		want redisShape
	}{
		{"redis://localhost:6379/0", redisShape{Kind: "single", Addrs: []string{"localhost:6379"}}},
		{"rediss://:pw@cache.example:6380/2", redisShape{Kind: "single", Addrs: []string{"cache.example:6380"}, DB: 2, Password: "pw", TLS: true}},
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
		{"redis-sentinel://s1,s2:26379?master=m", `address "s1" is not host:port`},
		{"redis-sentinel://:pw@s1:26379,s2?master=m", `address "s2" is not host:port`},
		{"redis-sentinel://s1:26379,S1:26379?master=m", `address "S1:26379" is listed twice`},
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
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			_, err := parseRedisURL(tt.url)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range []string{"REDIS_URL", tt.says, "redis-sentinel://", "redis-cluster://"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error does not say %q:\n%v", want, err)
				}
			}
		})
	}
}

func TestRedisURLPasswordIsNotShownInErrors(t *testing.T) {
	for _, url := range []string{"redis-sentinel://:hunter2@s1:26379", "redis-cluster://:hunter2@n1:7000,n2"} {
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
