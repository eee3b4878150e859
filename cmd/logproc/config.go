package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"

	"github.com/logproc/logproc/domain"
	lphttp "github.com/logproc/logproc/http"
)

// Config is every setting of Log Processor, read from the environment (and a
// .env file when present). Each has a working local default except the
// token verifier: JWT_SECRET (which `make run` generates) or JWT_JWKS_URL.
type Config struct {
	DatabaseURL       string
	RedisURL          string
	RedisTLSCAFile    string
	HTTPAddr          string
	MetricsAddr       string
	JWTSecret         string
	JWTJWKSURL        string
	JWTAudience       string
	Storage           string
	BlobDir           string
	SupabaseURL       string
	SupabaseKey       string
	SupabaseBucket    string
	BlobGCEvery       time.Duration
	MaxUploadBytes    int64
	WorkerConcurrency int
	WorkerPoll        time.Duration
	GCMinHeap         int64
	PartBytes         int64
	FollowBytes       int64
	ChunkLines        int
	Queue             string
	Keywords          []string
	LogLevel          string
	LogFormat         string
	ShutdownTimeout   time.Duration
	TrustedProxies    []string
	StreamsPerUser    int
	StreamsMax        int
	RateLimits        lphttp.RateLimits
}

// minPartBytes is the smallest PART_BYTES: smaller parts cost more in
// tasks and events than they save.
const minPartBytes = 64 << 10

// minWorkerPoll and maxWorkerPoll bound WORKER_POLL_INTERVAL: asynq's own
// default is a second.
const minWorkerPoll, maxWorkerPoll = time.Millisecond, time.Second

// minFollowBytes is the smallest FOLLOW_UPLOAD_BYTES: the rate an upload
// keeps is judged on them.
const minFollowBytes = 1 << 20

// minChunkLines is the smallest CHUNK_LINES: smaller chunks make more
// events than any progress bar needs.
const minChunkLines = 1000

// minBlobGCEvery is the shortest BLOB_GC_EVERY (its error message says 1m):
// each pass lists the whole blob store and looks up the job of every blob.
const minBlobGCEvery = time.Minute

// minSecretBytes is the shortest JWT_SECRET accepted: HS256 wants a key at
// least as long as its hash.
const minSecretBytes = 32

// setting is one environment variable: its name, default and meaning. The
// README's configuration table, .env.example and deploy/compose.yaml are
// checked against this list by the tests, so it is the one place a setting
// is declared.
type setting struct {
	name string
	def  string // the default, as the program reads it
	// shown is the default as the README shows it, when def is not
	// meaningful to a reader ("" shows def in backquotes, or nothing).
	shown string
	help  string
	// set stores the value; nil marks a setting of deploy/compose.yaml
	// that the program itself never reads.
	set func(c *Config, v string) error
}

