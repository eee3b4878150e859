package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/logproc/logproc/domain/worker/asynqtest"
	lphttp "github.com/logproc/logproc/http"
)

// binDir holds the logproc command the fault tests build; TestMain
// removes it.
var binDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// logprocBinary builds the logproc command once per test run, without the
// race detector, so the fault tests run real processes as deployed.
var logprocBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "logproc-faults-bin-")
	if err != nil {
		return "", err
	}
	binDir = dir
	bin := filepath.Join(dir, "logproc")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// stack is a deployment of Log Processor for a fault test: its own
// PostgreSQL and Redis, and logproc processes started, killed, frozen and
// restarted as the test says.
type stack struct {
	t     *testing.T
	bin   string
	pg    *throwawayPostgres
	redis *asynqtest.Server
	env   []string
	dir   string
}

func newStack(t *testing.T) *stack {
	t.Helper()
	if testing.Short() {
		t.Skip("fault tests start real servers; skipped with -short")
	}
	bin, err := logprocBinary()
	if err != nil {
		t.Fatal(err)
	}
	s := &stack{t: t, bin: bin, pg: startPostgres(t), redis: asynqtest.Start(t), dir: t.TempDir()}
	conn, err := pgx.Connect(context.Background(), s.pg.url("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE DATABASE logproc"); err != nil {
		t.Fatal(err)
	}
	s.env = []string{"DATABASE_URL=" + s.pg.url("logproc"), "REDIS_URL=redis://" + s.redis.Addr + "/0",
		"JWT_SECRET=" + testSecret, "BLOB_DIR=" + filepath.Join(s.dir, "blobs"), "QUEUE=faults",
		"WORKER_CONCURRENCY=1", "SHUTDOWN_TIMEOUT=5s", "LOG_LEVEL=info", "PATH=" + os.Getenv("PATH")}
	return s
}

// proc is one logproc process of a stack.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	out    *syncBuffer
	url    string
	exited chan struct{}
}

// syncBuffer collects a process's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start starts `logproc COMMAND` and, for serve, waits until its API
// answers.
func (s *stack) start(name, command string) *proc {
	s.t.Helper()
	p := &proc{t: s.t, name: name, out: &syncBuffer{}, exited: make(chan struct{})}
	env := s.env
	if command == "serve" {
		addr := "127.0.0.1:" + strconv.Itoa(freePort(s.t))
		env, p.url = append(env, "HTTP_ADDR="+addr), "http://"+addr
	}
	p.cmd = exec.Command(s.bin, command)
	p.cmd.Env, p.cmd.Dir, p.cmd.Stdout, p.cmd.Stderr = env, s.dir, p.out, p.out
	p.cmd.SysProcAttr = withParent(nil)
	if err := p.cmd.Start(); err != nil {
		s.t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.exited) }()
	s.t.Cleanup(func() {
		p.signal(syscall.SIGCONT)
		p.kill()
		if s.t.Failed() || os.Getenv("FAULTS_DUMP") != "" {
			s.t.Logf("%s's last output:\n%s", name, logTail(p.out.String(), 30))
		}
	})
	if p.url != "" {
		waitFor(s.t, name+" to answer", time.Minute, func() bool { return p.get("/healthz", "") == http.StatusOK })
	}
	return p
}

func (p *proc) signal(sig syscall.Signal) {
	select {
	case <-p.exited:
	default:
		p.cmd.Process.Signal(sig)
	}
}

// kill ends the process with SIGKILL and waits for it.
func (p *proc) kill() {
	p.signal(syscall.SIGKILL)
	<-p.exited
}

// logged reports whether the process logged a line holding every part.
func (p *proc) logged(parts ...string) bool {
	for _, line := range strings.Split(p.out.String(), "\n") {
		all := true
		for _, part := range parts {
			all = all && strings.Contains(line, part)
		}
		if all {
			return true
		}
	}
	return false
}

func (p *proc) get(path, token string) int {
	status, _ := p.getJSON(path, token, nil)
	return status
}

// getJSON fetches path from a serve process; a failed request is status 0.
func (p *proc) getJSON(path, token string, v any) (int, error) {
	req, _ := http.NewRequest("GET", p.url+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if v != nil {
		err = json.Unmarshal(body, v)
	}
	return resp.StatusCode, err
}

// upload posts a file as a raw body and returns the job id, or "" with the
// status when it was not accepted.
func (p *proc) upload(token, name string, content []byte) (string, int) {
	req, _ := http.NewRequest("POST", p.url+"/api/upload-logs?filename="+name, bytes.NewReader(content))
	req.Header.Set("Authorization", "Bearer "+token)
	client := http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	var body struct {
		JobID string `json:"job_id"`
	}
	json.NewDecoder(resp.Body).Decode(&body)
	return body.JobID, resp.StatusCode
}

// token mints a token for the stack's secret.
func (s *stack) token(sub, role string) string {
	s.t.Helper()
	auth, err := lphttp.NewAuth([]byte(testSecret), "")
	if err != nil {
		s.t.Fatal(err)
	}
	tok, err := auth.Mint(lphttp.Claims{Subject: sub, Role: role}, time.Hour)
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

// cli runs a logproc command against the stack and returns its output and
// error.
func (s *stack) cli(args ...string) (string, error) {
	cmd := exec.Command(s.bin, args...)
	cmd.Env, cmd.Dir = s.env, s.dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// verified runs `logproc jobs verify` and fails the test unless every job's
// read model matches its events.
func (s *stack) verified() {
	s.t.Helper()
	if out, err := s.cli("jobs", "verify"); err != nil {
		s.t.Errorf("jobs verify: %v\n%s", err, out)
	}
}
