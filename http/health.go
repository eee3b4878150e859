package http

import (
	"context"
	"net/http"
	"sort"
	"sync"
	"time"
)

// handleHealthz answers while the process is alive.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is the body of /readyz.
type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
	// Instance tells one process from another (see Server.Instance).
	Instance string `json:"instance,omitempty"`
}

// handleReadyz runs every readiness check at once, each within two seconds,
// and answers 503 if any fails.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	res := readiness{Status: "ready", Checks: map[string]string{}, Instance: s.Instance}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, name := range sortedKeys(s.Ready) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Ready[name](ctx)
			mu.Lock()
			defer mu.Unlock()
			res.Checks[name] = "ok"
			if err != nil {
				// The cause (hosts, users) goes to the log, not to an
				// unauthenticated caller.
				res.Status, res.Checks[name] = "unavailable", "unavailable"
				s.Log.Warn("readiness check failed", "check", name, "err", err)
			}
		}()
	}
	wg.Wait()
	status := http.StatusOK
	if res.Status != "ready" {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, res)
}

// handleQueueStatus reports the queue's figures, live workers and active
// tasks; it needs no token, and shows an admin's token what identifies
// hosts and jobs.
func (s *Server) handleQueueStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.Queue.QueueStatus(r.Context())
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newQueueStatusView(st, s.Auth.adminCaller(r)))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
