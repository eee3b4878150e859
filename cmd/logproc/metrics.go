package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	// Importing it also registers its handlers on http.DefaultServeMux,
	// which no server of this app serves: each is given its own handler.
	"net/http/pprof"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/logproc/logproc/domain/worker"
)

// newRegistry returns the app's Prometheus registry with the Go runtime's
// and the process's own collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// workerMetrics returns the worker's metrics, registered once whether the
// process serves, works or both.
func (a *App) workerMetrics() *worker.Metrics {
	if a.worker == nil {
		a.worker = worker.NewMetrics(a.Registry)
	}
	return a.worker
}

// registerQueueMetrics adds asynq's own collector of the queues' sizes and
// latency, read from Redis at each scrape.
func (a *App) registerQueueMetrics(inspector *asynq.Inspector) {
	a.Registry.MustRegister(metrics.NewQueueMetricsCollector(inspector))
}

// serveMetrics serves /metrics on METRICS_ADDR, a listener of its own: the
// figures are for the operators' network and its scraper, which then needs
// no API token, and the API's rate limits and auth never touch a scrape.
// The same listener serves the Go runtime's profiles at /debug/pprof/, so
// that an operator can see where a slow worker's CPU goes (`go tool pprof
// http://host:9090/debug/pprof/profile?seconds=10`). It does nothing when
// METRICS_ADDR is empty or the listener already runs.
func (a *App) serveMetrics() error {
	if a.Config.MetricsAddr == "" || a.metricsServer != nil {
		return nil
	}
	ln, err := net.Listen("tcp", a.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen on %s (METRICS_ADDR): %w", a.Config.MetricsAddr, err)
	}
	a.MetricsAddr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.Registry, promhttp.HandlerOpts{Registry: a.Registry}))
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol) // as go tool pprof asks
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
	a.metricsServer = &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout}
	a.goBackground(func() {
		if err := a.metricsServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("metrics server stopped", "err", err)
		}
	})
	a.Log.Info("metrics listening", "addr", a.MetricsAddr)
	return nil
}
