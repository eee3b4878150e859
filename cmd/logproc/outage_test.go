package main

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/logproc/logproc/domain/worker/asynqtest"
	"github.com/logproc/logproc/projections"
)

// proxy forwards TCP connections to a target and can be taken down and
// brought back on the same address, as a Redis that dies and restarts.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

// newProxyAt listens on addr (free) and forwards to target.
func newProxyAt(t *testing.T, addr, target string) *proxy {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{t: t, addr: ln.Addr().String(), target: target}
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *proxy) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns = append(p.conns, c, up)
	p.mu.Unlock()
	go io.Copy(up, c)
	io.Copy(c, up)
	c.Close()
	up.Close()
}

// down closes the listener and every connection through it.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// up listens again on the same address.
func (p *proxy) up() {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}

// via returns a Redis URL that reaches the same database, with the same
// credentials, through another address.
func via(t *testing.T, redisURL, addr string) (target, through string) {
	t.Helper()
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	target, u.Host = u.Host, addr
	return target, u.String()
}

func TestViaKeepsTheDatabaseAndCredentials(t *testing.T) {
	for in, want := range map[string]string{
		"redis://127.0.0.1:6379/0":         "redis://10.0.0.1:7000/0",
		"redis://127.0.0.1:6379/3":         "redis://10.0.0.1:7000/3",
		"redis://:secret@127.0.0.1:6379/5": "redis://:secret@10.0.0.1:7000/5",
		"redis://127.0.0.1:6379":           "redis://10.0.0.1:7000",
	} {
		if target, got := via(t, in, "10.0.0.1:7000"); got != want || target != "127.0.0.1:6379" {
			t.Errorf("via(%s) = %s through %s, want %s through 127.0.0.1:6379", in, got, target, want)
		}
	}
}

func TestJobUploadedWhileRedisIsDownIsProcessedWhenItIsBack(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target, through := via(t, asynqtest.URL(), ln.Addr().String())
	ln.Close()
	px := newProxyAt(t, ln.Addr().String(), target)
	px.down()
	a := startTestApp(t, func(c *Config) { c.RedisURL = through }, func(app *App) {
		app.Tune = func(r *projections.Runner) { r.LockRetry, r.MaxBackoff = 100*time.Millisecond, 500*time.Millisecond }
	})
	alice := a.token("alice", "")

	var ready, queue map[string]any
	if status := a.getJSON("/readyz", "", &ready); status != http.StatusServiceUnavailable {
		t.Errorf("readyz with Redis down = %d %v, want 503", status, ready)
	}
	if status := a.getJSON("/api/queue-status", "", &queue); status != http.StatusServiceUnavailable {
		t.Errorf("queue-status with Redis down = %d %v, want 503", status, queue)
	}
	id := a.upload(alice, "app.log", fixtureLog())
	var js jobStats
	deadline := time.Now().Add(30 * time.Second)
	for a.getJSON("/api/stats/"+id, alice, &js) != http.StatusOK {
		if time.Now().After(deadline) {
			t.Fatal("the job never showed up in its stats")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if js.Status != "queued" {
		t.Fatalf("job with Redis down = %s, want queued", js.Status)
	}
	px.up()
	js = a.waitFinished(id, alice)
	if js.Status != "completed" || js.Entries != 100 {
		t.Errorf("job after Redis came back = %+v", js)
	}
	if status := a.getJSON("/readyz", "", &ready); status != http.StatusOK {
		t.Errorf("readyz with Redis back = %d %v", status, ready)
	}
}
