package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"
	"time"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events/postgres"
)

// runBlobs serves operators: `blobs gc` finds, and with --delete removes,
// the blobs no job owns.
func runBlobs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "gc" {
		return errors.New("usage: logproc blobs gc [--delete]")
	}
	fs := flag.NewFlagSet("blobs gc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	remove := fs.Bool("delete", false, "delete the blobs found (without it, only list them)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, pool, err := configAndPool(ctx)
	if err != nil {
		return err
	}
	defer pool.Close()
	blobs, err := openBlobStore(cfg, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	if c, ok := blobs.(io.Closer); ok {
		defer c.Close()
	}
	gc := &blobGC{blobs: blobs, jobs: domain.NewJobs(postgres.New(pool)), remove: *remove}
	return gc.print(ctx, stdout)
}

// print runs one pass and prints a row for each orphan, then a summary.
func (g *blobGC) print(ctx context.Context, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tSIZE\tMODIFIED\tACTION")
	action := "would delete"
	if g.remove {
		action = "deleted"
	}
	rep, err := g.pass(ctx, time.Now(), func(info domain.BlobInfo) error {
		_, err := fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", printable(info.Key), info.Size,
			info.Modified.UTC().Format(time.RFC3339), action)
		return err
	})
	if ferr := tw.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	return g.summary(stdout, rep)
}

func (g *blobGC) summary(w io.Writer, rep gcReport) error {
	verb := "found"
	if g.remove {
		verb = "deleted"
	}
	_, err := fmt.Fprintf(w, "checked %d blobs: %s %d that no job owns, older than %s (%d bytes)\n",
		rep.checked, verb, rep.found, domain.OrphanMinAge, rep.bytes)
	if err == nil && !g.remove && rep.found > 0 {
		_, err = fmt.Fprintln(w, "this was a dry run: run `logproc blobs gc --delete` to delete them")
	}
	return err
}
