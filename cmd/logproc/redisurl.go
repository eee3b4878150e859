package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// redisURLForms is what REDIS_URL may be, as error messages show it.
const redisURLForms = "redis://[user:password@]host:port[/db], rediss:// (TLS), unix:///path.sock, " +
	"redis-sentinel://[user:password@]host:port[,host:port...][/db]?master=NAME, rediss-sentinel:// (TLS), " +
	"redis-cluster://[user:password@]host:port[,host:port...], or rediss-cluster:// (TLS)"

// redisTarget is the Redis REDIS_URL names: one server, a master watched by
// Redis Sentinel, or a Redis Cluster. Exactly one of its fields is set. It
// is also an asynq.RedisConnOpt, so the components that make their own
// clients (the queue UI) reach the same Redis as the app.
type redisTarget struct {
	single   *redis.Options
	failover *redis.FailoverOptions
	cluster  *redis.ClusterOptions
}

// parseRedisURL reads REDIS_URL. The Sentinel form is the one asynq's
// ParseRedisURI reads, plus a database number; both multi-address forms
// take go-redis's URL options (dial_timeout=, pool_size=, ...) as query
// parameters, except those refusedOptions names. Every TLS form also takes
// REDIS_URL's own tls_server_name= (see takeServerName).
func parseRedisURL(raw string) (redisTarget, error) {
	t, err := parseRedisTarget(raw)
	if err != nil {
		return redisTarget{}, redisURLError(raw, err)
	}
	return t, nil
}

// parseRedisTarget is parseRedisURL, its errors without the URL.
func parseRedisTarget(raw string) (redisTarget, error) {
	u, err := parseURLWithHosts(raw)
	if err != nil {
		return redisTarget{}, err
	}
	serverName, err := takeServerName(u)
	if err != nil {
		return redisTarget{}, err
	}
	var t redisTarget
	switch u.Scheme {
	case "redis", "rediss", "unix":
		t.single, err = redis.ParseURL(u.String())
	case "redis-sentinel", "rediss-sentinel":
		t.failover, err = parseSentinelURL(u)
	case "redis-cluster", "rediss-cluster":
		t.cluster, err = parseClusterURL(u)
	default:
		err = fmt.Errorf("unknown scheme %q", u.Scheme)
	}
	if err != nil || serverName == "" {
		return t, err
	}
	return t, withServerName(t, serverName)
}

// redisTargetOf reads REDIS_URL and REDIS_TLS_CA_FILE: the target, whose
// TLS forms trust the CA certificates of caFile instead of the system's
// when caFile is set.
func redisTargetOf(raw, caFile string) (redisTarget, error) {
	t, err := parseRedisURL(raw)
	if err != nil || caFile == "" {
		return t, err
	}
	return t, withCAFile(t, raw, caFile)
}

// withCAFile has t's TLS trust the CA certificates of caFile alone, or says
// why it cannot: the file holds none, or t speaks no TLS or verifies no
// certificate (skip_verify=true).
func withCAFile(t redisTarget, raw, caFile string) error {
	pool, err := loadRedisCA(caFile)
	if err != nil {
		return err
	}
	if err := takesCAFile(t, raw); err != nil {
		return err
	}
	t.tlsConfig().RootCAs = pool
	return nil
}

// takesCAFile says why the target of raw cannot take REDIS_TLS_CA_FILE: it
// speaks no TLS, or verifies nothing (skip_verify=true).
func takesCAFile(t redisTarget, raw string) error {
	c := t.tlsConfig()
	switch {
	case c == nil:
		return notTLSError(raw)
	case c.InsecureSkipVerify:
		return fmt.Errorf("REDIS_TLS_CA_FILE is set, but REDIS_URL %s has skip_verify=true, which verifies no certificate: "+
			"drop skip_verify", redactURL(raw))
	}
	return nil
}

// loadRedisCA reads REDIS_TLS_CA_FILE, which must hold at least one PEM
// certificate.
func loadRedisCA(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("REDIS_TLS_CA_FILE: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("REDIS_TLS_CA_FILE %s holds no PEM certificate", path)
	}
	return pool, nil
}

func notTLSError(raw string) error {
	return fmt.Errorf("REDIS_TLS_CA_FILE is set, but REDIS_URL %s is not a TLS form: "+
		"use rediss://, rediss-sentinel:// or rediss-cluster://", redactURL(raw))
}

// serverNameOption is REDIS_URL's own option naming the DNS name every
// server's certificate is verified against, where the servers are dialed
// at addresses their certificates do not name: cluster nodes announcing IP
// addresses behind a certificate of a host name, or sentinels naming
// masters so.
const serverNameOption = "tls_server_name"

