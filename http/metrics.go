package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/logproc/logproc/domain"
)

// Metrics are the API's Prometheus figures: requests by route pattern
// (never the raw path, whose job ids would make a series each), method and
// status with their duration, and uploads by outcome with the bytes
// accepted.
type Metrics struct {
	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	uploads     *prometheus.CounterVec
	uploadBytes prometheus.Counter
	followed    prometheus.Counter
}

// NewMetrics registers the API's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logproc_http_requests_total",
			Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "logproc_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route", "method"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logproc_uploads_total",
			Help: "Uploads by outcome: accepted, or the error code they were refused with.",
		}, []string{"outcome"}),
		uploadBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logproc_upload_bytes_total",
			Help: "Bytes of the files of accepted uploads, as stored.",
		}),
		followed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logproc_uploads_followed_total",
			Help: "Accepted uploads whose analysis followed them as they arrived (FOLLOW_UPLOAD_BYTES).",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.uploads, m.uploadBytes, m.followed)
	return m
}

// observe counts an answered request under its route's pattern.
func (m *Metrics) observe(r *http.Request, status int, took time.Duration) {
	if m == nil {
		return
	}
	route := "unmatched"
	if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
		route = rc.RoutePattern()
	}
	m.requests.WithLabelValues(route, r.Method, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route, r.Method).Observe(took.Seconds())
}

// upload counts an upload's outcome and, when accepted, its bytes.
func (m *Metrics) upload(outcome string, bytes int64) {
	if m == nil {
		return
	}
	m.uploads.WithLabelValues(outcome).Inc()
	m.uploadBytes.Add(float64(bytes))
}

// accepted counts an accepted upload, its bytes and whether its analysis
// followed it.
func (m *Metrics) accepted(job *domain.Job) {
	m.upload("accepted", job.Size)
	if m != nil && job.Following {
		m.followed.Inc()
	}
}
