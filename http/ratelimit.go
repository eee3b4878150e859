package http

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5/middleware"
	"github.com/go-chi/httprate"

	"github.com/logproc/logproc/domain"
)

// RateLimits bound the requests a minute of one user (the JWT's sub) and of
// one client IP, for uploads and for reads apart. 0 means no limit. The
// counts are per process: behind a load balancer over n serve processes a
// client may get up to n times as many.
type RateLimits struct {
	UploadsPerUser, UploadsPerIP int
	ReadsPerUser, ReadsPerIP     int
}

// rateWindow is the window the limits count in.
const rateWindow = time.Minute

// limitByIP limits requests per client IP (as TrustedProxies lets it be
// known); it runs before authentication, so floods without a valid token
// are limited too.
func (s *Server) limitByIP(n int, what string) func(http.Handler) http.Handler {
	return s.limiter(n, what, "client IP", func(r *http.Request) (string, error) {
		return httprate.CanonicalizeIP(middleware.GetClientIP(r.Context())), nil
	})
}

// limitByUser limits requests per caller; it runs after authentication.
func (s *Server) limitByUser(n int, what string) func(http.Handler) http.Handler {
	return s.limiter(n, what, "user", func(r *http.Request) (string, error) {
		return callerOf(r).Subject, nil
	})
}

func (s *Server) limiter(n int, what, per string, key httprate.KeyFunc) func(http.Handler) http.Handler {
	if n <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	return httprate.LimitBy(n, rateWindow, key, httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, domain.Errorf(errTooManyRequests, "too many %s: at most %d a minute per %s; "+
			"try again after the time in Retry-After", what, n, per))
	}), httprate.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		s.error(w, r, fmt.Errorf("rate limit: %w", err))
	}))
}
