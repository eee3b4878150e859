package projections_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/postgres"
	"github.com/logproc/logproc/events/postgres/pgtest"
	"github.com/logproc/logproc/projections"
)

// all are the read models without a cache of jobs: every batch reads its
// jobs back. Fixtures apply cached ones, so tests that compare the two (a
// rebuild against the live rows) also check the cache.
var all = []projections.Projector{projections.JobStats{}, projections.AggregateStats{}}

type fixture struct {
	t *testing.T
	// live are the read models the fixture applies, with their caches.
	live   []projections.Projector
	ctx    context.Context
	pool   *pgxpool.Pool
	store  *postgres.Store
	runner *projections.Runner
	reader *projections.Reader
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	pool := pgtest.NewPool(t)
	f := &fixture{t: t, ctx: context.Background(), pool: pool, store: postgres.New(pool),
		runner: projections.NewRunner(pool, nil, slog.New(slog.DiscardHandler)),
		reader: projections.NewReader(pool),
		live:   []projections.Projector{projections.NewJobStats(), projections.AggregateStats{}}}
	if err := f.runner.Setup(f.ctx, f.live...); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) append(stream string, version int64, ps ...events.Payload) int64 {
	f.t.Helper()
	evs := make([]events.Event, len(ps))
	for i, p := range ps {
		e, err := events.New(uuid.New(), p, events.Metadata{Actor: "test"})
		if err != nil {
			f.t.Fatal(err)
		}
		evs[i] = e
	}
	v, err := f.store.AppendToStream(f.ctx, stream, version, evs...)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

func (f *fixture) catchUp() {
	f.t.Helper()
	if err := f.runner.CatchUp(f.ctx, f.live...); err != nil {
		f.t.Fatal(err)
	}
}

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// submitJob appends a job's submission and returns its id and stream.
func (f *fixture) submitJob(owner string, size int64) (uuid.UUID, string) {
	id := uuid.New()
	f.append(events.JobStream(id), 0, &events.JobSubmitted{JobID: id, Owner: owner, FileName: "app.log",
		Size: size, SHA256: "abc", BlobKey: "k/" + id.String(), SubmittedAt: t0})
	return id, events.JobStream(id)
}

func chunk(i int, info, warn, errs int64) *events.LinesParsed {
	n := info + warn + errs
	min := t0.Add(time.Duration(i) * time.Minute)
	return &events.LinesParsed{Chunk: i, FirstLine: int64(i)*100 + 1, LastLine: int64(i)*100 + n,
		BytesRead: int64(i+1) * n * 50,
		Counts:    events.Counts{Lines: n, Entries: n, Bytes: n * 50, Levels: map[string]int64{"INFO": info, "WARN": warn, "ERROR": errs}},
		MinTime:   &min, MaxTime: &min,
		Timeline: []events.MinuteCount{{Minute: min, Count: n}}}
}

func errorsIn(i int, counts map[string]int64) *events.ErrorsDetected {
	d := &events.ErrorsDetected{Chunk: i}
	for id, n := range counts {
		d.Groups = append(d.Groups, events.ErrorGroup{ID: id, Template: "failed <*> " + id, Level: "ERROR",
			Count: n, FirstLine: int64(i)*100 + 5, LastLine: int64(i)*100 + 9, Sample: fmt.Sprintf("failed %d %s", i, id)})
	}
	return d
}

func TestJobAndAggregateStats(t *testing.T) {
	f := newFixture(t)
	a, sa := f.submitJob("alice", 1000)
	b, sb := f.submitJob("bob", 500)
	f.append(sa, 1, &events.JobStarted{Attempt: 1, At: t0}, chunk(0, 90, 5, 5), errorsIn(0, map[string]int64{"g1": 3, "g2": 2}))
	f.append(sb, 1, &events.JobStarted{Attempt: 1, At: t0})
	f.catchUp()
	f.append(sa, 4, chunk(1, 10, 0, 2), errorsIn(1, map[string]int64{"g1": 2}), &events.JobCompleted{Chunks: 2, Lines: 112, At: t0.Add(time.Minute), DurationMS: 60000})
	f.catchUp()

	job, err := f.reader.Job(f.ctx, a, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if job.Status != domain.StatusCompleted || job.Lines != 112 || job.Errors != 7 || job.ErrorGroups != 2 || job.Version != 7 {
		t.Errorf("job = status %s lines %d errors %d groups %d version %d; want completed 112 7 2 7",
			job.Status, job.Lines, job.Errors, job.ErrorGroups, job.Version)
	}
	if diff := cmp.Diff(map[string]int64{"INFO": 100, "WARN": 5, "ERROR": 7}, job.Levels); diff != "" {
		t.Errorf("levels (-want +got):\n%s", diff)
	}
	groups, err := f.reader.JobErrorGroups(f.ctx, a, 10)
	if err != nil || len(groups) != 2 || groups[0].ID != "g1" || groups[0].Count != 5 || groups[0].FirstLine != 5 || groups[0].LastLine != 109 {
		t.Errorf("groups = %+v, %v", groups, err)
	}
	if _, err := f.reader.Job(f.ctx, a, "bob"); domain.ErrorCode(err) != domain.ENOTFOUND {
		t.Errorf("bob reading alice's job: err %v, want not found", err)
	}
	timeline, err := f.reader.JobTimeline(f.ctx, a, 100, false)
	if err != nil || len(timeline) != 2 || timeline[0].Count != 100 || timeline[1].Count != 12 {
		t.Errorf("timeline = %+v, %v", timeline, err)
	}
	latest, err := f.reader.JobTimeline(f.ctx, a, 1, false)
	if err != nil || len(latest) != 1 || latest[0].Count != 12 {
		t.Errorf("latest minute = %+v, %v; want the second one", latest, err)
	}
	earliest, err := f.reader.JobTimeline(f.ctx, a, 1, true)
	if err != nil || len(earliest) != 1 || earliest[0].Count != 100 {
		t.Errorf("earliest minute = %+v, %v; want the first one", earliest, err)
	}

	all, err := f.reader.Totals(f.ctx, domain.AllOwners)
	if err != nil {
		t.Fatal(err)
	}
	wantAll := &domain.Totals{Owner: "", JobsTotal: 2, UploadedBytes: 1500, AnalysedBytes: 5600, Lines: 112, Entries: 112, Errors: 7,
		Jobs:   map[domain.JobStatus]int64{"queued": 0, "processing": 1, "completed": 1, "failed": 0},
		Levels: map[string]int64{"INFO": 100, "WARN": 5, "ERROR": 7}}
	if diff := cmp.Diff(wantAll, all); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	alice, _ := f.reader.Totals(f.ctx, "alice")
	if alice.JobsTotal != 1 || alice.Jobs["completed"] != 1 || alice.Lines != 112 {
		t.Errorf("alice's totals = %+v", alice)
	}
	top, err := f.reader.TopErrorGroups(f.ctx, "alice", 10)
	if err != nil || len(top) != 2 || top[0].ID != "g1" || top[0].Count != 5 || top[0].Jobs != 1 || top[0].LastJobID != a {
		t.Errorf("top groups = %+v, %v", top, err)
	}
	page, err := f.reader.ListJobs(f.ctx, "", "", 1)
	if err != nil || len(page.Jobs) != 1 || page.Next == "" {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page2, err := f.reader.ListJobs(f.ctx, "", page.Next, 1)
	if err != nil || len(page2.Jobs) != 1 || page2.Next != "" || page2.Jobs[0].ID == page.Jobs[0].ID {
		t.Fatalf("second page = %+v, %v", page2, err)
	}
	bobs, err := f.reader.Job(f.ctx, b, "bob")
	if err != nil || bobs.Status != domain.StatusProcessing || bobs.Attempts != 1 || bobs.Lines != 0 {
		t.Errorf("bob's job = %+v, %v; want processing, one attempt, no lines yet", bobs, err)
	}
	unfinished, err := f.reader.UnfinishedJobs(f.ctx, t0.Add(time.Second), uuid.Nil, 10)
	if err != nil || len(unfinished) != 1 || unfinished[0] != b {
		t.Errorf("unfinished jobs = %v, %v; want bob's", unfinished, err)
	}
	if none, _ := f.reader.UnfinishedJobs(f.ctx, t0, uuid.Nil, 10); len(none) != 0 {
		t.Errorf("unfinished jobs submitted before %s = %v, want none", t0, none)
	}
	bob, _ := f.reader.Totals(f.ctx, "bob")
	if bob.JobsTotal != 1 || bob.Jobs["processing"] != 1 || bob.UploadedBytes != 500 || bob.AnalysedBytes != 0 {
		t.Errorf("bob's totals = %+v", bob)
	}
}

// The parts of a job add their levels to the minutes they share, each
// batch reading back the minutes the one before wrote, and job_timeline
// holds what a fold of the events holds; a minute counted by events
// without levels per minute keeps its count.
func TestJobTimelineCountsMinutesPerLevelAsTheFoldDoes(t *testing.T) {
	f := newFixture(t)
	id, stream := f.submitJob("alice", 2000)
	minute := func(part int, n int64, levels map[string]int64) *events.LinesParsed {
		return &events.LinesParsed{Part: part, Counts: events.Counts{Lines: n, Entries: n},
			Timeline: []events.MinuteCount{{Minute: t0, Count: n, Levels: levels}}}
	}
	catchUp := func() { // without the cache of jobs, as a rebuild reads them
		t.Helper()
		if err := f.runner.CatchUp(f.ctx, projections.JobStats{}); err != nil {
			t.Fatal(err)
		}
	}
	v := f.append(stream, 1, &events.JobStarted{Attempt: 1, At: t0}, &events.JobPlanned{Parts: []events.PartPlan{
		{Part: 1, Length: 1000, FirstLine: 1}, {Part: 2, Offset: 1000, Length: 1000, FirstLine: 101}}})
	v = f.append(stream, v, minute(2, 5, map[string]int64{"INFO": 3, "ERROR": 2}))
	catchUp()
	v = f.append(stream, v, minute(1, 4, map[string]int64{"INFO": 1, "WARN": 2, events.LevelNone: 1}))
	catchUp()
	f.append(stream, v, minute(1, 6, nil))
	catchUp()

	timeline, err := f.reader.JobTimeline(f.ctx, id, 10, true)
	if err != nil {
		t.Fatal(err)
	}
	want := []events.MinuteCount{{Minute: t0, Count: 15, Levels: map[string]int64{"INFO": 4, "ERROR": 2, "WARN": 2, events.LevelNone: 1}}}
	if diff := cmp.Diff(want, timeline, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("job_timeline (-want +got):\n%s", diff)
	}
	fold, err := domain.NewJobs(f.store).Load(f.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fold.Minutes(10, true), timeline, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("job_timeline against the fold of the events (-fold +read model):\n%s", diff)
	}
}

// While a release that counts levels per minute builds its generation,
// the views still read the one before, whose job_timeline has no levels:
// the reader answers from it, with the minutes' levels missing.
func TestJobTimelineReadsAGenerationWithoutLevels(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	id := uuid.New()
	_, err := pool.Exec(ctx, `CREATE TABLE job_timeline_g1 (job_id uuid NOT NULL, minute timestamptz NOT NULL,
		count bigint NOT NULL, PRIMARY KEY (job_id, minute));
		CREATE VIEW job_timeline AS SELECT * FROM job_timeline_g1`)
	if err == nil {
		_, err = pool.Exec(ctx, `INSERT INTO job_timeline_g1 VALUES ($1, $2, 7)`, id, t0)
	}
	if err != nil {
		t.Fatal(err)
	}
	got, err := projections.NewReader(pool).JobTimeline(ctx, id, 10, true)
	want := []events.MinuteCount{{Minute: t0, Count: 7}}
	if diff := cmp.Diff(want, got, cmpopts.EquateApproxTime(0)); err != nil || diff != "" {
		t.Errorf("timeline of the old generation = %v (-want +got):\n%s", err, diff)
	}
}

// A job's GroupsJoined moves the counts of the groups that join others, in
// the job's groups and in the totals, and removes the rows left empty.
func TestJoinedGroupsMoveTheirCounts(t *testing.T) {
	f := newFixture(t)
	a, sa := f.submitJob("alice", 1000)
	b, sb := f.submitJob("bob", 500)
	f.append(sa, 1, &events.JobStarted{Attempt: 1, At: t0}, chunk(0, 90, 5, 8), errorsIn(0, map[string]int64{"g1": 5, "g2": 3}))
	f.append(sb, 1, &events.JobStarted{Attempt: 1, At: t0}, chunk(0, 90, 5, 4), errorsIn(0, map[string]int64{"g2": 4}))
	f.catchUp()
	f.append(sa, 4, &events.GroupsJoined{Groups: []events.MergedGroup{{ID: "g1", Template: "failed <*> <*>",
		Joined: []events.GroupCount{{ID: "g2", Count: 3}}}}, At: t0.Add(time.Minute)},
		&events.JobCompleted{Chunks: 1, Lines: 103, At: t0.Add(time.Minute)})
	f.catchUp()

	groups, err := f.reader.JobErrorGroups(f.ctx, a, 10)
	if err != nil || len(groups) != 1 || groups[0].ID != "g1" || groups[0].Count != 8 || groups[0].Template != "failed <*> <*>" {
		t.Errorf("alice's job's groups = %+v, %v; want g1 alone with 8 entries and the joined template", groups, err)
	}
	if job, err := f.reader.Job(f.ctx, a, "alice"); err != nil || job.ErrorGroups != 1 || job.Errors != 8 {
		t.Errorf("alice's job = %+v, %v; want 1 group, 8 errors", job, err)
	}
	if groups, err := f.reader.JobErrorGroups(f.ctx, b, 10); err != nil || len(groups) != 1 || groups[0].Count != 4 {
		t.Errorf("bob's job's groups = %+v, %v; want g2 untouched", groups, err)
	}
	type top struct {
		ID          string
		Count, Jobs int64
	}
	topOf := func(owner string) []top {
		gs, err := f.reader.TopErrorGroups(f.ctx, owner, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []top
		for _, g := range gs {
			out = append(out, top{g.ID, g.Count, g.Jobs})
		}
		return out
	}
	if diff := cmp.Diff([]top{{"g1", 8, 1}}, topOf("alice")); diff != "" {
		t.Errorf("alice's top groups (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]top{{"g1", 8, 1}, {"g2", 4, 1}}, topOf(domain.AllOwners)); diff != "" {
		t.Errorf("everyone's top groups (-want +got):\n%s", diff)
	}
	for _, id := range []uuid.UUID{a, b} {
		if v, err := projections.VerifyJob(f.ctx, f.pool, f.store, id); err != nil || !v.OK() {
			t.Errorf("verify job %s: %v %v", id, v.Differences, err)
		}
	}
}
