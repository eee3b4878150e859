package postgres

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/logproc/logproc/events"
)

// Metrics are the event store's Prometheus figures: appends by outcome and
// how long they take.
type Metrics struct {
	appends  *prometheus.CounterVec
	duration prometheus.Histogram
}

// NewMetrics registers the event store's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		appends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logproc_event_appends_total",
			Help: "Appends to the event store by outcome: ok (a repeat of stored events included), " +
				"conflict (the stream moved, or an id is stored with other content), error.",
		}, []string{"outcome"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "logproc_event_append_seconds",
			Help:    "Time an append to the event store takes, whatever its outcome.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
	reg.MustRegister(m.appends, m.duration)
	return m
}

func (m *Metrics) observe(err error, took time.Duration) {
	if m == nil {
		return
	}
	outcome := "ok"
	switch {
	case errors.Is(err, events.ErrConcurrency), errors.Is(err, events.ErrEventConflict):
		outcome = "conflict"
	case err != nil:
		outcome = "error"
	}
	m.appends.WithLabelValues(outcome).Inc()
	m.duration.Observe(took.Seconds())
}
