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
	gc := &blobGC{blobs: blobs, jobs: domain.NewJobs(postgres.New(pool)), remove: *remove, now: time.Now()}
	return gc.run(ctx, stdout)
}

// blobGC is one pass over the blob store: it lists the blobs under the
// jobs' key prefix and picks those no job owns that are older than
// domain.OrphanMinAge.
type blobGC struct {
	blobs  domain.BlobStore
	jobs   *domain.Jobs
	remove bool
	now    time.Time
	// checked, found and bytes count what the pass saw.
	checked, found int
	bytes          int64
}

func (g *blobGC) run(ctx context.Context, stdout io.Writer) error {
	orphans, err := g.find(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tSIZE\tMODIFIED\tACTION")
	for _, info := range orphans {
		if err := g.collect(ctx, tw, info); err != nil {
			tw.Flush()
			return err
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return g.summary(stdout)
}

// find lists the orphans. They are deleted once the listing is over: a
// store that lists by pages may skip a blob if one before it goes away.
func (g *blobGC) find(ctx context.Context) ([]domain.BlobInfo, error) {
	var orphans []domain.BlobInfo
	for info, err := range g.blobs.List(ctx, domain.BlobKeyPrefix) {
		if err != nil {
			return nil, fmt.Errorf("blobs gc: %w", err)
		}
		orphan, err := g.orphan(ctx, info)
		if err != nil {
			return nil, err
		}
		if orphan {
			orphans = append(orphans, info)
		}
	}
	return orphans, nil
}

// orphan reports whether no job owns the blob and it is old enough to go.
func (g *blobGC) orphan(ctx context.Context, info domain.BlobInfo) (bool, error) {
	g.checked++
	var job *domain.Job
	if id, ok := domain.JobOfBlob(info.Key); ok {
		j, err := g.jobs.LoadUntil(ctx, id, 1)
		switch {
		case err == nil:
			job = j
		case domain.ErrorCode(err) != domain.ENOTFOUND:
			return false, fmt.Errorf("blobs gc: job of %s: %w", info.Key, err)
		}
	}
	return domain.Orphaned(domain.OwnsBlob(job, info.Key), info.Modified, g.now, domain.OrphanMinAge), nil
}

// collect lists an orphan, and deletes it when asked to.
func (g *blobGC) collect(ctx context.Context, w io.Writer, info domain.BlobInfo) error {
	g.found++
	g.bytes += info.Size
	action := "would delete"
	if g.remove {
		if err := g.blobs.Delete(ctx, info.Key); err != nil {
			return fmt.Errorf("blobs gc: delete %s: %w", info.Key, err)
		}
		action = "deleted"
	}
	_, err := fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", printable(info.Key), info.Size,
		info.Modified.UTC().Format(time.RFC3339), action)
	return err
}

func (g *blobGC) summary(w io.Writer) error {
	verb := "found"
	if g.remove {
		verb = "deleted"
	}
	_, err := fmt.Fprintf(w, "checked %d blobs: %s %d that no job owns, older than %s (%d bytes)\n",
		g.checked, verb, g.found, domain.OrphanMinAge, g.bytes)
	if err == nil && !g.remove && g.found > 0 {
		_, err = fmt.Fprintln(w, "this was a dry run: run `logproc blobs gc --delete` to delete them")
	}
	return err
}
