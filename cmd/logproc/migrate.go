package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/logproc/logproc/migrations"
)

// runMigrate applies, reverts or lists migrations, or creates the database.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: logproc migrate up | down | status | create-db")
	}
	if args[0] == "create-db" {
		cfg, err := LoadConfig()
		if err != nil {
			return err
		}
		created, err := createDatabase(ctx, cfg.DatabaseURL)
		if err == nil && created {
			fmt.Fprintln(stdout, "created database", redactURL(cfg.DatabaseURL))
		}
		return err
	}
	_, pool, err := configAndPool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	p, err := migrations.Provider(pool)
	if err != nil {
		return err
	}
	defer p.Close()
	switch args[0] {
	case "up":
		res, err := p.Up(ctx)
		for _, r := range res {
			fmt.Fprintf(stdout, "applied %s (%s)\n", r.Source.Path, r.Duration)
		}
		if err == nil && len(res) == 0 {
			fmt.Fprintln(stdout, "no pending migrations")
		}
		return err
	case "down":
		r, err := p.Down(ctx)
		if err == nil {
			fmt.Fprintf(stdout, "reverted %s\n", r.Source.Path)
		}
		return err
	case "status":
		st, err := p.Status(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tFILE")
		for _, s := range st {
			at := "-"
			if !s.AppliedAt.IsZero() {
				at = s.AppliedAt.Format("2006-01-02 15:04:05")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Source.Version, s.State, at, s.Source.Path)
		}
		return tw.Flush()
	}
	return fmt.Errorf("unknown migrate command %q: use up, down, status or create-db", args[0])
}
