package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	lphttp "github.com/logproc/logproc/http"
	"github.com/logproc/logproc/http/web"
	"github.com/logproc/logproc/migrations"
	"github.com/logproc/logproc/projections"
)

// App is a running Log Processor: what `serve`, `work` and `all` start, and
// what the end-to-end tests start in-process. Open connects it, StartServe
// and StartWork start its parts, and Close stops whatever was started,
// gracefully.
type App struct {
	Config   Config
	Log      *slog.Logger
	Analyzer worker.Analyzer
	// Tune, when set, adjusts the projection runner before it starts, and
	// TuneServer the API server before it serves.
	Tune       func(*projections.Runner)
	TuneServer func(*lphttp.Server)

	Pool   *pgxpool.Pool
	Redis  redis.UniversalClient
	Blobs  domain.BlobStore
	Store  *postgres.Store
	Runner *projections.Runner

	// Registry holds the app's Prometheus metrics, served on METRICS_ADDR.
	Registry *prometheus.Registry

	// Addr is the address the API listens on once StartServe returns;
	// MetricsAddr the metrics listener's, when METRICS_ADDR is set.
	Addr, MetricsAddr string

	// redisTarget is the Redis REDIS_URL names, for the parts that make
	// clients of their own.
	redisTarget   redisTarget
	bg            context.Context
	cancel        context.CancelFunc
	background    sync.WaitGroup
	httpServer    *http.Server
	metricsServer *http.Server
	asynq         *asynq.Server
	worker        *worker.Metrics
	blobGC        *blobGC // nil when BLOB_GC_EVERY is 0
	closers       []func() error
}

// NewApp returns an app with the given configuration, not yet connected.
func NewApp(cfg Config, log *slog.Logger) *App {
	redis.SetLogger(redisLogger{log})
	return &App{Config: cfg, Log: log, Analyzer: worker.NewEngine(cfg.Keywords), Registry: newRegistry()}
}

// Open connects to PostgreSQL and Redis, applies pending migrations under
// goose's session lock and opens the blob store.
func (a *App) Open(ctx context.Context) error {
	pool, err := connectPostgres(ctx, a.Config.DatabaseURL)
	if err != nil {
		return err
	}
	a.Pool, a.Store = pool, postgres.New(pool)
	a.Store.Metrics = postgres.NewMetrics(a.Registry)
	a.closers = append(a.closers, func() error { pool.Close(); return nil })
	if n, err := migrations.Up(ctx, pool); err != nil {
		return err
	} else if n > 0 {
		a.Log.Info("applied migrations", "count", n)
	}
	if a.redisTarget, err = redisTargetOf(a.Config.RedisURL, a.Config.RedisTLSCAFile); err != nil {
		return err
	}
	a.Redis = a.redisTarget.client()
	a.closers = append(a.closers, a.Redis.Close)
	if a.Blobs, err = openBlobStore(a.Config, a.Log); err != nil {
		return err
	}
	if c, ok := a.Blobs.(io.Closer); ok {
		a.closers = append(a.closers, c.Close)
	}
	return probeBlobStore(ctx, a.Blobs, a.Log)
}

// StartServe starts the projectors, the dispatcher, the reconciler, the
// collection of blobs no job owns and the HTTP API.
func (a *App) StartServe(ctx context.Context) error {
	auth, err := a.newAuth(ctx)
	if err != nil {
		return err
	}
	notifier := postgres.NewNotifier(a.Pool, a.Log)
	a.Runner = projections.NewRunner(a.Pool, notifier, a.Log)
	if a.Tune != nil {
		a.Tune(a.Runner)
	}
	queue := worker.NewQueue(asynq.NewClientFromRedisClient(a.Redis), a.Config.Queue)
	ps := append(readModels(), projections.Dispatcher{Queue: queue})
	a.Runner.Metrics = projections.NewMetrics(a.Registry, a.Pool, a.Log, ps...)
	if err := a.Runner.Setup(ctx, ps...); err != nil {
		return err
	}
	bg := a.backgroundContext()
	a.goBackground(func() { notifier.Run(bg) })
	a.goBackground(func() { a.Runner.Run(bg, ps...) })
	inspector := asynq.NewInspectorFromRedisClient(a.Redis)
	reconciler := worker.NewReconciler(projections.NewReader(a.Pool), a.Store, queue,
		worker.NewTasks(a.Redis, a.Config.Queue), a.Log)
	reconciler.Metrics = a.workerMetrics()
	a.goBackground(func() { reconciler.Run(bg, ReconcileEvery) })
	a.startBlobGC(bg)
	a.registerQueueMetrics(inspector)
	if err := a.serveMetrics(); err != nil {
		return err
	}
	return a.serveHTTP(auth)
}

