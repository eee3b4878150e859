package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The fault tests start services of their own, which they may kill, freeze
// and restart at will: never the PostgreSQL and Redis that other tests and
// other people share. Redis comes from asynqtest.Start; PostgreSQL from
// here.

// freePort returns a TCP port nothing listens on at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// findBinary looks for a server binary on PATH and in PostgreSQL's Debian
// directories, and skips the test, saying what to install, when it is not
// there.
func findBinary(t *testing.T, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1]
	}
	t.Skipf("fault tests need %s (install %s); skipping", name, install)
	return ""
}

// waitFor polls cond until it holds; the deadline only turns a hang into a
// failure.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %s waiting for %s", limit, what)
		}
	}
}

// throwawayPostgres is a PostgreSQL server of the test's own: its data in a
// temporary directory, listening on a free port.
type throwawayPostgres struct {
	t        *testing.T
	bin      string
	dir      string
	port     int
	cred     *syscall.Credential
	postgres *exec.Cmd
	exited   chan struct{}
}

// startPostgres creates and starts a server. PostgreSQL refuses to run as
// root, so a root test runs it as the postgres user.
func startPostgres(t *testing.T) *throwawayPostgres {
	t.Helper()
	initdb := findBinary(t, "initdb", "postgresql")
	pg := &throwawayPostgres{t: t, bin: filepath.Join(filepath.Dir(initdb), "postgres"), port: freePort(t)}
	dir, err := os.MkdirTemp("", "logproc-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	pg.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		pg.cred = postgresUser(t)
		if err := os.Chown(dir, int(pg.cred.Uid), int(pg.cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(initdb, "-D", filepath.Join(dir, "data"), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
	cmd.SysProcAttr = withParent(pg.cred)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	pg.start()
	t.Cleanup(func() { pg.stop(syscall.SIGQUIT) })
	return pg
}

func postgresUser(t *testing.T) *syscall.Credential {
	t.Helper()
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Skipf("fault tests run as root and need a postgres user to run PostgreSQL as: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}

// start starts the server on its port and waits until it takes connections.
// It does not sync to disk, which only an operating system crash would
// miss; commits are synchronous, as in production, so an immediate
// shutdown (a crash of PostgreSQL) loses no acknowledged commit.
func (pg *throwawayPostgres) start() {
	pg.t.Helper()
	cmd := exec.Command(pg.bin, "-D", filepath.Join(pg.dir, "data"), "-p", strconv.Itoa(pg.port), "-k", pg.dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
		"-c", "full_page_writes=off", "-c", "shared_buffers=32MB", "-c", "max_connections=200")
	cmd.SysProcAttr = withParent(pg.cred)
	out, err := os.Create(filepath.Join(pg.dir, "postgres.log"))
	if err != nil {
		pg.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		pg.t.Fatalf("start postgres: %v", err)
	}
	pg.postgres, pg.exited = cmd, make(chan struct{})
	go func() { cmd.Wait(); out.Close(); close(pg.exited) }()
	waitFor(pg.t, "the throwaway PostgreSQL to take connections", time.Minute, func() bool {
		conn, err := pgx.Connect(context.Background(), pg.url("postgres"))
		if err == nil {
			conn.Close(context.Background())
		}
		return err == nil
	})
}

// stop stops the server: SIGINT is a fast shutdown, SIGQUIT an immediate
// one (a crash, as far as the data is concerned).
func (pg *throwawayPostgres) stop(sig syscall.Signal) {
	if pg.postgres == nil {
		return
	}
	pg.postgres.Process.Signal(sig)
	select {
	case <-pg.exited:
	case <-time.After(time.Minute):
		pg.postgres.Process.Kill()
		<-pg.exited
	}
	pg.postgres = nil
}

// url returns the URL of a database of the server.
func (pg *throwawayPostgres) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.port, db)
}

// logTail returns the last lines of a process's output, for a failure
// message.
func logTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
