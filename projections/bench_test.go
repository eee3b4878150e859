package projections_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events/postgres/pgtest"
	"github.com/logproc/logproc/projections"
)

// copyChunk is how many events one COPY loads and commits.
const copyChunk = 100_000

// loadGenerated bulk-loads generated jobs with COPY until at least n events
// are stored, and returns how many it stored. Fifty jobs at a time are
// interleaved, as concurrent workers would write them.
func loadGenerated(b testing.TB, pool *pgxpool.Pool, n int) int {
	b.Helper()
	ctx := context.Background()
	stored, next := 0, 0
	for stored < n {
		var rows [][]any
		for len(rows) < copyChunk && stored+len(rows) < n {
			rows = append(rows, interleavedRows(genJobs(3, next, 50))...)
			next += 50
		}
		_, err := pool.CopyFrom(ctx, pgx.Identifier{"events"},
			[]string{"event_id", "stream_id", "version", "type", "schema_version", "data", "metadata"},
			pgx.CopyFromRows(rows))
		if err != nil {
			b.Fatalf("load events: %v", err)
		}
		stored += len(rows)
	}
	for _, sql := range []string{
		`INSERT INTO streams (stream_id, version) SELECT stream_id, max(version) FROM events GROUP BY stream_id`,
		`VACUUM ANALYZE events`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
	}
	return stored
}

// interleavedRows returns the jobs' events as rows of the events table, one
// append of each job per round.
func interleavedRows(jobs []jobHistory) [][]any {
	var rows [][]any
	versions := make([]int64, len(jobs))
	for round := 0; ; round++ {
		more := false
		for i, j := range jobs {
			if round >= len(j.Appends) {
				continue
			}
			more = true
			for _, e := range j.Appends[round] {
				versions[i]++
				rows = append(rows, []any{[16]byte(e.ID), j.Stream, versions[i], e.Type, int32(e.SchemaVersion),
					string(e.Data), fmt.Sprintf(`{"correlation_id":%q,"actor":%q}`, e.Metadata.CorrelationID, e.Metadata.Actor)})
			}
		}
		if !more {
			return rows
		}
	}
}

// replayFixture is a database holding generated events with the read models
// caught up on them.
type replayFixture struct {
	pool   *pgxpool.Pool
	events int
	// catchUp is how long the first, live build of all read models took.
	catchUp time.Duration
}

func newReplayFixture(b *testing.B, n int) *replayFixture {
	b.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	f := &replayFixture{pool: pool}
	f.events = loadGenerated(b, pool, n)
	start := time.Now()
	if err := f.runner(defaultBatch).CatchUp(context.Background(), all...); err != nil {
		b.Fatal(err)
	}
	f.catchUp = time.Since(start)
	return f
}

// defaultBatch is NewRunner's batch size.
var defaultBatch = projections.NewRunner(nil, nil, nil).BatchSize

func (f *replayFixture) runner(batchSize int) *projections.Runner {
	r := projections.NewRunner(f.pool, nil, slog.New(slog.DiscardHandler))
	r.BatchSize, r.RebuildBatchSize = batchSize, batchSize
	return r
}

// rebuild rebuilds the projectors concurrently, as a serve process applies
// them, and returns how long each took.
func (f *replayFixture) rebuild(b *testing.B, batchSize int, ps ...projections.Projector) []time.Duration {
	took := make([]time.Duration, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			if _, err := f.runner(batchSize).Rebuild(context.Background(), p, nil); err != nil {
				b.Error(err)
			}
			took[i] = time.Since(start)
		}()
	}
	wg.Wait()
	return took
}

// batchSizes are the runner batch sizes the replay benchmarks compare: the
// default and a larger one.
var batchSizes = []int{defaultBatch, 5000}

// BenchmarkReplay measures how fast the read models replay the log from
// position zero, through a blue/green rebuild, over 100,000 generated job
// events: each read model alone, and both at once. events/s counts log
// events per second of wall time.
func BenchmarkReplay(b *testing.B) {
	f := newReplayFixture(b, 100_000)
	b.Logf("%d events; first live build of both read models took %s", f.events, f.catchUp.Round(time.Millisecond))
	cases := []struct {
		name string
		ps   []projections.Projector
	}{
		{"job_stats", []projections.Projector{projections.NewJobStats()}},
		{"aggregate_stats", []projections.Projector{projections.AggregateStats{}}},
		{"both", []projections.Projector{projections.NewJobStats(), projections.AggregateStats{}}},
	}
	for _, batch := range batchSizes {
		for _, c := range cases {
			b.Run(fmt.Sprintf("batch=%d/%s", batch, c.name), func(b *testing.B) {
				for b.Loop() {
					f.rebuild(b, batch, c.ps...)
				}
				b.ReportMetric(float64(f.events*b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

// BenchmarkRebuild1M measures a rebuild of each read model over 1,000,000
// generated job events. Loading them and building the live read models takes
// a few minutes; it is skipped with -short.
func BenchmarkRebuild1M(b *testing.B) {
	if testing.Short() {
		b.Skip("loads 1,000,000 events")
	}
	start := time.Now()
	f := newReplayFixture(b, 1_000_000)
	b.Logf("%d events loaded and caught up in %s (first live build %s)", f.events,
		time.Since(start).Round(time.Second), f.catchUp.Round(time.Millisecond))
	for _, batch := range batchSizes {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			served := []projections.Projector{projections.NewJobStats(), projections.AggregateStats{}}
			took := make([]time.Duration, len(served))
			for b.Loop() {
				for i, p := range served {
					took[i] += f.rebuild(b, batch, p)[0]
				}
			}
			for i, p := range served {
				secs := took[i].Seconds() / float64(b.N)
				b.ReportMetric(secs, p.Name()+"-s")
				b.ReportMetric(float64(f.events)/secs, p.Name()+"-events/s")
			}
		})
	}
}
