package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/projections"
)

// runProjections prints projection status or rebuilds one projection.
func runProjections(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: logproc projections status [--json] | rebuild NAME")
	}
	cfg, pool, err := configAndPool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	runner := projections.NewRunner(pool, nil, newLogger(cfg, stderr))
	switch args[0] {
	case "status":
		return projectionStatus(ctx, pool, args[1:], stdout)
	case "rebuild":
		if len(args) != 2 {
			return fmt.Errorf("usage: logproc projections rebuild NAME (one of %s)", strings.Join(projectionNames(), ", "))
		}
		return rebuildProjection(ctx, runner, args[1], stdout)
	}
	return fmt.Errorf("unknown projections command %q: use status or rebuild", args[0])
}

// allProjections is every projector the app runs, read models and
// subscribers.
func allProjections() []projections.Projector {
	return append(readModels(), projections.Dispatcher{})
}

func projectionNames() []string {
	var names []string
	for _, p := range readModels() {
		names = append(names, p.Name())
	}
	return names
}

func projectionStatus(ctx context.Context, pool *pgxpool.Pool, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("projections status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var rows []projections.Status
	for _, p := range allProjections() {
		st, err := projections.ProjectionStatus(ctx, pool, p)
		if err != nil {
			return err
		}
		rows = append(rows, st...)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tGENERATION\tVERSION\tCHECKPOINT\tAPPLIED\tLAG_EVENTS\tLAG_SECONDS\tSTATE")
	for _, s := range rows {
		state := s.State
		if s.Version != s.CodeVersion {
			state += fmt.Sprintf(" (code is v%d)", s.CodeVersion)
		}
		fmt.Fprintf(tw, "%s\t%d\tv%d\t%s\t%d\t%d\t%.1f\t%s\n", s.Name, s.Generation, s.Version,
			s.Checkpoint, s.Applied, s.LagEvents, s.LagSeconds, state)
	}
	return tw.Flush()
}

func rebuildProjection(ctx context.Context, runner *projections.Runner, name string, stdout io.Writer) error {
	var p projections.Projector
	for _, rm := range allProjections() {
		if rm.Name() == name {
			p = rm
		}
	}
	if p == nil {
		return fmt.Errorf("no projection named %q: rebuild one of %s", name, strings.Join(projectionNames(), ", "))
	}
	if len(p.Tables()) == 0 {
		fmt.Fprintf(stdout, "%s is a subscriber without read tables: nothing to rebuild\n", name)
		return nil
	}
	start := time.Now()
	gen, err := runner.Rebuild(ctx, p, func(st []projections.Status) {
		for _, s := range st {
			fmt.Fprintf(stdout, "%s generation %d (%s): %d events applied, %d behind\n",
				s.Name, s.Generation, s.State, s.Applied, s.LagEvents)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s generation %d is live after %s\n", name, gen, time.Since(start).Round(time.Millisecond))
	return nil
}
