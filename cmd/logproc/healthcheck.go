package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/hibiken/asynq"
)

// healthcheckTimeout bounds one check; container health checks give it 6 s.
const healthcheckTimeout = 5 * time.Second

// runHealthcheck exits 0 when this container's logproc is healthy, for
// container health checks in images without curl or a shell:
//   - with a URL: the URL answers 200;
//   - with no argument: this container's API answers 200 on /readyz (its
//     port from HTTP_ADDR);
//   - with --worker: this host's asynq worker server serving QUEUE is
//     registered in Redis as active, which it stays only while it sends
//     heartbeats.
//
// --print writes the answer's body to stdout, which deploy's start script
// compares with what the published port answers.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	worker := fs.Bool("worker", false, "check this host's worker heartbeat in Redis instead of an HTTP URL")
	printBody := fs.Bool("print", false, "print the body of the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 || (*worker && fs.NArg() > 0) {
		return errors.New("usage: logproc healthcheck [--print] [URL] | --worker")
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	if *worker {
		return checkWorker(ctx)
	}
	url := fs.Arg(0)
	if url == "" {
		cfg, err := LoadConfig()
		if err != nil {
			return err
		}
		if url, err = localReadyURL(cfg.HTTPAddr); err != nil {
			return err
		}
	}
	return checkURL(ctx, url, *printBody, stdout)
}

// localReadyURL is /readyz of the API listening on addr, reached over the
// loopback interface.
func localReadyURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("HTTP_ADDR %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz", nil
}

func checkURL(ctx context.Context, url string, print bool, stdout io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", url, resp.Status, body)
	}
	if print {
		_, err = stdout.Write(body)
	}
	return err
}

// checkWorker looks for an active asynq server of this host serving QUEUE.
// asynq registers each server with its host name and refreshes the entry
// every few seconds; a stopped or hung worker's entry says so or expires.
func checkWorker(ctx context.Context) error {
	cfg, err := LoadConfig()
	if err != nil {
		return err
	}
	host, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("host name: %w", err)
	}
	rdb, err := connectRedis(cfg)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if err := pingRedis(ctx, rdb); err != nil {
		return fmt.Errorf("redis at %s: %w", redactURL(cfg.RedisURL), err)
	}
	servers, err := asynq.NewInspectorFromRedisClient(rdb).Servers()
	if err != nil {
		return fmt.Errorf("list worker servers: %w", err)
	}
	for _, s := range servers {
		if _, serves := s.Queues[cfg.Queue]; s.Host == host && serves && s.Status == "active" {
			return nil
		}
	}
	return fmt.Errorf("no active worker of host %s on queue %s is registered in Redis", host, cfg.Queue)
}
