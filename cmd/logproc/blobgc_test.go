package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

func TestServeCollectsOldBlobsNoJobOwns(t *testing.T) {
	var f gcFixture
	app := startTestAppParts(t, true, false, func(c *Config) {
		c.BlobGCEvery, c.MetricsAddr = time.Hour, "127.0.0.1:0"
		f = newGCFixture(t, c.DatabaseURL, c.BlobDir)
	})
	// The first pass runs at start; the next one is an hour away. The
	// counter moves once a blob is deleted, so two means the pass is done
	// with both orphans.
	waitFor(t, "serve to delete the two old orphans", 30*time.Second, func() bool {
		return app.scrape()["logproc_blobs_collected_total{}"] == 2
	})
	f.checkKept(t, "after a pass", map[string]bool{f.orphan: false, f.stray: false, f.owned: true, f.young: true})
	if got := app.scrape()["logproc_blob_bytes_collected_total{}"]; got != 14 {
		t.Errorf("logproc_blob_bytes_collected_total = %v, want 14", got)
	}
}

func TestServeCollectsNoBlobsWhenTurnedOff(t *testing.T) {
	var f gcFixture
	dir := t.TempDir() // removed after the check below
	t.Cleanup(func() { // after the app's own cleanup has closed it
		f.checkKept(t, "after serve ran with BLOB_GC_EVERY=0", map[string]bool{f.orphan: true, f.stray: true})
	})
	app := startTestAppParts(t, true, false, func(c *Config) {
		c.BlobGCEvery, c.MetricsAddr, c.BlobDir = 0, "127.0.0.1:0", dir
		f = newGCFixture(t, c.DatabaseURL, dir)
	})
	if app.app.blobGC != nil {
		t.Error("BLOB_GC_EVERY=0 started the collection")
	}
	if _, ok := app.scrape()["logproc_blobs_collected_total{}"]; ok {
		t.Error("BLOB_GC_EVERY=0 serves the collection's metrics")
	}
}

// TestBlobCollectionTakesAMissingBlobAsDeleted runs a pass whose deletes
// find every orphan gone, as when another serve process deleted it first.
func TestBlobCollectionTakesAMissingBlobAsDeleted(t *testing.T) {
	for _, c := range []struct {
		name     string
		answer   error // what the store's delete of a missing blob says; nil: its own answer
		deleted  int
		failWith string
	}{
		{"store's own answer", nil, 2, ""},
		{"ENOTFOUND", domain.Errorf(domain.ENOTFOUND, "no such blob"), 2, ""},
		{"store down", domain.Errorf(domain.EUNAVAILABLE, "store down"), 0, "store down"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dbURL, dir := pgtest.NewDatabase(t), t.TempDir()
			f := newGCFixture(t, dbURL, dir)
			local, err := storage.NewLocal(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer local.Close()
			gc := &blobGC{blobs: racedStore{local, c.answer}, jobs: jobsAt(t, dbURL), remove: true}
			rep, err := gc.pass(context.Background(), time.Now(), nil)
			if rep.deleted != c.deleted || (err == nil) != (c.failWith == "") ||
				(err != nil && !strings.Contains(err.Error(), c.failWith)) {
				t.Errorf("deleted %d, err %v; want %d and an error saying %q", rep.deleted, err, c.deleted, c.failWith)
			}
			if c.failWith == "" {
				f.checkKept(t, "after the pass", map[string]bool{f.orphan: false, f.stray: false, f.owned: true, f.young: true})
			}
		})
	}
}

// racedStore is a local store where another process deletes each blob
// just before this one does. Its Delete then answers as the store does for
// a missing key, or with answer when set.
type racedStore struct {
	*storage.Local
	answer error
}

func (s racedStore) Delete(ctx context.Context, key string) error {
	if err := s.Local.Delete(ctx, key); err != nil {
		return err
	}
	if s.answer != nil {
		return s.answer
	}
	return s.Local.Delete(ctx, key)
}

// jobsAt returns the jobs of the database at dbURL.
func jobsAt(t *testing.T, dbURL string) *domain.Jobs {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return domain.NewJobs(postgres.New(pool))
}

// levelRecorder keeps the level of each record logged.
type levelRecorder struct{ levels []slog.Level }

func (r *levelRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *levelRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.levels = append(r.levels, rec.Level)
	return nil
}
func (r *levelRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *levelRecorder) WithGroup(string) slog.Handler      { return r }

func TestBlobCollectionLogsAFailureOncePerStreak(t *testing.T) {
	failed := errors.New("store down")
	passes := []struct {
		rep  gcReport
		err  error
		want slog.Level
	}{
		{gcReport{checked: 3}, nil, slog.LevelDebug},                          // nothing to delete
		{gcReport{checked: 3, found: 1, deleted: 1}, nil, slog.LevelInfo},     // deleted one
		{gcReport{}, failed, slog.LevelError},                                 // a streak begins
		{gcReport{}, failed, slog.LevelDebug},                                 // and goes on
		{gcReport{checked: 2}, nil, slog.LevelInfo},                           // and ends
		{gcReport{checked: 2}, nil, slog.LevelDebug},                          // back to quiet
		{gcReport{checked: 2, found: 1, deleted: 0}, failed, slog.LevelError}, // a new streak
	}
	rec := &levelRecorder{}
	gc := &blobGC{log: slog.New(rec)}
	var want []slog.Level
	for _, p := range passes {
		want = append(want, p.want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	next := 0
	pass := func(context.Context) (gcReport, error) {
		p := passes[next]
		next++
		return p.rep, p.err
	}
	domain.Every(ctx, time.Millisecond, pass, func(rep gcReport, err error, failingBefore bool) {
		gc.logPass(rep, err, failingBefore)
		if next == len(passes) {
			cancel()
		}
	})
	if diff := cmp.Diff(want, rec.levels); diff != "" {
		t.Errorf("levels logged (-want +got):\n%s", diff)
	}
}
