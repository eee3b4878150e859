package http_test

import (
	"net/http"
	"testing"

	lphttp "github.com/logproc/logproc/http"
)

func TestRateLimitsPerUserAndPerIP(t *testing.T) {
	e := newEnv(t, "")
	e.restart(func(s *lphttp.Server) {
		s.Limits = lphttp.RateLimits{ReadsPerUser: 3, ReadsPerIP: 5, UploadsPerUser: 1, UploadsPerIP: 10}
	})
	alice, bob := e.token("alice", ""), e.token("bob", "")
	for i := range 3 {
		if status, body := e.do("GET", "/api/stats", alice, nil, ""); status != http.StatusOK {
			t.Fatalf("alice's read %d = %d %v", i+1, status, body)
		}
	}
	status, body, header := e.doWithHeader("GET", "/api/stats", alice)
	if status != http.StatusTooManyRequests || errorCode(body) != "too_many_requests" || header.Get("Retry-After") == "" {
		t.Errorf("alice's 4th read = %d %v (Retry-After %q), want 429 too_many_requests with Retry-After",
			status, body, header.Get("Retry-After"))
	}
	for i := range 2 { // the client IP has 5 reads a minute, alice used 4 of them
		status, _ := e.do("GET", "/api/stats", bob, nil, "")
		if want := []int{http.StatusOK, http.StatusTooManyRequests}[i]; status != want {
			t.Errorf("bob's read %d from the same IP = %d, want %d", i+1, status, want)
		}
	}
	if status, _ := e.do("GET", "/api/queue-status", "", nil, ""); status != http.StatusTooManyRequests {
		t.Errorf("a read without a token from the same IP = %d, want 429", status)
	}
	if status, _ := e.upload(alice, "a.log", []byte("x\n")); status != http.StatusAccepted {
		t.Errorf("alice's first upload = %d: uploads count apart from reads", status)
	}
	if status, body := e.upload(alice, "b.log", []byte("x\n")); status != http.StatusTooManyRequests {
		t.Errorf("alice's second upload = %d %v, want 429", status, body)
	}
}
