package projections

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the projections' Prometheus figures: per projection, its
// checkpoint, its lag in events and in seconds (read from the database at
// each scrape, so any process can report them) and the batches that failed
// to apply in this process.
type Metrics struct {
	applyErrors *prometheus.CounterVec
}

// NewMetrics registers the projections' metrics: the apply errors this
// process meets, and, when pool is not nil, a collector of every projection
// in ps read from the database at scrape time.
func NewMetrics(reg prometheus.Registerer, pool *pgxpool.Pool, log *slog.Logger, ps ...Projector) *Metrics {
	m := &Metrics{applyErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "logproc_projection_apply_errors_total",
		Help: "Batches of events a projection failed to apply in this process (each is retried).",
	}, []string{"projection"})}
	reg.MustRegister(m.applyErrors)
	if pool != nil {
		reg.MustRegister(&lagCollector{pool: pool, log: log, ps: ps})
	}
	return m
}

func (m *Metrics) applyFailed(projection string) {
	if m != nil {
		m.applyErrors.WithLabelValues(projection).Inc()
	}
}

var (
	checkpointDesc = prometheus.NewDesc("logproc_projection_checkpoint",
		"Global id of the last event the projection's generation applied.", []string{"projection", "state"}, nil)
	lagEventsDesc = prometheus.NewDesc("logproc_projection_lag_events",
		"Events committed past the projection's checkpoint.", []string{"projection", "state"}, nil)
	lagSecondsDesc = prometheus.NewDesc("logproc_projection_lag_seconds",
		"Age of the oldest event past the projection's checkpoint; 0 when caught up.", []string{"projection", "state"}, nil)
)

// lagCollector reads each projection's generations at scrape time.
type lagCollector struct {
	pool *pgxpool.Pool
	log  *slog.Logger
	ps   []Projector
}

func (c *lagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- checkpointDesc
	ch <- lagEventsDesc
	ch <- lagSecondsDesc
}

// Collect reports what it can read within five seconds; a failure is logged
// and the figures are left out, so a scrape never hangs on the database.
func (c *lagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, p := range c.ps {
		statuses, err := ProjectionStatus(ctx, c.pool, p)
		if err != nil {
			c.log.Warn("cannot read projection status for metrics", "projection", p.Name(), "err", err)
			continue
		}
		for _, s := range statuses {
			ch <- prometheus.MustNewConstMetric(checkpointDesc, prometheus.GaugeValue, float64(s.CheckpointID), s.Name, s.State)
			ch <- prometheus.MustNewConstMetric(lagEventsDesc, prometheus.GaugeValue, float64(s.LagEvents), s.Name, s.State)
			ch <- prometheus.MustNewConstMetric(lagSecondsDesc, prometheus.GaugeValue, s.LagSeconds, s.Name, s.State)
		}
	}
}
