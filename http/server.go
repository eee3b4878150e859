// Package http is Log Processor's REST API on chi: uploads, per-job and
// aggregate stats, job histories for auditors, queue status and health. Its
// reads come from the projections' read models, except a job's event history,
// which is the event log itself.
//
// The package is named after what it wraps; callers import it as lphttp.
package http

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// StatsReader is what the stats and jobs endpoints read: the projections'
// read models.
type StatsReader interface {
	Job(ctx context.Context, id uuid.UUID, owner string) (*domain.Job, error)
	JobErrorGroups(ctx context.Context, id uuid.UUID, limit int) ([]events.ErrorGroup, error)
	JobTimeline(ctx context.Context, id uuid.UUID, limit int, earliest bool) ([]events.MinuteCount, error)
	ListJobs(ctx context.Context, owner, cursor string, limit int) (*domain.JobPage, error)
	Totals(ctx context.Context, owner string) (*domain.Totals, error)
	TopErrorGroups(ctx context.Context, owner string, limit int) ([]domain.TopErrorGroup, error)
}

// QueueInspector reports the job queue's health.
type QueueInspector interface {
	QueueStatus(ctx context.Context) (*domain.QueueStatus, error)
}

// Check is a readiness check of one dependency.
type Check func(ctx context.Context) error

// Server holds the API's dependencies. Build one, then serve Handler().
type Server struct {
	Events events.Store
	Blobs  domain.BlobStore
	Stats  StatsReader
	Queue  QueueInspector
	Auth   *Auth
	// Ready names the checks /readyz runs, such as "postgres" and "redis".
	Ready map[string]Check
	// Instance, random per process, is reported by /readyz so that a
	// caller can tell which process answered (deploy's start script checks
	// it reached its own container). It says nothing of the host.
	Instance string
	// MaxUploadBytes bounds an uploaded file.
	MaxUploadBytes int64
	// ChunkLines is how many lines the worker analyses between two
	// LinesParsed events of the jobs uploaded here; 0 for
	// domain.DefaultChunkLines.
	ChunkLines int
	// Planner and PartBytes plan a file of two parts or more while it is
	// stored (upload_plan.go); without a Planner, or with PartBytes 0, the
	// worker plans it.
	Planner   Planner
	PartBytes int64
	// FollowBytes is how much of a fast upload is stored before its job is
	// submitted, so that its analysis follows the rest as it arrives
	// (upload_follow.go); 0 never follows.
	FollowBytes int64
	// FollowMinRate is the rate in bytes a second those bytes must arrive
	// at to be followed; FollowMinRate when 0.
	FollowMinRate int64
	// UploadIdleTimeout and MinUploadRate are the pace an upload's body
	// must keep (DefaultUploadIdleTimeout and DefaultMinUploadRate when 0):
	// no pause longer than the timeout, and the rate on average.
	UploadIdleTimeout time.Duration
	MinUploadRate     int64
	// TrustedProxies are the CIDR prefixes of proxies whose X-Forwarded-For
	// is believed; none by default.
	TrustedProxies []string
	Log            *slog.Logger
	// Metrics, when set, counts requests and uploads.
	Metrics *Metrics
	// Limits bound the requests a minute per user and per client IP.
	Limits RateLimits
	// QueueUI, when set, is the queue's web UI (asynqmon), served to admins
	// under /admin/queues, a path it must know as its root.
	QueueUI http.Handler
	// Progress, when set, serves live progress streams; Heartbeat is how
	// often a quiet stream sends a comment (DefaultHeartbeat when 0).
	Progress  *ProgressHub
	Heartbeat time.Duration

	// UI is the web interface served beside the API; nil serves the API
	// alone.
	UI UI
}

// Handler returns the API's routes with their middleware.
func (s *Server) Handler() http.Handler {
	r := chi.NewRouter()
	r.Use(requestID, s.clientIP(), s.logRequests, recoverer(s.Log))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.error(w, r, domain.Errorf(domain.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allowed := allowedMethods(r, req.URL.Path)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		s.error(w, req, domain.Errorf(errMethodNotAllowed, "%s is not allowed on %s; use %s", req.Method,
			req.URL.Path, strings.Join(allowed, " or ")))
	})
	r.Get("/healthz", s.handleHealthz)
	r.Get("/openapi.yaml", s.handleOpenAPI)
	r.Get("/readyz", s.handleReadyz)
	l := s.Limits
	readsByIP := s.limitByIP(l.ReadsPerIP, "reads") // one count for every read route
	r.With(readsByIP, s.Auth.Verify).Get("/api/queue-status", s.handleQueueStatus)
	if s.QueueUI != nil {
		r.Group(func(r chi.Router) {
			r.Use(allowCookie, s.Auth.Verify, s.Auth.Require(s), RequireAdmin(s))
			r.Get("/admin/queues", s.QueueUI.ServeHTTP)
			r.Handle("/admin/queues/*", s.QueueUI)
		})
	}
	r.Group(func(r chi.Router) {
		r.Use(s.limitByIP(l.UploadsPerIP, "uploads"), s.Auth.Verify, s.Auth.Require(s),
			s.limitByUser(l.UploadsPerUser, "uploads"))
		r.Post("/api/upload-logs", s.handleUploadLogs)
	})
	r.Group(func(r chi.Router) {
		r.Use(readsByIP, s.Auth.Verify, s.Auth.Require(s), s.limitByUser(l.ReadsPerUser, "reads"))
		if s.Progress != nil {
			r.Get("/api/jobs/{jobId}/progress", s.handleJobProgress)
		}
		r.Group(func(r chi.Router) {
			r.Use(middleware.Timeout(30 * time.Second))
			r.Get("/api/stats", s.handleStats)
			r.Get("/api/stats/{jobId}", s.handleJobStats)
			r.Get("/api/jobs", s.handleListJobs)
			r.Get("/api/jobs/{jobId}/events", s.handleJobEvents)
		})
	})
	if s.UI != nil {
		s.UI.Routes(r)
	}
	return r
}

// allowedMethods lists the methods the router takes on path, for the Allow
// header of a 405.
func allowedMethods(mux *chi.Mux, path string) []string {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		if mux.Match(chi.NewRouteContext(), m, path) {
			allowed = append(allowed, m)
		}
	}
	return allowed
}

func (s *Server) clientIP() func(http.Handler) http.Handler {
	if len(s.TrustedProxies) > 0 {
		return middleware.ClientIPFromXFF(s.TrustedProxies...)
	}
	return middleware.ClientIPFromRemoteAddr
}