// takeServerName takes tls_server_name= out of u's query, which go-redis
// would refuse as an unknown option, and returns it ("" when absent), or
// says why it is no DNS name.
func takeServerName(u *url.URL) (string, error) {
	q := u.Query()
	names, given := q[serverNameOption]
	if !given {
		return "", nil
	}
	switch {
	case len(names) > 1:
		return "", fmt.Errorf("option %s= is given %d times: give one name", serverNameOption, len(names))
	case names[0] == "":
		return "", fmt.Errorf("option %s= is empty: give the DNS name the servers' certificates name", serverNameOption)
	case !validDNSName(names[0]):
		return "", fmt.Errorf("option %s=%q is not a DNS name: give the host name the servers' certificates name, "+
			"such as redis.example.com", serverNameOption, names[0])
	}
	q.Del(serverNameOption)
	u.RawQuery = q.Encode()
	return names[0], nil
}

// withServerName has every TLS connection of t, to sentinels, servers and
// cluster nodes alike (go-redis gives them all one tls.Config), verify the
// server's certificate against name instead of the address dialed, or says
// why it cannot: t speaks no TLS, or verifies nothing (skip_verify=true).
func withServerName(t redisTarget, name string) error {
	c := t.tlsConfig()
	switch {
	case c == nil:
		return fmt.Errorf("option %s= is for the TLS forms: use rediss://, rediss-sentinel:// or rediss-cluster://", serverNameOption)
	case c.InsecureSkipVerify:
		return fmt.Errorf("option %s= names what to verify, and skip_verify=true verifies no certificate: drop skip_verify",
			serverNameOption)
	}
	c.ServerName = name
	return nil
}

// validDNSName says whether name is a DNS name: labels of letters, digits,
// hyphens and underscores, none beginning or ending with a hyphen,
// separated by dots, with a final dot or not. An IP address is none. An
// underscore is no host name's, but Go's certificate check takes it, as
// names outside the public web carry it (redis_1.internal).
func validDNSName(name string) bool {
	name = strings.TrimSuffix(name, ".")
	if name == "" || len(name) > 253 || net.ParseIP(name) != nil {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if !validDNSLabel(label) {
			return false
		}
	}
	return true
}

// validDNSLabel says whether label is one label of a DNS name.
func validDNSLabel(label string) bool {
	notLabelByte := func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')
	}
	return label != "" && len(label) <= 63 && label[0] != '-' && label[len(label)-1] != '-' &&
		strings.IndexFunc(label, notLabelByte) < 0
}

// tlsConfig returns the target's TLS configuration, nil without TLS.
func (t redisTarget) tlsConfig() *tls.Config {
	switch {
	case t.failover != nil:
		return t.failover.TLSConfig
	case t.cluster != nil:
		return t.cluster.TLSConfig
	default:
		return t.single.TLSConfig
	}
}

// parseURLWithHosts parses a URL whose host may be a comma-separated list
// of addresses (the Sentinel and Cluster forms): the list is taken out
// before url.Parse, which refuses one of several IPv6 addresses
// ([::1]:26379,[::2]:26379), and put back as the URL's Host.
func parseURLWithHosts(raw string) (*url.URL, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok || !multiAddressSchemes[scheme] {
		return url.Parse(raw)
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	userinfo, hosts := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hosts = authority[:i+1], authority[i+1:]
	}
	u, err := url.Parse(scheme + "://" + userinfo + "hosts" + rest[end:])
	if err != nil {
		return nil, err
	}
	u.Host = hosts
	return u, nil
}

// multiAddressSchemes are the forms whose host is a list of addresses.
var multiAddressSchemes = map[string]bool{
	"redis-sentinel": true, "rediss-sentinel": true, "redis-cluster": true, "rediss-cluster": true,
}

// refusedOptions are go-redis URL options REDIS_URL does not take, and why.
var refusedOptions = map[string]string{
	"route_by_latency": "it sends reads to replicas, and asynq reads what it has just written (and go-redis's Sentinel client refuses it)",
	"route_randomly":   "it sends reads to replicas, and asynq reads what it has just written (and go-redis's Sentinel client refuses it)",
	"replica_only":     "it sends every command to a replica, which refuses asynq's writes",
	"read_only":        "it sends reads to replicas, and asynq reads what it has just written",
	"addr":             "list every address in the host part, host:port,host:port",
	"db":               "give the database as /N",
}

// checkOptions refuses the options refusedOptions names.
func checkOptions(q url.Values) error {
	for name := range q {
		if why, refused := refusedOptions[name]; refused {
			return fmt.Errorf("option %s= is not taken: %s", name, why)
		}
	}
	return nil
}

// redisURLError says what is wrong with REDIS_URL, without its password:
// a *url.Error, ours or one go-redis's own parse returns, quotes the URL
// it parsed whole, so only what it wraps is kept.
func redisURLError(raw string, err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}
	// Not wrapped: err may quote the password (a parse that read part of
	// it as a port), and only this message is scrubbed of it.
	return errors.New(scrubSecrets(raw, fmt.Sprintf("REDIS_URL %s: %v; expected %s", redactURL(raw), err, redisURLForms)))
}