var settings = []setting{
	{"DATABASE_URL", "postgres://postgres@localhost:5432/logproc?sslmode=disable", "", "PostgreSQL connection URL", func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{"REDIS_URL", "redis://localhost:6379/0", "", "Redis for the asynq queue: one server, or `redis-sentinel://host:port,...?master=NAME`, or `redis-cluster://host:port,...`; `rediss` in place of `redis` for TLS (see Redis beyond one node)", func(c *Config, v string) error {
		c.RedisURL = v
		_, err := parseRedisURL(v)
		return err
	}},
	// After REDIS_URL, which it reads: a REDIS_URL that does not parse is
	// reported by its own row, not again here.
	{"REDIS_TLS_CA_FILE", "", "(the system's)", "PEM file of the CA certificates trusted for Redis over TLS (`rediss://`, `rediss-sentinel://`, `rediss-cluster://`), in place of the system's; set only with one of these forms. Each certificate must name the address dialed, or `REDIS_URL`'s `tls_server_name=`", func(c *Config, v string) error {
		c.RedisTLSCAFile = v
		t, err := parseRedisURL(c.RedisURL)
		if v == "" || err != nil {
			return nil
		}
		return withCAFile(t, c.RedisURL, v)
	}},
	{"HTTP_ADDR", ":8080", "", "address the API listens on", func(c *Config, v string) error { c.HTTPAddr = v; return nil }},
	{"METRICS_ADDR", "", "(off)", "address of a listener of its own serving Prometheus metrics at `/metrics` and the Go runtime's profiles at `/debug/pprof/` (see Metrics)", func(c *Config, v string) error { c.MetricsAddr = v; return nil }},
	{"JWT_SECRET", "", "(none)", "HS256 secret, 32 bytes or more (a Supabase project's legacy JWT secret works)", func(c *Config, v string) error { c.JWTSecret = v; return nil }},
	{"JWT_JWKS_URL", "", "(none)", "JWKS of an issuer signing with asymmetric keys (ES256, RS256), e.g. `https://<project>.supabase.co/auth/v1/.well-known/jwks.json`; may be set together with `JWT_SECRET`", func(c *Config, v string) error { c.JWTJWKSURL = v; return nil }},
	{"JWT_AUDIENCE", "", "(unchecked)", "required `aud` claim", func(c *Config, v string) error { c.JWTAudience = v; return nil }},
	{"STORAGE", "local", "", "blob store: `local` or `supabase`", func(c *Config, v string) error { c.Storage = v; return oneOf("STORAGE", v, "local", "supabase") }},
	{"BLOB_DIR", "./data/blobs", "", "directory of the local blob store; with `supabase`, where uploads are staged before they are sent", func(c *Config, v string) error { c.BlobDir = v; return nil }},
	{"SUPABASE_URL", "", "", "project URL, `https://<project>.supabase.co` (the Storage API is under `/storage/v1`)", func(c *Config, v string) error { c.SupabaseURL = v; return nil }},
	{"SUPABASE_SERVICE_KEY", "", "", "service-role key", func(c *Config, v string) error { c.SupabaseKey = v; return nil }},
	{"SUPABASE_BUCKET", "logs", "", "Storage bucket", func(c *Config, v string) error { c.SupabaseBucket = v; return nil }},
	{"BLOB_GC_EVERY", "1h", "", "how often each `serve` process deletes the blobs no job owns that are older than an hour, as `logproc blobs gc --delete` does; 1m at least, or 0 to turn it off (see Blob storage)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || (d > 0 && d < minBlobGCEvery) {
			return fmt.Errorf("BLOB_GC_EVERY must be 0 (off) or a duration of 1m or more, such as 1h, got %q", v)
		}
		c.BlobGCEvery = d
		return nil
	}},
	{"MAX_UPLOAD_BYTES", "1073741824", "`1073741824` (1 GiB)", "largest accepted file", func(c *Config, v string) (err error) {
		c.MaxUploadBytes, err = positiveInt("MAX_UPLOAD_BYTES", v)
		return err
	}},
	{"WORKER_CONCURRENCY", strconv.Itoa(runtime.GOMAXPROCS(0)), "CPU count", "jobs one worker process analyses at once", func(c *Config, v string) error {
		n, err := positiveInt("WORKER_CONCURRENCY", v)
		c.WorkerConcurrency = int(n)
		return err
	}},
	{"WORKER_POLL_INTERVAL", "20ms", "", "how often an idle worker process asks Redis for a task: a job waits for a worker up to one and a half times this (the looks are half this to one and a half times this apart), and each idle process costs Redis one script call per look; 1ms to 1s (see Benchmarks)", func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d < minWorkerPoll || d > maxWorkerPoll {
			return fmt.Errorf("WORKER_POLL_INTERVAL must be a duration from 1ms to 1s, such as 20ms, got %q", v)
		}
		c.WorkerPoll = d
		return nil
	}},
	{"GC_MIN_HEAP", "67108864", "`67108864` (64 MiB)", "`serve`, `work` and `all`: the garbage collector waits for the heap to grow by at least this much between two cycles (or by `GOGC` percent of what is live, if more), instead of running every 4 MB or so while little is live; 1048576 at least, or 0 to leave the collector to `GOGC` alone, as `GOGC=off` does (see Tuning a worker)", func(c *Config, v string) (err error) {
		c.GCMinHeap, err = offOrAtLeast("GC_MIN_HEAP", v, "GOGC alone", 1<<20)
		return err
	}},
	{"PART_BYTES", "67108864", "`67108864` (64 MiB)", "a plain-text file of twice this size or more is analysed in parts of about this size, each a task any worker takes; 65536 at least, or 0 to analyse every file whole (see Large files in parts)", func(c *Config, v string) (err error) {
		c.PartBytes, err = offOrAtLeast("PART_BYTES", v, "every file whole", minPartBytes)
		return err
	}},
	{"FOLLOW_UPLOAD_BYTES", "8388608", "`8388608` (8 MiB)", "an upload to the local blob store whose first this many bytes arrive at 64 MiB/s or more gets its job then, and its worker analyses the file as the rest arrives; 1048576 at least, or 0 to analyse every file once it is stored whole (see Analysis that follows the upload)", func(c *Config, v string) (err error) {
		c.FollowBytes, err = offOrAtLeast("FOLLOW_UPLOAD_BYTES", v, "never follow", minFollowBytes)
		return err
	}},
	{"CHUNK_LINES", strconv.Itoa(domain.DefaultChunkLines), "", "lines the worker analyses between two progress events of a job (LinesParsed); recorded with the job at its upload, so that every attempt cuts the same chunks. Fewer give finer progress and lose less work to a killed worker, and cost PostgreSQL more events; 1000 at least (see Benchmarks)", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < minChunkLines {
			return fmt.Errorf("CHUNK_LINES must be a number of lines of %d or more, got %q", minChunkLines, v)
		}
		c.ChunkLines = n
		return nil
	}},
	{"QUEUE", "logproc", "", "asynq queue name", func(c *Config, v string) error { c.Queue = v; return nil }},
	{"KEYWORDS", "error,exception,timeout,failed,refused,denied", "", "keywords counted per job", func(c *Config, v string) error { c.Keywords = splitList(v); return nil }},
	{"LOG_LEVEL", "info", "", "`debug`, `info`, `warn`, `error`", func(c *Config, v string) error {
		c.LogLevel = v
		return oneOf("LOG_LEVEL", v, "debug", "info", "warn", "error")
	}},
	{"LOG_FORMAT", "text", "", "`text` or `json`", func(c *Config, v string) error { c.LogFormat = v; return oneOf("LOG_FORMAT", v, "text", "json") }},
	{"SHUTDOWN_TIMEOUT", "30s", "", "how long a stop waits for requests and tasks", func(c *Config, v string) (err error) {
		c.ShutdownTimeout, err = time.ParseDuration(v)
		if err != nil || c.ShutdownTimeout <= 0 {
			return fmt.Errorf("SHUTDOWN_TIMEOUT must be a positive duration such as 30s, got %q", v)
		}
		return nil
	}},
	{"TRUSTED_PROXIES", "", "(none)", "CIDRs whose `X-Forwarded-For` is believed for client IPs", func(c *Config, v string) error {
		c.TrustedProxies = splitList(v)
		return validCIDRs("TRUSTED_PROXIES", c.TrustedProxies)
	}},
	{"PROGRESS_STREAMS_PER_USER", "8", "", "live progress streams one user may hold open at once", func(c *Config, v string) error {
		n, err := positiveInt("PROGRESS_STREAMS_PER_USER", v)
		c.StreamsPerUser = int(n)
		return err
	}},
	{"PROGRESS_STREAMS_MAX", "1000", "", "live progress streams one `serve` process holds open at once", func(c *Config, v string) error {
		n, err := positiveInt("PROGRESS_STREAMS_MAX", v)
		c.StreamsMax = int(n)
		return err
	}},
	{"RATE_LIMIT_UPLOADS", "30", "", "uploads a minute one user may make (0: no limit)", rateSetting("RATE_LIMIT_UPLOADS", func(l *lphttp.RateLimits) *int { return &l.UploadsPerUser })},
	{"RATE_LIMIT_UPLOADS_PER_IP", "120", "", "uploads a minute from one client IP (0: no limit)", rateSetting("RATE_LIMIT_UPLOADS_PER_IP", func(l *lphttp.RateLimits) *int { return &l.UploadsPerIP })},
	{"RATE_LIMIT_READS", "600", "", "reads a minute one user may make (0: no limit)", rateSetting("RATE_LIMIT_READS", func(l *lphttp.RateLimits) *int { return &l.ReadsPerUser })},
	{"RATE_LIMIT_READS_PER_IP", "1200", "", "reads a minute from one client IP, the token-free queue status included (0: no limit)", rateSetting("RATE_LIMIT_READS_PER_IP", func(l *lphttp.RateLimits) *int { return &l.ReadsPerIP })},
	{"HTTP_PORT", "8080", "", "Docker only: the host port the API is published on", nil},
	{"WORKER_REPLICAS", "1", "", "Docker only: how many worker containers run", nil},
}

