package asynqtest

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server process a test started on a free port of
// 127.0.0.1, in a directory of its own, killed when the test ends, failed or
// not. It is never the shared Redis other tests use.
type Server struct {
	// Addr is host:port.
	Addr string
	// Dir holds its configuration, data and log.
	Dir  string
	cmd  *exec.Cmd
	done chan struct{}
	// spec is how it was started, for Restart.
	spec spec
	// password is what clients give, the --requirepass of args.
	password string
	// console returns what the process wrote to its stdout and stderr,
	// once it has exited.
	console func() string
}

// spec is what a process is started with besides its port.
type spec struct {
	name string
	// conf, when set, is written to a file given as the configuration file.
	conf string
	// host is the address it binds: 127.0.0.1 unless a test gives each
	// process a loopback address of its own.
	host string
	// bus reserves port+10000 too, the cluster bus.
	bus  bool
	args []string
	// tls, when set, has the process serve TLS only.
	tls *serverTLS
}

// serverTLS is a process's TLS: its certificate and key, the CA it trusts,
// and the configuration its clients use.
type serverTLS struct {
	certFile, keyFile, caFile string
	client                    *tls.Config
}

// Start starts one Redis server that keeps nothing on disk, so that a
// Restart after a Kill starts it empty, as a Redis that lost its data.
func Start(t testing.TB) *Server {
	t.Helper()
	return startServer(t, "redis", "", false, "--save", "", "--appendonly", "no")
}

// loopback is the address processes bind unless a test gives each one an
// address of its own.
const loopback = "127.0.0.1"

// Restart starts a killed server again on its port, with its settings.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	_, port, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(port)
	fresh, err := launch(t, redisServerBinary(t), s.spec, n)
	if err != nil {
		t.Fatalf("asynqtest: restart %s: %v", s.spec.name, err)
	}
	s.cmd, s.done, s.Dir = fresh.cmd, fresh.done, fresh.Dir
}

// redisServerBinary returns the path of redis-server, or skips the test
// with what to install; with LOGPROC_REQUIRE_REDIS_SERVER=1 (CI sets it,
// having installed the package) it fails instead, so that a run without
// the binary cannot pass without these tests.
func redisServerBinary(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		cannotRun(t, "redis-server is not installed, so this test cannot start Redis processes of its own: "+
			"apt-get install redis-server (Debian/Ubuntu; it runs sentinels too), brew install redis (macOS)")
	}
	return path
}

// cannotRun skips a test that this machine cannot run, saying why, or
// fails it with LOGPROC_REQUIRE_REDIS_SERVER=1 (CI sets it, having
// installed what the tests need), so that CI cannot pass without them.
func cannotRun(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("LOGPROC_REQUIRE_REDIS_SERVER") == "1" {
		t.Fatal(why + " (LOGPROC_REQUIRE_REDIS_SERVER=1)")
	}
	t.Skip(why)
}

// startAttempts is how many free ports a start tries: another process may
// take a port between the moment it is found free and the moment
// redis-server binds it.
const startAttempts = 5

// startServer starts redis-server with args after its port options, first
// writing conf (if any) to a file given as its configuration file, which
// sentinels need and rewrite. busPort also reserves port+10000, the cluster
// bus.
func startServer(t testing.TB, name, conf string, busPort bool, args ...string) *Server {
	t.Helper()
	s, err := start(t, spec{name: name, conf: conf, host: loopback, bus: busPort, args: args})
	if err != nil {
		t.Fatalf("asynqtest: start %s: %v", name, err)
	}
	return s
}