// ReconcileEvery is how often serve looks for jobs whose task was lost, or
// whose worker died: a job waits at most this long past the moment asynq's
// bookkeeping shows it.
const ReconcileEvery = 5 * time.Second

// startBlobGC starts deleting, every BLOB_GC_EVERY, the blobs no job owns,
// unless the setting is 0. Every serve process does: a blob deleted twice
// is no error.
func (a *App) startBlobGC(ctx context.Context) {
	if a.Config.BlobGCEvery <= 0 {
		return
	}
	a.blobGC = &blobGC{blobs: a.Blobs, jobs: domain.NewJobs(a.Store), remove: true, log: a.Log,
		metrics: newBlobGCMetrics(a.Registry)}
	a.goBackground(func() { a.blobGC.runEvery(ctx, a.Config.BlobGCEvery) })
}

// readModels lists the projections the API reads.
func readModels() []projections.Projector {
	return []projections.Projector{projections.NewJobStats(), projections.AggregateStats{}}
}

func (a *App) serveHTTP(auth *lphttp.Auth) error {
	reader := projections.NewReader(a.Pool)
	srv := &lphttp.Server{
		Events: a.Store, Blobs: a.Blobs, Stats: reader, Progress: a.progressHub(reader), QueueUI: a.queueUI(),
		Queue: worker.NewInspector(a.Redis, a.Config.Queue),
		Auth:  auth, MaxUploadBytes: a.Config.MaxUploadBytes, ChunkLines: a.Config.ChunkLines,
		Planner: a.Analyzer, PartBytes: a.Config.PartBytes, FollowBytes: a.Config.FollowBytes, TrustedProxies: a.Config.TrustedProxies,
		Log: a.Log, Instance: rand.Text(), Metrics: lphttp.NewMetrics(a.Registry), Limits: a.Config.RateLimits,
		Ready: map[string]lphttp.Check{
			"postgres": a.Pool.Ping,
			"redis":    func(ctx context.Context) error { return pingRedis(ctx, a.Redis) },
			"blobs":    blobReadiness(a.Blobs),
		},
	}
	ui, err := web.New(web.Config{Auth: srv, Stats: srv.Stats, Events: a.Store, Blobs: a.Blobs, Log: a.Log,
		QueueUI: QueueUIPath})
	if err != nil {
		return err
	}
	srv.UI = ui
	if a.TuneServer != nil {
		a.TuneServer(srv)
	}
	ln, err := net.Listen("tcp", a.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.Config.HTTPAddr, err)
	}
	a.Addr = ln.Addr().String()
	a.httpServer = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: readHeaderTimeout}
	a.goBackground(func() {
		if err := a.httpServer.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.Log.Error("http server stopped", "err", err)
		}
	})
	a.Log.Info("API listening", "addr", a.Addr)
	return nil
}