// parseSentinelURL reads redis-sentinel:// and rediss-sentinel://. The user
// and password authenticate to the sentinels and, unless the password=
// option gives the servers' own, to the master and replicas too: one
// password for all is the usual setup. Over TLS, the sentinels and the
// servers they name are each verified against their own address, or all
// against tls_server_name=, which parseRedisTarget applies.
func parseSentinelURL(u *url.URL) (*redis.FailoverOptions, error) {
	q := u.Query()
	master := q.Get("master")
	switch {
	case master == "":
		return nil, errors.New("a Sentinel URL needs ?master=NAME, the name the sentinels monitor")
	case len(q["master"]) > 1:
		return nil, fmt.Errorf("a Sentinel URL names one master, got master= %d times", len(q["master"]))
	}
	q.Del("master")
	q.Set("master_name", master)
	goRedisURL, err := multiAddressURL(u, q)
	if err != nil {
		return nil, err
	}
	o, err := redis.ParseFailoverURL(goRedisURL)
	if err != nil {
		return nil, err
	}
	o.TLSConfig = perAddressTLS(o.TLSConfig)
	if o.Password == "" {
		o.Username, o.Password = o.SentinelUsername, o.SentinelPassword
	}
	return o, nil
}

// parseClusterURL reads redis-cluster:// and rediss-cluster://. Any of the
// addresses is enough for the client to find every node; more of them let
// it start while some are down. Over TLS, each node is verified against its
// own address, or against tls_server_name=, which parseRedisTarget applies.
func parseClusterURL(u *url.URL) (*redis.ClusterOptions, error) {
	if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
		return nil, fmt.Errorf("a Redis Cluster has only database 0, got /%s", p)
	}
	u.Path = ""
	goRedisURL, err := multiAddressURL(u, u.Query())
	if err != nil {
		return nil, err
	}
	o, err := redis.ParseClusterURL(goRedisURL)
	if err != nil {
		return nil, err
	}
	o.TLSConfig = perAddressTLS(o.TLSConfig)
	return o, nil
}

// perAddressTLS mends the TLS configuration go-redis makes of a
// multi-address rediss:// URL, whose ServerName is the first address's
// host, which every other sentinel, server or node would fail to match.
// Without a ServerName, tls.DialWithDialer, which go-redis's dialers use for
// the sentinels, the servers they name and every cluster node (those
// learned from CLUSTER SLOTS and MOVED too), takes it from the address it
// dials.
func perAddressTLS(c *tls.Config) *tls.Config {
	if c == nil {
		return nil
	}
	c = c.Clone()
	c.ServerName = ""
	c.MinVersion = tls.VersionTLS12 // as go-redis sets it for rediss:// (its cluster form leaves it out)
	return c
}

// multiAddressURL rewrites a URL whose host is a comma-separated list of
// addresses into go-redis's form for Sentinel and Cluster: the first
// address as the host, the others as addr= options, and the scheme rediss
// for the TLS forms. It refuses the options refusedOptions names.
func multiAddressURL(u *url.URL, q url.Values) (string, error) {
	if err := checkOptions(q); err != nil {
		return "", err
	}
	addrs := strings.Split(u.Host, ",")
	seen := map[string]bool{}
	for _, a := range addrs {
		host, port, err := net.SplitHostPort(a)
		if err != nil || !validHost(host) || !validPort(port) {
			return "", fmt.Errorf("address %q is not host:port, a host name or IP address and a port from 1 to 65535", a)
		}
		key := net.JoinHostPort(strings.ToLower(host), port)
		if seen[key] {
			return "", fmt.Errorf("address %q is listed twice", a)
		}
		seen[key] = true
	}
	for _, a := range addrs[1:] {
		q.Add("addr", a)
	}
	scheme := "redis"
	if strings.HasPrefix(u.Scheme, "rediss-") {
		scheme = "rediss"
	}
	out := url.URL{Scheme: scheme, User: u.User, Host: addrs[0], Path: u.Path, RawQuery: q.Encode()}
	return out.String(), nil
}

// validHost says whether host is an IP address or a DNS name.
func validHost(host string) bool {
	notNameByte := func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_')
	}
	return net.ParseIP(host) != nil || host != "" && strings.IndexFunc(host, notNameByte) < 0
}

// validPort says whether port is a port number, 1 to 65535, written
// plainly.
func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == port
}

// MakeRedisClient implements asynq.RedisConnOpt: each call returns a new
// client of its own.
func (t redisTarget) MakeRedisClient() any {
	return t.client()
}

// client returns a new client of the target. Each gets a copy of the
// options, which go-redis fills in with defaults as it starts, and of the
// TLS configuration.
func (t redisTarget) client() redis.UniversalClient {
	switch {
	case t.failover != nil:
		o := *t.failover
		o.SentinelAddrs = slices.Clone(o.SentinelAddrs)
		o.TLSConfig = o.TLSConfig.Clone()
		return redis.NewFailoverClient(&o)
	case t.cluster != nil:
		o := *t.cluster
		o.Addrs = slices.Clone(o.Addrs)
		o.TLSConfig = o.TLSConfig.Clone()
		return redis.NewClusterClient(&o)
	default:
		o := *t.single
		o.TLSConfig = o.TLSConfig.Clone()
		return redis.NewClient(&o)
	}
}
