package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
)

// readHeaderTimeout bounds how long a client may take to send its headers.
const readHeaderTimeout = 10 * time.Second

// connectPostgres opens a pool and checks that the database answers, saying
// how to fix the usual failures.
func connectPostgres(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	// A projection reader waits for every older transaction; never let an
	// abandoned one of ours hold all readers back.
	params := cfg.ConnConfig.RuntimeParams
	params["idle_in_transaction_session_timeout"] = "60000"
	// The process id tells operators, and the fault tests, which process
	// holds which connection (and so which projection lock).
	params["application_name"] = fmt.Sprintf("logproc pid %d", os.Getpid())
	// A projector's advisory lock lives as long as its server session: let
	// the server notice within about half a minute that a crashed or cut-off
	// process is gone, so another takes over.
	params["tcp_keepalives_idle"], params["tcp_keepalives_interval"], params["tcp_keepalives_count"] = "15", "5", "3"
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = max(cfg.MaxConns, 16)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, postgresHint(dsn, err)
	}
	return pool, nil
}

func postgresHint(dsn string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "3D000" {
		return fmt.Errorf("database in DATABASE_URL does not exist: run `logproc migrate create-db` (or `make run`): %w", err)
	}
	if errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000") {
		return fmt.Errorf("PostgreSQL refused the login in DATABASE_URL (%s): set DATABASE_URL to a user that may "+
			"connect, e.g. postgres://USER:PASSWORD@localhost:5432/logproc, in .env or the environment: %w", redactURL(dsn), err)
	}
	return fmt.Errorf("cannot reach PostgreSQL at %s (check DATABASE_URL; `make run` starts a local one): %w", redactURL(dsn), err)
}

// configAndPool loads the configuration and connects to its database, for
// the commands that need only PostgreSQL.
func configAndPool(ctx context.Context) (Config, *pgxpool.Pool, error) {
	cfg, err := LoadConfig()
	if err != nil {
		return cfg, nil, err
	}
	pool, err := connectPostgres(ctx, cfg.DatabaseURL)
	return cfg, pool, err
}

// createDatabase creates the database DATABASE_URL names, connecting to the
// server's "postgres" database, unless it exists.
func createDatabase(ctx context.Context, dsn string) (bool, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return false, fmt.Errorf("DATABASE_URL: %w", err)
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return false, postgresHint(dsn, err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil || exists {
		return false, err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created meanwhile
		return false, nil
	}
	return err == nil, err
}

// redisLogger sends go-redis's own messages, such as dial retries, to slog
// at debug level: the app reports what they mean (a failed enqueue, a failed
// readiness check) where it happens.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, fmt.Sprintf(format, v...), "component", "go-redis")
}

// connectRedis returns a client for REDIS_URL (and REDIS_TLS_CA_FILE): one
// server, a master found through Redis Sentinel, or a Redis Cluster. It does
// not connect: asynq and the readiness check see whether Redis answers.
func connectRedis(cfg Config) (redis.UniversalClient, error) {
	target, err := redisTargetOf(cfg.RedisURL, cfg.RedisTLSCAFile)
	if err != nil {
		return nil, err
	}
	return target.client(), nil
}

// pingRedis checks that Redis takes commands. A Cluster answers only when
// every master does: asynq's keys of one queue live on one node, but its
// lists of queues and servers live on others.
func pingRedis(ctx context.Context, rdb redis.UniversalClient) error {
	if c, ok := rdb.(*redis.ClusterClient); ok {
		return c.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
			return node.Ping(ctx).Err()
		})
	}
	return rdb.Ping(ctx).Err()
}

// openBlobStore opens the store STORAGE names. A Supabase store stages
// uploads under BLOB_DIR.
func openBlobStore(cfg Config, log *slog.Logger) (domain.BlobStore, error) {
	if cfg.Storage == "supabase" {
		return storage.NewSupabase(storage.SupabaseConfig{URL: cfg.SupabaseURL, ServiceKey: cfg.SupabaseKey,
			Bucket: cfg.SupabaseBucket, StageDir: cfg.BlobDir, Log: log})
	}
	return storage.NewLocal(cfg.BlobDir, storage.WithLog(log))
}

// blobReadyEvery is how often /readyz probes the blob store at most.
const blobReadyEvery = 5 * time.Second

// blobReadiness is the /readyz check of the blob store: its probe, made at
// most every blobReadyEvery.
func blobReadiness(blobs domain.BlobStore) func(context.Context) error {
	if p, ok := blobs.(storage.Prober); ok {
		return storage.CachedProbe(p, blobReadyEvery)
	}
	return func(context.Context) error { return nil }
}

// blobProbeTimeout bounds the probe of the blob store at start.
const blobProbeTimeout = 10 * time.Second

// probeBlobStore checks the blob store at start. Settings that cannot work
// (no Storage API at SUPABASE_URL, no such bucket, a refused key) stop the
// start with what to fix; a store that is only unavailable now is logged,
// and /readyz reports it until it is back.
func probeBlobStore(ctx context.Context, blobs domain.BlobStore, log *slog.Logger) error {
	p, ok := blobs.(storage.Prober)
	if !ok {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, blobProbeTimeout)
	defer cancel()
	err := p.Probe(ctx)
	if errors.Is(err, storage.ErrMisconfigured) {
		return fmt.Errorf("blob store: %w", err)
	}
	if err != nil {
		log.Warn("the blob store does not answer yet; /readyz reports it until it does", "err", err)
	}
	return nil
}

// redactURL hides a URL's password for logs and messages.
func redactURL(raw string) string {
	u, err := parseURLWithHosts(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if q := u.Query(); q.Has("password") { // the Sentinel form's servers' own
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return scrubSecrets(raw, u.Redacted())
}

// scrubSecrets replaces in s whatever raw, a URL, may hold as a password.
// A password with an unescaped '/', '?' or '#' ends the URL's authority
// early, so a parse reads no password and shows pieces of it as a host, a
// port or a path, which redacting the parsed URL leaves in place.
func scrubSecrets(raw, s string) string {
	for _, secret := range secretsOf(raw) {
		s = strings.ReplaceAll(s, secret, "xxxxx")
	}
	return s
}

// secretsOf returns what in raw may be a password, longest first: the
// password= option's value, and, for each '@' after the scheme's "//", what
// follows the first ':' before it, whole and in its pieces between '/', '?'
// and '#'; each also unescaped. Pieces of one byte are left: replacing them
// would garble the message, and they tell little of a password.
func secretsOf(raw string) []string {
	var out []string
	add := func(s string) {
		for _, v := range []string{s, unescaped(s)} {
			if len(v) > 1 && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	if _, rest, ok := strings.Cut(raw, "//"); ok {
		for i := range len(rest) {
			if rest[i] != '@' {
				continue
			}
			if _, pw, ok := strings.Cut(rest[:i], ":"); ok {
				add(pw)
				for _, piece := range strings.FieldsFunc(pw, func(r rune) bool { return r == '/' || r == '?' || r == '#' }) {
					add(piece)
				}
			}
		}
	}
	for _, kv := range strings.FieldsFunc(raw, func(r rune) bool { return r == '?' || r == '&' }) {
		if v, ok := strings.CutPrefix(kv, "password="); ok {
			add(v)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

// unescaped is s with its %XX escapes decoded, or s when it has a bad one.
func unescaped(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// asynqLogger sends asynq's logs to slog.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Fatal(args ...any) {
	l.log.Error(fmt.Sprint(args...), "component", "asynq")
	os.Exit(1)
}
