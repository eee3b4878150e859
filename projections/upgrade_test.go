package projections_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/domain/worker/asynqtest"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
	"github.com/logproc/logproc/projections"
)

// jobStatsNext is the next version of the job_stats projector, as a
// release that changed its tables would ship it.
type jobStatsNext struct{ projections.JobStats }

func (jobStatsNext) Version() int { return projections.JobStats{}.Version() + 1 }

// TestRollingUpgradeKeepsTheLiveGenerationCurrent runs an old and a new
// release side by side: the old keeps generation 1 current while the new
// builds generation 2, which goes live once it has caught up; then the old
// stands aside.
func TestRollingUpgradeKeepsTheLiveGenerationCurrent(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	pool := func() *pgxpool.Pool {
		p, err := pgxpool.New(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		return p
	}
	oldPool, newPool := pool(), pool()
	old := projections.NewRunner(oldPool, nil, slog.New(slog.DiscardHandler))
	if err := old.Setup(ctx, projections.JobStats{}); err != nil {
		t.Fatal(err)
	}
	store := postgres.New(oldPool)
	first := appendJobs(t, store, 3)
	if err := old.CatchUp(ctx, projections.JobStats{}); err != nil {
		t.Fatal(err)
	}

	upgraded := projections.NewRunner(newPool, nil, slog.New(slog.DiscardHandler))
	upgraded.PollInterval, upgraded.LockRetry = 20*time.Millisecond, 20*time.Millisecond
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); upgraded.Run(runCtx, jobStatsNext{}) }()
	defer func() { stop(); <-done }()

	second := appendJobs(t, store, 2)
	if err := old.CatchUp(ctx, projections.JobStats{}); err != nil {
		t.Fatalf("the old release could not keep its generation current: %v", err)
	}
	waitFor(t, "generation 2 to go live", func() bool { return liveGeneration(t, oldPool) == 2 })
	for _, id := range append(first, second...) {
		if _, err := projections.NewReader(oldPool).Job(ctx, id, ""); err != nil {
			t.Errorf("job %s after the switch: %v", id, err)
		}
	}
	if err := old.CatchUp(ctx, projections.JobStats{}); err != nil {
		t.Errorf("the old release after the switch: %v (it should stand aside)", err)
	}
}

