package worker

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/logproc/logproc/domain"
)

// Metrics are the worker's Prometheus figures: jobs finished by status and
// how long they took from upload to end, and the work of the analysis.
// The process that records a job's last event counts it, so the sum over
// processes counts each job once.
type Metrics struct {
	finished    *prometheus.CounterVec
	jobDuration *prometheus.HistogramVec
	lines       prometheus.Counter
	bytes       prometheus.Counter
	analysis    prometheus.Histogram
}

// NewMetrics registers the worker's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "logproc_jobs_finished_total",
			Help: "Jobs that reached a terminal status (completed or failed), counted by the process that recorded it.",
		}, []string{"status"}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "logproc_job_duration_seconds",
			Help:    "Time from a job's upload to its completion or failure.",
			Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600},
		}, []string{"status"}),
		lines: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logproc_worker_lines_analysed_total",
			Help: "Lines the analysis read, chunks analysed again on a resume included.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logproc_worker_bytes_analysed_total",
			Help: "Decoded text bytes the analysis read, chunks analysed again on a resume included.",
		}),
		analysis: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "logproc_worker_analysis_seconds",
			Help:    "Time an attempt spent streaming a job's file through the analysis.",
			Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}),
	}
	reg.MustRegister(m.finished, m.jobDuration, m.lines, m.bytes, m.analysis)
	return m
}

// jobFinished counts a job this process recorded as finished.
func (m *Metrics) jobFinished(j *domain.Job, at time.Time) {
	if m == nil || !j.Status.Terminal() {
		return
	}
	m.finished.WithLabelValues(string(j.Status)).Inc()
	m.jobDuration.WithLabelValues(string(j.Status)).Observe(at.Sub(j.SubmittedAt).Seconds())
}

func (m *Metrics) chunkAnalysed(c domain.Chunk) {
	if m != nil {
		m.lines.Add(float64(c.Lines.Lines))
		m.bytes.Add(float64(c.Lines.Bytes))
	}
}

func (m *Metrics) analysed(took time.Duration) {
	if m != nil {
		m.analysis.Observe(took.Seconds())
	}
}
