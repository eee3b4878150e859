package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

// benchEvent is a LinesParsed event of a realistic size (about 700 bytes of
// JSON).
func benchEvent(tb testing.TB, chunk int) events.Event {
	at := time.Date(2026, 11, 27, 10, chunk%60, 0, 0, time.UTC)
	later := at.Add(time.Minute)
	e, err := events.New(uuid.New(), &events.LinesParsed{Chunk: chunk, FirstLine: int64(chunk)*10000 + 1,
		LastLine: int64(chunk+1) * 10000, BytesRead: int64(chunk+1) * 812345,
		Counts: events.Counts{Lines: 10000, Entries: 9870, Bytes: 812345,
			Levels: map[string]int64{"INFO": 9100, "DEBUG": 500, "WARN": 230, "ERROR": 38, "FATAL": 2}},
		Format:   "logfmt",
		MinTime:  &at,
		MaxTime:  &later,
		Timeline: []events.MinuteCount{{Minute: at, Count: 4900}, {Minute: later, Count: 4970}},
		Keywords: map[string]int64{"timeout": 17, "refused": 4, "retry": 31},
		Components: map[string]int64{"api": 5100, "db": 2300, "auth": 1200, "cache": 900,
			"billing": 370},
		IPs:         map[string]int64{"10.0.0.1": 4000, "10.0.0.2": 3500, "192.168.1.20": 2370},
		DistinctIPs: 3,
	}, events.Metadata{CorrelationID: "req-8f1c", CausationID: "task-8f1c", Actor: "worker-1", AnalyzerVersion: "1.4.0"})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// BenchmarkAppend measures appends with expected versions by 1 and 8
// concurrent writers, each to its own streams, in batches of 1 and 100
// events. One op is one AppendToStream call; events/s counts events.
func BenchmarkAppend(b *testing.B) {
	pool := pgtest.NewPoolOf(b, 10)
	store := postgres.New(pool)
	for _, writers := range []int{1, 8} {
		for _, batch := range []int{1, 100} {
			b.Run(fmt.Sprintf("writers=%d/batch=%d", writers, batch), func(b *testing.B) {
				benchmarkAppend(b, store, writers, batch)
			})
		}
	}
}

// streamEvents is how long a benchmark stream grows before a writer starts
// another, about the size of a large job.
const streamEvents = 1000

func benchmarkAppend(b *testing.B, store *postgres.Store, writers, batch int) {
	prepared := make([][]events.Event, writers)
	for w := range prepared {
		for i := range batch {
			prepared[w] = append(prepared[w], benchEvent(b, i))
		}
	}
	run := uuid.NewString()[:8]
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var stream string
			var version int64
			for n := 0; next.Add(1) <= int64(b.N); n++ {
				if version+int64(batch) > streamEvents || stream == "" {
					stream, version = fmt.Sprintf("bench-%s-%d-%d", run, w, n), 0
				}
				evs := prepared[w]
				for i := range evs {
					evs[i].ID = uuid.New()
				}
				v, err := store.AppendToStream(context.Background(), stream, version, evs...)
				if err != nil {
					b.Error(err)
					return
				}
				version = v
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}
