// Package web is Log Processor's web interface: sign in with a token,
// upload a log and watch its job run, read a job's counts, timeline and
// error groups, replay its history version by version, and see the caller's
// aggregate. It is embedded in the binary and served by the API's router
// (lphttp.Server.UI). It reads what the API reads: the projections' read
// models, a job's event stream for the auditor view, and the stored file
// for the structured rows.
//
// Pages are rendered by Go with html/template and work with JavaScript off;
// a small script (static/app.js) adds the upload with progress and the live
// updates, which follow the API's progress stream and read its JSON through
// the pages' read-only window on it (/ui/api/).
package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
	lphttp "github.com/logproc/logproc/http"
)

// Authenticator checks a bearer token as the API does (lphttp.Server).
type Authenticator interface {
	// Authenticate returns the caller a token names and when it expires,
	// or EUNAUTHORIZED with the reason the API gives.
	Authenticate(ctx context.Context, token string) (lphttp.Claims, time.Time, error)
}

// Reader is what the pages read from the projections' read models.
type Reader interface {
	// Job returns ENOTFOUND unless the job exists and is owner's (any
	// owner's for domain.AllOwners).
	Job(ctx context.Context, id uuid.UUID, owner string) (*domain.Job, error)
	JobErrorGroups(ctx context.Context, id uuid.UUID, limit int) ([]events.ErrorGroup, error)
	JobTimeline(ctx context.Context, id uuid.UUID, limit int, earliest bool) ([]events.MinuteCount, error)
	ListJobs(ctx context.Context, owner, cursor string, limit int) (*domain.JobPage, error)
	Totals(ctx context.Context, owner string) (*domain.Totals, error)
	TopErrorGroups(ctx context.Context, owner string, limit int) ([]domain.TopErrorGroup, error)
}

// Config is what the interface needs.
type Config struct {
	Auth   Authenticator
	Stats  Reader
	Events events.Store
	Blobs  domain.BlobStore
	Log    *slog.Logger
	// QueueUI is the path of the queue's web UI, linked for admins when
	// the router serves it.
	QueueUI string
}

// UI serves the pages. Build one with New and hand it to lphttp.Server.UI.
type UI struct {
	cfg    Config
	pages  *pages
	static *assets
	files  *storedFiles
	// router is the whole router, API included, once Routes has run.
	router chi.Router
}

// New returns the interface over cfg.
func New(cfg Config) (*UI, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	static, err := loadAssets()
	if err != nil {
		return nil, err
	}
	p, err := loadPages(static)
	if err != nil {
		return nil, err
	}
	return &UI{cfg: cfg, pages: p, static: static, files: newStoredFiles(cfg.Blobs, cfg.Events)}, nil
}

// Routes adds the pages to r, the API's router.
func (u *UI) Routes(r chi.Router) {
	u.router = r
	r.Group(func(r chi.Router) {
		r.Use(securityHeaders)
		r.Get("/static/*", u.static.serve)
		r.Get("/signin", u.handleSignInPage)
		r.Post("/signin", u.handleSignIn)
		r.Group(func(r chi.Router) {
			r.Use(u.requireSignIn)
			r.Get("/", u.handleHome)
			r.Get("/jobs", u.handleJobs)
			r.Post("/upload", u.handleUpload)
			r.Get("/jobs/{jobId}", u.handleJob)
			r.Get("/jobs/{jobId}/history", u.handleHistory)
			r.Get("/jobs/{jobId}/rows", u.handleRows)
			r.Get("/overview", u.handleOverview)
			r.Get(apiReads+"*", u.handleAPIRead)
			r.Post("/signout", u.handleSignOut)
		})
	})
}
