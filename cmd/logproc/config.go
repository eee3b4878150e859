package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
)

// Config is every setting of Log Processor, read from the environment (and a
// .env file when present). Each has a working local default except
// JWT_SECRET, which `make run` generates.
type Config struct {
	DatabaseURL       string
	RedisURL          string
	HTTPAddr          string
	JWTSecret         string
	JWTAudience       string
	Storage           string
	BlobDir           string
	SupabaseURL       string
	SupabaseKey       string
	SupabaseBucket    string
	MaxUploadBytes    int64
	WorkerConcurrency int
	Queue             string
	Keywords          []string
	LogLevel          string
	LogFormat         string
	ShutdownTimeout   time.Duration
	TrustedProxies    []string
}

// setting is one environment variable: its name, default and meaning, as the
// README's configuration table lists them.
type setting struct {
	name, def, help string
	set             func(c *Config, v string) error
}

var settings = []setting{
	{"DATABASE_URL", "postgres://postgres@localhost:5432/logproc?sslmode=disable", "PostgreSQL connection URL", func(c *Config, v string) error { c.DatabaseURL = v; return nil }},
	{"REDIS_URL", "redis://localhost:6379/0", "Redis URL for the asynq queue", func(c *Config, v string) error { c.RedisURL = v; return nil }},
	{"HTTP_ADDR", ":8080", "address the API listens on", func(c *Config, v string) error { c.HTTPAddr = v; return nil }},
	{"JWT_SECRET", "", "HS256 secret, at least 32 bytes (a Supabase project's JWT secret works)", func(c *Config, v string) error { c.JWTSecret = v; return nil }},
	{"JWT_AUDIENCE", "", "required `aud` claim; unchecked when empty", func(c *Config, v string) error { c.JWTAudience = v; return nil }},
	{"STORAGE", "local", "blob store: local or supabase", func(c *Config, v string) error { c.Storage = v; return oneOf("STORAGE", v, "local", "supabase") }},
	{"BLOB_DIR", "./data/blobs", "directory of the local blob store", func(c *Config, v string) error { c.BlobDir = v; return nil }},
	{"SUPABASE_URL", "", "Supabase project URL, e.g. https://xyz.supabase.co", func(c *Config, v string) error { c.SupabaseURL = v; return nil }},
	{"SUPABASE_SERVICE_KEY", "", "Supabase service-role key", func(c *Config, v string) error { c.SupabaseKey = v; return nil }},
	{"SUPABASE_BUCKET", "logs", "Supabase Storage bucket", func(c *Config, v string) error { c.SupabaseBucket = v; return nil }},
	{"MAX_UPLOAD_BYTES", "1073741824", "largest accepted file, in bytes (1 GiB)", func(c *Config, v string) (err error) {
		c.MaxUploadBytes, err = positiveInt("MAX_UPLOAD_BYTES", v)
		return err
	}},
	{"WORKER_CONCURRENCY", strconv.Itoa(runtime.GOMAXPROCS(0)), "jobs one worker process analyses at once (default: CPU count)", func(c *Config, v string) error {
		n, err := positiveInt("WORKER_CONCURRENCY", v)
		c.WorkerConcurrency = int(n)
		return err
	}},
	{"QUEUE", "logproc", "asynq queue name", func(c *Config, v string) error { c.Queue = v; return nil }},
	{"KEYWORDS", "error,exception,timeout,failed,refused,denied", "comma-separated keywords counted per job", func(c *Config, v string) error { c.Keywords = splitList(v); return nil }},
	{"LOG_LEVEL", "info", "debug, info, warn or error", func(c *Config, v string) error {
		c.LogLevel = v
		return oneOf("LOG_LEVEL", v, "debug", "info", "warn", "error")
	}},
	{"LOG_FORMAT", "text", "text or json", func(c *Config, v string) error { c.LogFormat = v; return oneOf("LOG_FORMAT", v, "text", "json") }},
	{"SHUTDOWN_TIMEOUT", "30s", "how long a stop waits for requests and tasks to finish", func(c *Config, v string) (err error) {
		c.ShutdownTimeout, err = time.ParseDuration(v)
		return err
	}},
	{"TRUSTED_PROXIES", "", "CIDRs of proxies whose X-Forwarded-For is trusted", func(c *Config, v string) error { c.TrustedProxies = splitList(v); return nil }},
}

// LoadConfig reads .env (without overriding the environment) and then the
// environment.
func LoadConfig() (Config, error) {
	if err := godotenv.Load(); err != nil && !os.IsNotExist(err) {
		return Config{}, fmt.Errorf("read .env: %w", err)
	}
	return ConfigFrom(os.Getenv)
}

// ConfigFrom builds a Config from a lookup function, such as os.Getenv.
func ConfigFrom(getenv func(string) string) (Config, error) {
	var c Config
	for _, s := range settings {
		v := getenv(s.name)
		if v == "" {
			v = s.def
		}
		if err := s.set(&c, v); err != nil {
			return c, err
		}
	}
	return c, nil
}

func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("%s must be one of %s, got %q", name, strings.Join(allowed, ", "), v)
}

func positiveInt(name, v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s must be a positive integer, got %q", name, v)
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