// LoadConfig reads .env (without overriding the environment) and then the
// environment.
func LoadConfig() (Config, error) {
	if err := godotenv.Load(); err != nil && !os.IsNotExist(err) {
		return Config{}, fmt.Errorf("read .env: %w", err)
	}
	return ConfigFrom(os.Getenv)
}

// ConfigFrom builds a Config from a lookup function, such as os.Getenv. It
// reports every malformed setting at once.
func ConfigFrom(getenv func(string) string) (Config, error) {
	var c Config
	var errs []error
	for _, s := range settings {
		if s.set == nil {
			continue
		}
		v := getenv(s.name)
		if v == "" {
			v = s.def
		}
		errs = append(errs, s.set(&c, v))
	}
	if err := errors.Join(errs...); err != nil {
		return c, settingsError(err)
	}
	return c, nil
}

// Preflight checks that the settings fit together before anything starts,
// and reports every problem at once with what to set. auth says whether the
// command verifies or mints tokens (serve, all, token).
func (c Config) Preflight(auth bool) error {
	var errs []error
	if auth {
		errs = append(errs, c.checkAuth())
	}
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("HTTP_ADDR must be host:port or :port, got %q", c.HTTPAddr))
	}
	if c.Storage == "supabase" {
		errs = append(errs, c.checkSupabase())
	}
	if err := errors.Join(errs...); err != nil {
		return settingsError(err)
	}
	return nil
}

