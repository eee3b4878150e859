package main

import (
	"context"
	"io"
	"log/slog"
	"os"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runApp(ctx, true, false)
}

func runWork(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runApp(ctx, false, true)
}

func runAll(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runApp(ctx, true, true)
}

// runApp starts the chosen parts and runs until SIGINT or SIGTERM, then
// stops gracefully within SHUTDOWN_TIMEOUT.
func runApp(ctx context.Context, serve, work bool) error {
	cfg, err := LoadConfig()
	if err != nil {
		return err
	}
	if err := cfg.Preflight(serve); err != nil {
		return err
	}
	log := newLogger(cfg, os.Stderr)
	defer setHeapFloor(uint64(cfg.GCMinHeap))()
	app := NewApp(cfg, log)
	if err := startApp(ctx, app, serve, work); err != nil {
		app.Close(context.Background())
		return err
	}
	<-ctx.Done()
	log.Info("shutting down; a second signal stops at once", "timeout", cfg.ShutdownTimeout)
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return app.Close(stopCtx)
}

func startApp(ctx context.Context, app *App, serve, work bool) error {
	if err := app.Open(ctx); err != nil {
		return err
	}
	if serve {
		if err := app.StartServe(ctx); err != nil {
			return err
		}
	}
	if work {
		return app.StartWork(ctx)
	}
	return nil
}

// newLogger returns the process's logger as LOG_LEVEL and LOG_FORMAT say.
func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
