package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/logproc/logproc/domain"
)

// blobGC collects the blobs no job owns that are older than
// domain.OrphanMinAge: it lists them, and deletes them when remove is set.
// `logproc blobs gc` runs one pass and prints it; every serve process runs
// one each BLOB_GC_EVERY and logs it (runEvery).
//
// Several processes may collect at once: a blob that another one deleted
// first, between the listing and the delete, counts as deleted, since the
// stores answer a delete of a missing key with success (and ENOTFOUND is
// taken the same way).
type blobGC struct {
	blobs  domain.BlobStore
	jobs   *domain.Jobs
	remove bool
	// log and metrics serve the periodic collection; the CLI has neither.
	log     *slog.Logger
	metrics *blobGCMetrics
}

// gcReport counts what one pass saw and did.
type gcReport struct {
	// checked counts the blobs listed; found those no job owns that are
	// old enough, and bytes their size; deleted those deleted.
	checked, found, deleted int
	bytes                   int64
}

// pass collects the orphans as of now, calling each (when not nil) with
// every orphan once it was deleted or, on a dry run, found. It stops at the
// first failure.
func (g *blobGC) pass(ctx context.Context, now time.Time, each func(domain.BlobInfo) error) (gcReport, error) {
	var rep gcReport
	orphans, err := g.find(ctx, now, &rep)
	if err != nil {
		return rep, err
	}
	for _, info := range orphans {
		if err := g.collect(ctx, &rep, info); err != nil {
			return rep, err
		}
		if each != nil {
			if err := each(info); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// find lists the orphans. They are deleted once the listing is over: a
// store that lists by pages may skip a blob if one before it goes away.
func (g *blobGC) find(ctx context.Context, now time.Time, rep *gcReport) ([]domain.BlobInfo, error) {
	var orphans []domain.BlobInfo
	for info, err := range g.blobs.List(ctx, domain.BlobKeyPrefix) {
		if err != nil {
			return nil, fmt.Errorf("blobs gc: %w", err)
		}
		rep.checked++
		orphan, err := g.orphan(ctx, now, info)
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
func (g *blobGC) orphan(ctx context.Context, now time.Time, info domain.BlobInfo) (bool, error) {
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
	return domain.Orphaned(domain.OwnsBlob(job, info.Key), info.Modified, now, domain.OrphanMinAge), nil
}

// collect counts an orphan, and deletes it when asked to.
func (g *blobGC) collect(ctx context.Context, rep *gcReport, info domain.BlobInfo) error {
	rep.found++
	rep.bytes += info.Size
	if !g.remove {
		return nil
	}
	if err := g.blobs.Delete(ctx, info.Key); err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return fmt.Errorf("blobs gc: delete %s: %w", info.Key, err)
	}
	rep.deleted++
	g.metrics.deleted(info)
	return nil
}

// runEvery collects at once and then every interval until ctx is done. A
// failing pass is logged at error level once per streak of failures.
func (g *blobGC) runEvery(ctx context.Context, every time.Duration) {
	pass := func(ctx context.Context) (gcReport, error) { return g.pass(ctx, time.Now(), g.logDeleted) }
	domain.Every(ctx, every, pass, g.logPass)
}

func (g *blobGC) logDeleted(info domain.BlobInfo) error {
	g.log.Debug("deleted a blob no job owns", "key", info.Key, "bytes", info.Size, "modified", info.Modified)
	return nil
}

// logPass logs a pass's result.
func (g *blobGC) logPass(rep gcReport, err error, failingBefore bool) {
	args := []any{"checked", rep.checked, "deleted", rep.deleted, "bytes", rep.bytes,
		"older_than", domain.OrphanMinAge}
	switch {
	case err != nil && !failingBefore:
		g.log.Error("blob collection failed; will try again", append(args, "err", err)...)
	case err != nil:
		g.log.Debug("blob collection still failing", append(args, "err", err)...)
	case failingBefore:
		g.log.Info("blob collection works again", args...)
	case rep.deleted > 0:
		g.log.Info("deleted blobs no job owns", args...)
	default:
		g.log.Debug("no blobs to collect", args...)
	}
}

// blobGCMetrics count what the periodic collection deleted. A blob that
// two processes deleted at once counts in both.
type blobGCMetrics struct {
	blobs, bytes prometheus.Counter
}

func newBlobGCMetrics(reg prometheus.Registerer) *blobGCMetrics {
	m := &blobGCMetrics{
		blobs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logproc_blobs_collected_total",
			Help: "Blobs no job owns that this process's periodic collection deleted.",
		}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "logproc_blob_bytes_collected_total",
			Help: "Bytes of the blobs no job owns that this process's periodic collection deleted.",
		}),
	}
	reg.MustRegister(m.blobs, m.bytes)
	return m
}

func (m *blobGCMetrics) deleted(info domain.BlobInfo) {
	if m != nil {
		m.blobs.Inc()
		m.bytes.Add(float64(info.Size))
	}
}