func (c Config) checkAuth() error {
	var errs []error
	if c.JWTSecret == "" && c.JWTJWKSURL == "" {
		errs = append(errs, fmt.Errorf("JWT_SECRET or JWT_JWKS_URL must be set to verify tokens "+
			"(`make env` writes a random JWT_SECRET to .env; a Supabase project's JWKS is at https://<project>.supabase.co/auth/v1/.well-known/jwks.json)"))
	}
	if n := len(c.JWTSecret); n > 0 && n < minSecretBytes {
		errs = append(errs, fmt.Errorf("JWT_SECRET must be at least %d bytes, got %d", minSecretBytes, n))
	}
	if c.JWTJWKSURL != "" {
		errs = append(errs, httpURL("JWT_JWKS_URL", c.JWTJWKSURL))
	}
	return errors.Join(errs...)
}

func (c Config) checkSupabase() error {
	var errs []error
	if c.SupabaseURL == "" {
		errs = append(errs, errors.New("STORAGE=supabase needs SUPABASE_URL, the project URL https://<project>.supabase.co"))
	} else {
		errs = append(errs, httpURL("SUPABASE_URL", c.SupabaseURL))
	}
	if c.SupabaseKey == "" {
		errs = append(errs, errors.New("STORAGE=supabase needs SUPABASE_SERVICE_KEY, the project's service-role key"))
	}
	return errors.Join(errs...)
}

// settingsError lists problems one a line, under a heading that says where
// settings come from.
func settingsError(err error) error {
	lines := strings.Split(err.Error(), "\n")
	return fmt.Errorf("settings (environment and .env):\n  - %s", strings.Join(lines, "\n  - "))
}

func httpURL(name, v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s must be an http(s) URL, got %q", name, v)
	}
	return nil
}

func validCIDRs(name string, cidrs []string) error {
	for _, c := range cidrs {
		if _, err := netip.ParsePrefix(c); err != nil {
			return fmt.Errorf("%s: %q is not a CIDR such as 10.0.0.0/8", name, c)
		}
	}
	return nil
}

func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%s must be one of %s, got %q", name, strings.Join(allowed, ", "), v)
}

// rateSetting reads a rate limit: requests a minute, 0 for none.
func rateSetting(name string, field func(*lphttp.RateLimits) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%s must be a whole number of requests a minute, 0 for no limit, got %q", name, v)
		}
		*field(&c.RateLimits) = n
		return nil
	}
}

func positiveInt(name, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s must be a positive integer, got %q", name, v)
	}
	return n, nil
}

// offOrAtLeast reads a size in bytes that is 0 (off, which means what off
// says) or least or more.
func offOrAtLeast(name, v, off string, least int64) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || (n > 0 && n < least) {
		return 0, fmt.Errorf("%s must be 0 (%s) or a size in bytes of %d or more, got %q", name, off, least, v)
	}
	return n, nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