// start starts a process of sp on a free port, trying startAttempts ports.
func start(t testing.TB, sp spec) (*Server, error) {
	t.Helper()
	bin := redisServerBinary(t)
	var errs []error
	for range startAttempts {
		port, err := freePort(sp.host, sp.bus)
		if err != nil {
			t.Fatalf("asynqtest: find a free port: %v", err)
		}
		s, err := launch(t, bin, sp, port)
		if err == nil {
			return s, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// launch starts one process on port and waits until it answers as itself.
// With TLS, port is its TLS port and it has no other.
func launch(t testing.TB, bin string, sp spec, port int) (*Server, error) {
	dir := t.TempDir()
	var argv []string
	if sp.conf != "" {
		path := filepath.Join(dir, sp.name+".conf")
		if err := os.WriteFile(path, []byte(sp.conf), 0o600); err != nil {
			return nil, err
		}
		argv = append(argv, path)
	}
	if sp.tls == nil {
		argv = append(argv, "--port", strconv.Itoa(port))
	} else {
		argv = append(argv, "--port", "0", "--tls-port", strconv.Itoa(port),
			"--tls-cert-file", sp.tls.certFile, "--tls-key-file", sp.tls.keyFile,
			"--tls-ca-cert-file", sp.tls.caFile, "--tls-auth-clients", "no")
	}
	argv = append(argv, "--bind", sp.host, "--dir", dir,
		"--logfile", filepath.Join(dir, sp.name+".log"), "--daemonize", "no", "--protected-mode", "no")
	argv = append(argv, sp.args...)
	cmd := exec.Command(bin, argv...)
	// What it says before its log is open, such as a refused option.
	var console bytes.Buffer
	cmd.Stdout, cmd.Stderr = &console, &console
	cmd.SysProcAttr = killWithParent()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{Addr: net.JoinHostPort(sp.host, strconv.Itoa(port)), Dir: dir, cmd: cmd, done: make(chan struct{}),
		spec: sp, password: argAfter(sp.args, "--requirepass")}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.cleanup(t, sp.name) })
	s.console = func() string { <-s.done; return strings.TrimSpace(console.String()) }
	if err := s.waitOwn(); err != nil {
		s.Kill()
		return nil, fmt.Errorf("%s on port %d: %w", sp.name, port, err)
	}
	return s, nil
}

// readyTimeout bounds a start; it only guards against a hang.
const readyTimeout = 10 * time.Second

// waitOwn waits until the port answers PING and its process id is the one
// started, so a test never talks to another process that took the port.
func (s *Server) waitOwn() error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Password: s.password, MaxRetries: -1, DialTimeout: time.Second,
		TLSConfig: s.tlsClient()})
	defer c.Close()
	deadline := time.Now().Add(readyTimeout)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("exited at start: %s %s", s.console(), s.logTail())
		default:
		}
		info, err := c.Info(context.Background(), "server").Result()
		if err == nil {
			if pid := infoField(info, "process_id"); pid != strconv.Itoa(s.cmd.Process.Pid) {
				return fmt.Errorf("another process (pid %s) answers on the port", pid)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %s: %w", readyTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Client returns a client of this one process, closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	return s.ClientOf(t, 0)
}

// ClientOf returns a client of database db of this one process, closed
// when the test ends.
func (s *Server) ClientOf(t testing.TB, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Password: s.password, DB: db, TLSConfig: s.tlsClient()})
	t.Cleanup(func() { c.Close() })
	return c
}

// tlsClient returns the TLS configuration of a client of this process, nil
// without TLS.
func (s *Server) tlsClient() *tls.Config {
	if s.spec.tls == nil {
		return nil
	}
	return s.spec.tls.client.Clone()
}

// Kill stops the process with SIGKILL, as a crash would, and waits for it.
func (s *Server) Kill() {
	s.cmd.Process.Kill()
	<-s.done
}

// cleanup kills the process and, when the test failed, logs the end of the
// process's log.
func (s *Server) cleanup(t testing.TB, name string) {
	s.Kill()
	if t.Failed() {
		t.Logf("asynqtest: last lines of %s's log (%s):\n%s", name, s.Addr, s.logTail())
	}
}

// logTail returns the last lines of the process's log.
func (s *Server) logTail() string {
	matches, _ := filepath.Glob(filepath.Join(s.Dir, "*.log"))
	if len(matches) == 0 {
		return "(no log)"
	}
	b, _ := os.ReadFile(matches[0])
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	return string(bytes.Join(lines[max(0, len(lines)-30):], []byte("\n")))
}

// freePort returns a port of host nobody listens on now; with bus, one
// whose cluster bus port (port+10000) is free too.
func freePort(host string, bus bool) (int, error) {
	for range 20 {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !bus {
			return port, nil
		}
		if port+10000 > 65535 {
			continue
		}
		if busLn, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port+10000))); err == nil {
			busLn.Close()
			return port, nil
		}
	}
	return 0, errors.New("no port with a free cluster bus port")
}

// infoField returns one field of an INFO answer.
func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// argAfter returns the argument after flag in args, or "".
func argAfter(args []string, flag string) string {
	for i, a := range args[:max(len(args)-1, 0)] {
		if a == flag {
			return args[i+1]
		}
	}
	return ""
}