func liveGeneration(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(),
		`SELECT generation FROM projections WHERE name = 'job_stats' AND state = 'live'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// appendJobs submits n jobs and returns their ids.
func appendJobs(t *testing.T, store *postgres.Store, n int) []uuid.UUID {
	t.Helper()
	var ids []uuid.UUID
	for range n {
		id := uuid.New()
		e, err := events.New(uuid.New(), &events.JobSubmitted{JobID: id, Owner: "alice", SubmittedAt: time.Now().UTC()}, events.Metadata{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.AppendToStream(context.Background(), events.JobStream(id), 0, e); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// jobStatsAfterNext is a release after jobStatsNext.
type jobStatsAfterNext struct{ projections.JobStats }

func (jobStatsAfterNext) Version() int { return projections.JobStats{}.Version() + 2 }

// TestBuildingGenerationOfAnOlderReleaseIsReplaced: a release that finds a
// generation an older release was building, and may never finish, drops it
// and builds its own.
func TestBuildingGenerationOfAnOlderReleaseIsReplaced(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	r := projections.NewRunner(pool, nil, slog.New(slog.DiscardHandler))
	if err := r.Setup(ctx, projections.JobStats{}); err != nil {
		t.Fatal(err)
	}
	ids := appendJobs(t, postgres.New(pool), 2)
	v := projections.JobStats{}.Version()
	if _, err := pool.Exec(ctx, `INSERT INTO projections (name, generation, version, state)
		VALUES ('job_stats', 2, $1, 'building')`, v+1); err != nil {
		t.Fatal(err)
	}
	if err := r.CatchUp(ctx, jobStatsAfterNext{}); err != nil {
		t.Fatal(err)
	}
	var gens []string
	rows, _ := pool.Query(ctx, `SELECT generation || ':v' || version || ':' || state FROM projections
		WHERE name = 'job_stats' ORDER BY generation`)
	for rows.Next() {
		var g string
		rows.Scan(&g)
		gens = append(gens, g)
	}
	want := []string{fmt.Sprintf("1:v%d:retired", v), fmt.Sprintf("2:v%d:retired", v+1), fmt.Sprintf("3:v%d:live", v+2)}
	if fmt.Sprint(gens) != fmt.Sprint(want) {
		t.Errorf("generations = %v, want %v", gens, want)
	}
	// The generation it switched from and the one it abandoned are dropped.
	wantRows := []generationRow{{1, projections.StateRetired, true}, {2, projections.StateRetired, true}, {3, projections.StateLive, false}}
	if diff := cmp.Diff(wantRows, generations(t, pool, "job_stats")); diff != "" {
		t.Errorf("generations after the upgrade (-want +got):\n%s", diff)
	}
	for _, n := range []int{1, 2} {
		for _, old := range physicalTables(projections.JobStats{}, n) {
			if tableExists(t, pool, old) {
				t.Errorf("retired table %s still exists", old)
			}
		}
	}
	for _, id := range ids {
		if _, err := projections.NewReader(pool).Job(ctx, id, ""); err != nil {
			t.Errorf("job %s: %v", id, err)
		}
	}
}

// dispatcherV2 is a new version of the dispatcher.
type dispatcherV2 struct{ projections.Dispatcher }

func (dispatcherV2) Version() int { return 2 }

// TestSubscriberVersionBumpDoesNotReplay: a subscriber has no tables to
// rebuild; a new version carries on from its checkpoint.
func TestSubscriberVersionBumpDoesNotReplay(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	rdb, queue := asynqtest.NewQueue(t)
	d := projections.Dispatcher{Queue: worker.NewQueue(asynq.NewClientFromRedisClient(rdb), queue)}
	r := projections.NewRunner(pool, nil, slog.New(slog.DiscardHandler))
	if err := r.Setup(ctx, d); err != nil {
		t.Fatal(err)
	}
	appendJobs(t, postgres.New(pool), 3)
	if err := r.CatchUp(ctx, d); err != nil {
		t.Fatal(err)
	}
	before, err := projections.ProjectionStatus(ctx, pool, d)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.CatchUp(ctx, dispatcherV2{d}); err != nil {
		t.Fatal(err)
	}
	after, err := projections.ProjectionStatus(ctx, pool, dispatcherV2{d})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || after[0].Generation != 1 || after[0].Version != 2 || after[0].Checkpoint != before[0].Checkpoint || after[0].Applied != 3 {
		t.Errorf("dispatcher after the version bump = %+v (before %+v); want generation 1 at v2, same checkpoint", after, before)
	}
}

// TestRetiredGenerationLeftByAnEarlierLeaderIsDropped: a leader that
// retired a generation and died before it dropped the tables leaves them to
// the next one, which drops them on its first step, though it retires
// nothing itself.
func TestRetiredGenerationLeftByAnEarlierLeaderIsDropped(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	r := projections.NewRunner(pool, nil, slog.New(slog.DiscardHandler))
	p := projections.JobStats{}
	if err := r.Setup(ctx, p); err != nil {
		t.Fatal(err)
	}
	appendJobs(t, postgres.New(pool), 2)
	if err := r.CatchUp(ctx, p); err != nil {
		t.Fatal(err)
	}
	// What an earlier leader's switch to generation 2 left, as the switch
	// writes it: generation 1 retired, the views on generation 2's tables,
	// generation 1's tables still there.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE projections SET state = 'retired' WHERE name = 'job_stats' AND generation = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO projections (name, generation, version, state, live_since)
		VALUES ('job_stats', 2, $1, 'live', now())`, p.Version()); err != nil {
		t.Fatal(err)
	}
	for _, tb := range p.Tables() {
		g2 := physicalTables(p, 2)[tb.Name]
		if _, err := tx.Exec(ctx, fmt.Sprintf(tb.Schema, g2)); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`DROP VIEW IF EXISTS %[1]s; CREATE VIEW %[1]s AS SELECT * FROM %[2]s`, tb.Name, g2)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	for _, old := range physicalTables(p, 1) {
		if !tableExists(t, pool, old) {
			t.Fatalf("table %s is gone before the test's leader ran", old)
		}
	}
	if err := r.CatchUp(ctx, p); err != nil {
		t.Fatal(err)
	}
	want := []generationRow{{1, projections.StateRetired, true}, {2, projections.StateLive, false}}
	if diff := cmp.Diff(want, generations(t, pool, "job_stats")); diff != "" {
		t.Errorf("generations (-want +got):\n%s", diff)
	}
	for _, old := range physicalTables(p, 1) {
		if tableExists(t, pool, old) {
			t.Errorf("retired table %s still exists", old)
		}
	}
}

// TestLeaderDropsAGenerationItAbandonsWhileRunning: a leader that has
// already looked for retired generations, and finds a generation an older
// release began building while it runs, retires that generation and drops
// its tables at its next step.
func TestLeaderDropsAGenerationItAbandonsWhileRunning(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := projections.NewRunner(pool, nil, slog.New(slog.DiscardHandler))
	r.PollInterval = 20 * time.Millisecond
	p := projections.JobStats{}
	if err := r.Setup(ctx, p); err != nil {
		t.Fatal(err)
	}
	ids := appendJobs(t, postgres.New(pool), 2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx, p)
	}()
	defer func() { cancel(); <-done }()
	waitFor(t, "the leader to project the jobs", func() bool {
		for _, id := range ids {
			if _, err := projections.NewReader(pool).Job(ctx, id, ""); err != nil {
				return false
			}
		}
		return true
	})
	// An older release's rebuild, begun beside the running leader.
	older := physicalTables(p, 2)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO projections (name, generation, version, state)
		VALUES ('job_stats', 2, $1, 'building')`, p.Version()-1); err != nil {
		t.Fatal(err)
	}
	for _, tb := range p.Tables() {
		if _, err := tx.Exec(ctx, fmt.Sprintf(tb.Schema, older[tb.Name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "generation 2 to be retired and dropped", func() bool {
		gens := generations(t, pool, "job_stats")
		return len(gens) == 2 && gens[1] == generationRow{2, projections.StateRetired, true}
	})
	for _, tb := range older {
		if tableExists(t, pool, tb) {
			t.Errorf("abandoned table %s still exists", tb)
		}
	}
	if diff := cmp.Diff(generationRow{1, projections.StateLive, false}, generations(t, pool, "job_stats")[0]); diff != "" {
		t.Errorf("live generation (-want +got):\n%s", diff)
	}
}
