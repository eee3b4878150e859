// Command logproc is Log Processor: a log-management backend that analyses
// uploaded log files in the background and serves per-job and aggregate
// stats from an event-sourced store. One binary, many subcommands; run
// `logproc help` for the list.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the API, the projectors and the dispatcher", runServe},
		{"work", "run an analysis worker", runWork},
		{"all", "serve and work in one process", runAll},
		{"migrate", "apply or inspect migrations: up | down | status | create-db", runMigrate},
		{"projections", "projection status and blue/green rebuilds: status | rebuild NAME", runProjections},
		{"jobs", "auditing: history JOB_ID [--until N] [--json] | verify [JOB_ID]", runJobs},
		{"blobs", "gc [--delete]: list (and delete) the blobs no job owns, older than an hour", runBlobs},
		{"token", "mint a JWT: --sub ID [--role admin] [--ttl 1h]", runToken},
		{"analyze", "summarise a log file, no services needed: FILE [--json]", runAnalyze},
		{"parse", "write one row per log entry: FILE [--format csv|jsonl] [--out F]", runParse},
		{"check", "check the settings and probe the Supabase bucket and JWKS they name, starting nothing", runCheck},
		{"healthcheck", "exit 0 when this container's API (or URL) is ready, or with --worker its worker: [--print] [URL] | --worker", runHealthcheck},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal starts a graceful stop, the default
		// handling returns, so a second signal ends the process at once.
		<-ctx.Done()
		stop()
	}()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "logproc:", err)
		}
		os.Exit(1)
	}
}

// run dispatches to the subcommand args name.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: logproc COMMAND [ARGS]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nSettings come from the environment and .env; see the README.")
}