// StartWork starts the asynq worker server on the app's queue.
func (a *App) StartWork(ctx context.Context) error {
	handler := worker.NewHandler(a.Store, a.Blobs, a.Analyzer, a.Log)
	handler.Metrics = a.workerMetrics()
	handler.PartBytes = a.Config.PartBytes
	// Followed uploads may hold half the slots (one at least): the rest stay
	// free for jobs whose file is stored.
	handler.SetFollowSlots(max(1, a.Config.WorkerConcurrency/2))
	handler.Parts = worker.NewQueue(asynq.NewClientFromRedisClient(a.Redis), a.Config.Queue)
	if err := a.serveMetrics(); err != nil {
		return err
	}
	a.asynq = asynq.NewServerFromRedisClient(a.Redis, asynq.Config{
		Concurrency:     a.Config.WorkerConcurrency,
		Queues:          map[string]int{a.Config.Queue: 1},
		ShutdownTimeout: a.Config.ShutdownTimeout,
		// Look for new tasks every WORKER_POLL_INTERVAL when idle (asynq's
		// default is once a second): an idle worker's look costs Redis one
		// script call; move tasks due for a retry every second (the default
		// is 5 s), and retry the task of a dead worker at once.
		TaskCheckInterval:        a.Config.WorkerPoll,
		DelayedTaskCheckInterval: time.Second,
		RetryDelayFunc:           worker.RetryDelay,
		IsFailure:                worker.IsFailure,
		Logger:                   asynqLogger{a.Log},
		LogLevel:                 asynq.WarnLevel,
		BaseContext:              func() context.Context { return context.WithoutCancel(ctx) },
	})
	mux := asynq.NewServeMux()
	mux.Handle(worker.TypeAnalyzeJob, handler)
	if err := a.asynq.Start(mux); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	a.Log.Info("worker started", "queue", a.Config.Queue, "concurrency", a.Config.WorkerConcurrency)
	return nil
}

// backgroundContext is the context of the app's background goroutines,
// cancelled by Close, which then waits for them.
func (a *App) backgroundContext() context.Context {
	if a.bg == nil {
		a.bg, a.cancel = context.WithCancel(context.Background())
		a.closers = append(a.closers, func() error { a.cancel(); a.background.Wait(); return nil })
	}
	return a.bg
}

func (a *App) goBackground(fn func()) {
	a.background.Add(1)
	go func() {
		defer a.background.Done()
		fn()
	}()
}

// Close stops the app: the API stops taking requests and lets in-flight ones
// finish, the worker lets running tasks finish or hands them back to the
// queue, both at once and within ctx; then projectors stop at a batch
// boundary and connections close. Requests still running when ctx ends are
// cut off.
func (a *App) Close(ctx context.Context) error {
	var wg sync.WaitGroup
	var httpErr error
	if a.httpServer != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if httpErr = a.httpServer.Shutdown(ctx); httpErr != nil {
				a.Log.Warn("requests still running at the shutdown deadline were cut off", "err", httpErr)
				a.httpServer.Close()
			}
		}()
	}
	if a.metricsServer != nil {
		// Closed, not shut down: a scrape is short, and a profile being
		// taken (30 s by default) must not hold the shutdown back.
		a.metricsServer.Close()
	}
	if a.asynq != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.asynq.Shutdown()
		}()
	}
	wg.Wait()
	errs := []error{httpErr}
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	return errors.Join(errs...)
}

// progressHub starts the hub of live progress streams, fed by the job_stats
// read model's notifications.
func (a *App) progressHub(reader *projections.Reader) *lphttp.ProgressHub {
	hub := lphttp.NewProgressHub(reader, a.Log)
	hub.PerUser, hub.Total = a.Config.StreamsPerUser, a.Config.StreamsMax
	jobStats := projections.JobStats{}.Name()
	listener := postgres.NewListener(a.Pool, projections.ProjectedChannel, a.Log, func(payload string) {
		name, stream, _ := projections.ParseProjected(payload)
		if id, ok := events.ParseJobStream(stream); ok && name == jobStats {
			hub.Changed(id)
		}
	})
	listener.OnConnect = hub.ChangedAll
	bg := a.backgroundContext()
	a.goBackground(func() { listener.Run(bg) })
	a.goBackground(func() { hub.Run(bg) })
	return hub
}

// queueUI returns asynq's web UI for the app's Redis, rooted at
// /admin/queues; closing the app closes its connections.
func (a *App) queueUI() http.Handler {
	ui := asynqmon.New(asynqmon.Options{RootPath: QueueUIPath, RedisConnOpt: a.redisTarget})
	a.closers = append(a.closers, ui.Close)
	return ui
}

// QueueUIPath is where the queue UI is served, to admins only.
const QueueUIPath = "/admin/queues"
