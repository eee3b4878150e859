package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

func TestHealthcheck(t *testing.T) {
	a := startTestApp(t, nil)
	t.Setenv("REDIS_URL", a.app.Config.RedisURL)
	t.Setenv("HTTP_ADDR", a.app.Addr)
	healthcheck := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"healthcheck"}, args...), &out, io.Discard)
		return out.String(), err
	}

	t.Setenv("QUEUE", a.app.Config.Queue)
	// The worker registers with its first heartbeat, just after it starts.
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if _, err = healthcheck("--worker"); err == nil {
			break
		}
	}
	if err != nil {
		t.Errorf("healthcheck --worker with a worker on the queue: %v", err)
	}
	t.Setenv("QUEUE", a.app.Config.Queue+"-nobody-serves")
	if _, err := healthcheck("--worker"); err == nil || !strings.Contains(err.Error(), "no active worker") {
		t.Errorf("healthcheck --worker with no worker on the queue: %v, want an error", err)
	}

	body, err := healthcheck("--print")
	if err != nil {
		t.Fatalf("healthcheck of the API at HTTP_ADDR: %v", err)
	}
	var ready struct{ Status, Instance string }
	if err := json.Unmarshal([]byte(body), &ready); err != nil || ready.Status != "ready" || ready.Instance == "" {
		t.Errorf("healthcheck --print = %q (%v), want /readyz with an instance id", body, err)
	}
	if _, err := healthcheck(a.url + "/no-such-route"); err == nil {
		t.Error("healthcheck of a URL answering 404 passed")
	}
}
