// Package pgtest gives each test its own migrated PostgreSQL database, made
// from a template database that is migrated once per migration set, and
// dropped when the test ends.
//
// It connects to TEST_DATABASE_URL, by default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/migrations"
)

// DefaultURL is the admin connection used when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL returns the connection string of the database tests create
// their databases from.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// NewDatabase creates a migrated database for the test and returns its URL.
// The database is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := connectAdmin(ctx, t)
	defer admin.Close(context.Background())

	tmpl, err := ensureTemplate(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: template database: %v", err)
	}
	name := "logproc_test_" + randomHex(6)
	if err := createFrom(ctx, admin, name, tmpl); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(t, name) })
	return withDatabase(t, AdminURL(), name)
}

// NewEmptyDatabase creates a database with no tables for the test and
// returns its URL. It is dropped when the test ends.
func NewEmptyDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := connectAdmin(ctx, t)
	defer admin.Close(context.Background())
	name := "logproc_test_" + randomHex(6)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(t, name) })
	return withDatabase(t, AdminURL(), name)
}

// NewPool creates a migrated database for the test and returns a pool on it,
// closed when the test ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("pgtest: pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// NewPoolOf is NewPool with up to maxConns connections, so that concurrent
// writers in a test really run concurrently.
func NewPoolOf(t testing.TB, maxConns int32) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func connectAdmin(ctx context.Context, t testing.TB) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatalf("pgtest: cannot reach PostgreSQL at %s: %v\n"+
			"Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"+
			"or set TEST_DATABASE_URL to a server where this user may create databases.", AdminURL(), err)
	}
	return conn
}

// ensureTemplate creates and migrates the template database for the current
// migration files once; concurrent test binaries serialise on an advisory
// lock.
func ensureTemplate(ctx context.Context, admin *pgx.Conn) (string, error) {
	name := "logproc_tmpl_" + migrationsHash()
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(hashtext('logproc pgtest template'))`); err != nil {
		return "", err
	}
	defer admin.Exec(context.Background(), `SELECT pg_advisory_unlock(hashtext('logproc pgtest template'))`)
	var exists bool
	err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists)
	if err != nil || exists {
		return name, err
	}
	if err := migrateTemplate(ctx, admin, name); err != nil {
		admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return "", err
	}
	dropStaleTemplates(ctx, admin, name)
	return name, nil
}

// staleTemplateAge is how long a template of another migration set is kept.
// Test runs of several branches may share one server, each with its own
// migration set; a template is only dropped once no run can still be using
// it.
const staleTemplateAge = 24 * time.Hour

// dropStaleTemplates drops the templates of other migration sets made more
// than staleTemplateAge ago (or before templates recorded their age).
func dropStaleTemplates(ctx context.Context, admin *pgx.Conn, keep string) {
	rows, err := admin.Query(ctx, `SELECT datname FROM pg_database
		WHERE datname LIKE 'logproc\_tmpl\_%' AND datname <> $1
		AND coalesce(substring(shobj_description(oid, 'pg_database') FROM '^created ([0-9]+)$')::bigint, 0) < $2`,
		keep, time.Now().Add(-staleTemplateAge).Unix())
	if err != nil {
		return
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, name := range stale {
		admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
}

func migrateTemplate(ctx context.Context, admin *pgx.Conn, name string) error {
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("COMMENT ON DATABASE %s IS 'created %d'", name, time.Now().Unix())); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, withDatabase(nil, AdminURL(), name))
	if err != nil {
		return err
	}
	defer pool.Close()
	_, err = migrations.Up(ctx, pool)
	return err
}

// createFrom copies the template, retrying while another session still
// holds a connection to it.
func createFrom(ctx context.Context, admin *pgx.Conn, name, tmpl string) error {
	for {
		_, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl))
		if err == nil || !strings.Contains(err.Error(), "is being accessed by other users") {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func drop(t testing.TB, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Logf("pgtest: drop %s: %v", name, err)
		return
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Logf("pgtest: drop %s: %v", name, err)
	}
}

// migrationsHash names the migration set, so a changed migration gets a new
// template.
func migrationsHash() string {
	h := sha256.New()
	fs.WalkDir(migrations.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(migrations.Files, path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// withDatabase returns url with its database name replaced.
func withDatabase(t testing.TB, raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		msg := fmt.Sprintf("pgtest: TEST_DATABASE_URL must be a postgres:// URL, got %q", raw)
		if t != nil {
			t.Fatal(msg)
		}
		panic(msg)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
