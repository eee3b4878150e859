package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
)

// chunkEvents are a worker's events for one chunk, with the deterministic ids
// a repeated task delivery reproduces.
func chunkEvents(t *testing.T, stream string, chunk int) []events.Event {
	t.Helper()
	lines := &events.LinesParsed{Chunk: chunk, FirstLine: int64(chunk)*100 + 1, LastLine: int64(chunk)*100 + 100,
		BytesRead: int64(chunk+1) * 5000,
		Counts:    events.Counts{Lines: 100, Entries: 98, Bytes: 5000, Levels: map[string]int64{"INFO": 90, "WARN": 6, "ERROR": 2}}}
	errs := &events.ErrorsDetected{Chunk: chunk, Groups: []events.ErrorGroup{{ID: "g1", Template: "db timeout <*>",
		Level: "ERROR", Count: 2, FirstLine: int64(chunk)*100 + 7, LastLine: int64(chunk)*100 + 70, Sample: "db timeout 30s"}}}
	var out []events.Event
	for _, p := range []events.Payload{lines, errs} {
		key := fmt.Sprintf("chunk-%d/%s", chunk, p.EventType())
		e, err := events.New(events.DeterministicID(stream, key), p, events.Metadata{Actor: "worker-1"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

// countEvents returns how many events are stored and the sum of the streams'
// versions.
func countEvents(t *testing.T, pool *pgxpool.Pool) (stored, versions int64) {
	t.Helper()
	err := pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM events),
		(SELECT coalesce(sum(version), 0) FROM streams)`).Scan(&stored, &versions)
	if err != nil {
		t.Fatal(err)
	}
	return stored, versions
}

// TestConcurrentAppendsOfTheSameEvents races two deliveries of the same task:
// both appends succeed and one copy is stored.
func TestConcurrentAppendsOfTheSameEvents(t *testing.T) {
	const jobs, racers = 20, 3
	pool := pgtest.NewPoolOf(t, racers+2)
	store, ctx := postgres.New(pool), context.Background()
	for j := range jobs {
		stream := fmt.Sprintf("job-%d", j)
		for chunk := range 3 {
			evs := chunkEvents(t, stream, chunk)
			expected := int64(2 * chunk)
			start := make(chan struct{})
			errs := make(chan error, racers)
			for range racers {
				go func() {
					<-start
					v, err := store.AppendToStream(ctx, stream, expected, evs...)
					if err == nil && v != expected+2 {
						err = fmt.Errorf("version %d, want %d", v, expected+2)
					}
					errs <- err
				}()
			}
			close(start)
			for range racers {
				if err := <-errs; err != nil {
					t.Errorf("%s chunk %d: racing append: %v", stream, chunk, err)
				}
			}
		}
	}
	if stored, version := countEvents(t, pool); stored != jobs*6 || version != jobs*6 {
		t.Errorf("%d events stored, stream versions sum to %d; want %d each", stored, version, jobs*6)
	}
}

// TestLinesParsedV1ReadsAsV2 stores a LinesParsed event as the first release
// wrote it and reads it back through the upcaster and the job fold.
func TestLinesParsedV1ReadsAsV2(t *testing.T) {
	pool := pgtest.NewPool(t)
	store, ctx := postgres.New(pool), context.Background()
	id := uuid.New()
	stream := events.JobStream(id)
	submitted, err := events.New(uuid.New(), &events.JobSubmitted{JobID: id, Owner: "alice", FileName: "old.log"}, events.Metadata{})
	if err != nil {
		t.Fatal(err)
	}
	v1Data := `{"chunk":0,"first_line":1,"last_line":3,"lines":3,"bytes":30,"level_counts":{"INFO":2,"WARN":1}}`
	v1 := events.Event{ID: uuid.New(), Type: events.TypeLinesParsed, SchemaVersion: 1, Data: json.RawMessage(v1Data)}
	if _, err := store.AppendToStream(ctx, stream, 0, submitted, v1); err != nil {
		t.Fatal(err)
	}

	recs, err := store.ReadStream(ctx, stream, 1, 10)
	if err != nil || len(recs) != 1 {
		t.Fatalf("read the v1 event: %d records, %v", len(recs), err)
	}
	var asStored, asWritten any
	json.Unmarshal(recs[0].Data, &asStored)
	json.Unmarshal([]byte(v1Data), &asWritten)
	if recs[0].SchemaVersion != 1 || !cmp.Equal(asWritten, asStored) {
		t.Errorf("stored row = v%d %s; want v1 %s unchanged", recs[0].SchemaVersion, recs[0].Data, v1Data)
	}
	p, err := events.Decode(recs[0].Event)
	if err != nil {
		t.Fatal(err)
	}
	want := &events.LinesParsed{Chunk: 0, FirstLine: 1, LastLine: 3,
		Counts: events.Counts{Lines: 3, Entries: 3, Bytes: 30, Levels: map[string]int64{"INFO": 2, "WARN": 1}}}
	if diff := cmp.Diff(want, p); diff != "" {
		t.Errorf("decoded v1 LinesParsed (-want +got):\n%s", diff)
	}

	job, err := domain.NewJobs(store).Load(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if job.Lines != 3 || job.Entries != 3 || job.Bytes != 30 || job.Status != domain.StatusProcessing ||
		!cmp.Equal(map[string]int64{"INFO": 2, "WARN": 1}, job.Levels) {
		t.Errorf("folded job = lines %d entries %d bytes %d status %s levels %v; want 3 3 30 processing INFO:2 WARN:1",
			job.Lines, job.Entries, job.Bytes, job.Status, job.Levels)
	}
}

// insertAtTx stores an event as if the transaction with the given id had
// written it, long ago: tx ids of a real append depend on how busy the
// server has been, and the read order must hold across every digit boundary.
func insertAtTx(t *testing.T, pool *pgxpool.Pool, tx uint64, stream string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	_, err := pool.Exec(context.Background(), `INSERT INTO events (tx_id, event_id, stream_id, version, type, schema_version, data)
		VALUES ($1::text::xid8, $2, $3, 1, 'X', 1, '{}')`, strconv.FormatUint(tx, 10), id, stream)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestReadAllOrdersTransactionIDsAsNumbers reads events whose transaction ids
// cross decimal digit boundaries, in pages of several sizes: read as text,
// 100 would sort before 99 and a reader would skip or repeat events.
func TestReadAllOrdersTransactionIDsAsNumbers(t *testing.T) {
	pool := pgtest.NewPool(t)
	store, ctx := postgres.New(pool), context.Background()
	for i, tx := range []uint64{100, 9, 99, 10} {
		insertAtTx(t, pool, tx, fmt.Sprintf("s-%d", i))
	}
	for _, limit := range []int{1, 3, 100} {
		var got []uint64
		var pos events.Position
		for {
			recs, err := store.ReadAll(ctx, pos, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) == 0 {
				break
			}
			for _, r := range recs {
				got, pos = append(got, r.Position.TxID), r.Position
			}
		}
		if diff := cmp.Diff([]uint64{9, 10, 99, 100}, got); diff != "" {
			t.Errorf("pages of %d: transaction ids read (-want +got):\n%s", limit, diff)
		}
	}
}
