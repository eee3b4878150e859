package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/projections"
)

// jobHistory is a generated job: its stream and its events in the appends a
// worker would make, in stream order.
type jobHistory struct {
	ID      uuid.UUID
	Stream  string
	Appends [][]events.Event
}

var (
	genOwners     = []string{"alice", "bob", "carol", "dave", "erin"}
	genComponents = []string{"api", "db", "auth", "cache", "billing", "mailer", "search"}
	genKeywords   = []string{"timeout", "refused", "denied", "retry", "panic", "oom"}
	genIPs        = []string{"10.0.0.1", "10.0.0.2", "10.0.3.7", "192.168.1.20", "172.16.4.4"}
)

// genJobs generates n jobs deterministically from seed. Their events are
// what the worker writes: a submission, an attempt, one LinesParsed per chunk
// with levels, a timeline per minute and level, and counts, ErrorsDetected
// for chunks with errors from a pool of groups shared across jobs, and then
// completion, failure or nothing yet. Chunks overlap in minutes, so minutes
// add up over chunks and parts. Some jobs are retried, every tenth job's
// first chunk is stored as LinesParsed v1, as the first release wrote it,
// and every seventh job's timelines have no levels, as releases before
// per-minute levels wrote them.
func genJobs(seed uint64, first, n int) []jobHistory {
	rng := rand.New(rand.NewPCG(seed, uint64(first)))
	jobs := make([]jobHistory, n)
	for i := range jobs {
		jobs[i] = genJob(rng, first+i)
	}
	return jobs
}

var genStart = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

func genJob(rng *rand.Rand, n int) jobHistory {
	id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "job-%d", n))
	g := &jobGen{rng: rng, job: jobHistory{ID: id, Stream: events.JobStream(id)},
		md:         events.Metadata{CorrelationID: fmt.Sprintf("req-%d", n), Actor: genOwners[n%len(genOwners)]},
		oldMinutes: n%7 == 3}
	at := genStart.Add(time.Duration(n) * time.Minute)
	chunks := 1 + rng.IntN(6)
	g.add(&events.JobSubmitted{JobID: id, Owner: genOwners[n%len(genOwners)], FileName: fmt.Sprintf("app-%d.log", n),
		Size: int64(chunks) * 10000 * 80, SHA256: fmt.Sprintf("%064x", n), BlobKey: "blobs/" + id.String(),
		ContentType: "text/plain", Options: events.JobOptions{ChunkLines: 10000}, SubmittedAt: at})
	g.md.Actor = "worker-1"
	g.add(&events.JobStarted{Attempt: 1, Worker: "worker-1", At: at.Add(time.Second)})
	if n%5 == 4 && chunks > 1 {
		return g.inParts(chunks, at)
	}
	for c := range chunks {
		if c == 2 && rng.IntN(10) == 0 {
			g.add(&events.JobStarted{Attempt: 2, Worker: "worker-2", At: at.Add(time.Duration(c) * time.Minute)})
		}
		lines := g.lines(c, at.Add(time.Duration(c)*time.Minute))
		if c == 0 && n%10 == 0 {
			g.addV1(lines)
		} else {
			g.add(lines)
		}
		if lines.Levels["ERROR"]+lines.Levels["FATAL"] > 0 {
			g.add(g.errors(c, lines))
		}
	}
	end := at.Add(time.Duration(chunks) * time.Minute)
	switch r := rng.IntN(100); {
	case r < 80:
		if r%3 == 0 {
			g.join(end)
		}
		g.add(&events.JobCompleted{Chunks: chunks, DurationMS: end.Sub(at).Milliseconds(), AnalyzerVersion: "1.4.0", At: end})
	case r < 92:
		g.add(&events.JobFailed{Reason: "blob unreadable: unexpected EOF", Code: "EIO", Attempt: 1, Retryable: true, At: end})
	}
	return g.job
}

type jobGen struct {
	rng *rand.Rand
	job jobHistory
	md  events.Metadata
	n   int
	// groups counts the job's entries per error group, in the order the
	// groups were first seen.
	groups []events.GroupCount
	// oldMinutes leaves the levels out of the timelines.
	oldMinutes bool
}

// inParts ends a job analysed in parts of one chunk each: planned, each
// part analysed and completed, in reverse order for every other job, and
// its groups joined as it completes.
func (g *jobGen) inParts(parts int, at time.Time) jobHistory {
	plan := &events.JobPlanned{}
	for k := 1; k <= parts; k++ {
		plan.Parts = append(plan.Parts, events.PartPlan{Part: k, Offset: int64(k-1) * 800_000, Length: 800_000,
			FirstLine: int64(k-1)*10000 + 1})
	}
	g.add(plan)
	order := make([]int, parts)
	for i := range order {
		order[i] = i
		if g.rng.IntN(2) == 0 {
			order[i] = parts - 1 - i
		}
	}
	seen := map[int]bool{}
	for _, c := range order {
		if seen[c] {
			continue
		}
		seen[c] = true
		g.add(&events.JobStarted{Attempt: 1, Worker: "worker-2", Part: c + 1, At: at.Add(2 * time.Second)})
		lines := g.lines(c, at.Add(time.Duration(c)*time.Minute))
		lines.Part, lines.Chunk = c+1, 0
		g.add(lines)
		if lines.Levels["ERROR"]+lines.Levels["FATAL"] > 0 {
			d := g.errors(c, lines)
			d.Part, d.Chunk = c+1, 0
			g.add(d)
		}
		g.add(&events.PartCompleted{Part: c + 1, Chunks: 1, Lines: lines.Lines, Entries: lines.Entries,
			Bytes: lines.Bytes, At: at.Add(time.Duration(c+1) * time.Minute)})
	}
	for k := 1; k <= parts; k++ {
		if !seen[k-1] {
			g.add(&events.JobStarted{Attempt: 1, Worker: "worker-2", Part: k, At: at.Add(2 * time.Second)})
			lines := g.lines(k-1, at.Add(time.Duration(k-1)*time.Minute))
			lines.Part, lines.Chunk = k, 0
			g.add(lines)
			g.add(&events.PartCompleted{Part: k, Chunks: 1, Lines: lines.Lines, Entries: lines.Entries,
				Bytes: lines.Bytes, At: at.Add(time.Duration(k) * time.Minute)})
		}
	}
	end := at.Add(time.Duration(parts+1) * time.Minute)
	g.join(end)
	g.add(&events.JobCompleted{Chunks: parts, DurationMS: end.Sub(at).Milliseconds(), AnalyzerVersion: "2.3.0", At: end})
	return g.job
}

// join records the job's groups as a job ends: every group after the first
// joins the first, so the read models move their counts.
func (g *jobGen) join(at time.Time) {
	if len(g.groups) < 2 {
		return
	}
	first := g.groups[0]
	joined := events.GroupsJoined{Groups: []events.MergedGroup{{ID: first.ID, Template: "request <*> failed: <*>",
		Joined: slices.Clone(g.groups[1:])}}, At: at}
	if g.rng.IntN(2) == 0 {
		joined.DistinctIPs = 4
	}
	g.add(&joined)
}

// add appends p to the job, in the same append as the previous event when
// both belong to one chunk.
func (g *jobGen) add(p events.Payload) {
	e, err := events.New(g.nextID(p.EventType()), p, g.md)
	if err != nil {
		panic(err)
	}
	g.push(e, p.EventType() == events.TypeErrorsDetected)
}

func (g *jobGen) nextID(typ string) uuid.UUID {
	g.n++
	return events.DeterministicID(g.job.Stream, fmt.Sprintf("%d/%s", g.n, typ))
}

func (g *jobGen) push(e events.Event, sameAppend bool) {
	if sameAppend {
		last := len(g.job.Appends) - 1
		g.job.Appends[last] = append(g.job.Appends[last], e)
		return
	}
	g.job.Appends = append(g.job.Appends, []events.Event{e})
}

// addV1 stores the chunk in the shape LinesParsed had at schema version 1.
func (g *jobGen) addV1(lp *events.LinesParsed) {
	data, _ := json.Marshal(map[string]any{"chunk": lp.Chunk, "first_line": lp.FirstLine, "last_line": lp.LastLine,
		"lines": lp.Lines, "bytes": lp.Bytes, "level_counts": lp.Levels})
	g.push(events.Event{ID: g.nextID(events.TypeLinesParsed), Type: events.TypeLinesParsed, SchemaVersion: 1,
		Data: data, Metadata: g.md}, false)
}

func (g *jobGen) lines(c int, at time.Time) *events.LinesParsed {
	rng := g.rng
	levels := map[string]int64{"INFO": 5000 + rng.Int64N(4000), "DEBUG": rng.Int64N(800), "WARN": rng.Int64N(300)}
	if rng.IntN(3) > 0 {
		levels["ERROR"] = 1 + rng.Int64N(60)
	}
	if rng.IntN(20) == 0 {
		levels["FATAL"] = 1
	}
	var entries int64
	for _, n := range levels {
		entries += n
	}
	lp := &events.LinesParsed{Chunk: c, FirstLine: int64(c)*10000 + 1, LastLine: int64(c+1) * 10000,
		BytesRead: int64(c+1) * 10000 * 80,
		Counts:    events.Counts{Lines: 10000, Entries: entries, Bytes: 10000 * 80, Levels: levels}, Format: "logfmt", Keywords: pick(rng, genKeywords, 3, 40),
		Components: pick(rng, genComponents, 4, 900), IPs: pick(rng, genIPs, 3, 200), DistinctIPs: 3}
	minT, maxT := at, at.Add(2*time.Minute+30*time.Second)
	lp.MinTime, lp.MaxTime = &minT, &maxT
	lp.Timeline = g.minutes(at, levels)
	return lp
}

// minutes spreads a chunk's entries over three minutes, each level's
// remainder in the last.
func (g *jobGen) minutes(at time.Time, levels map[string]int64) []events.MinuteCount {
	out := make([]events.MinuteCount, 3)
	for m := range out {
		out[m] = events.MinuteCount{Minute: at.Add(time.Duration(m) * time.Minute), Levels: map[string]int64{}}
		for l, n := range levels {
			k := n / 3
			if m == 2 {
				k = n - 2*(n/3)
			}
			if k > 0 {
				out[m].Levels[l] = k
				out[m].Count += k
			}
		}
		if g.oldMinutes {
			out[m].Levels = nil
		}
	}
	return out
}

func (g *jobGen) errors(c int, lp *events.LinesParsed) *events.ErrorsDetected {
	d := &events.ErrorsDetected{Chunk: c}
	for range 1 + g.rng.IntN(3) {
		id := fmt.Sprintf("grp-%02d", g.rng.IntN(25))
		if slices.ContainsFunc(d.Groups, func(e events.ErrorGroup) bool { return e.ID == id }) {
			continue
		}
		first, last := *lp.MinTime, *lp.MaxTime
		d.Groups = append(d.Groups, events.ErrorGroup{ID: id, Template: "request <*> failed: " + id,
			Level: "ERROR", Exception: "java.io.IOException", Count: 1 + g.rng.Int64N(20),
			FirstLine: lp.FirstLine + g.rng.Int64N(100), LastLine: lp.LastLine - g.rng.Int64N(100),
			FirstTime: &first, LastTime: &last, Sample: fmt.Sprintf("request %d failed: %s", c, id)})
		n := d.Groups[len(d.Groups)-1].Count
		if i := slices.IndexFunc(g.groups, func(gc events.GroupCount) bool { return gc.ID == id }); i >= 0 {
			g.groups[i].Count += n
		} else {
			g.groups = append(g.groups, events.GroupCount{ID: id, Count: n})
		}
	}
	return d
}

func pick(rng *rand.Rand, from []string, n int, upTo int64) map[string]int64 {
	out := map[string]int64{}
	for range n {
		out[from[rng.IntN(len(from))]] += 1 + rng.Int64N(upTo)
	}
	return out
}

// appendRounds appends the jobs' events interleaved, one append of each job
// per round, as concurrent workers would, calling between after each round.
func appendRounds(t *testing.T, f *fixture, jobs []jobHistory, between func()) {
	t.Helper()
	versions := make([]int64, len(jobs))
	for round := 0; ; round++ {
		more := false
		for i, j := range jobs {
			if round >= len(j.Appends) {
				continue
			}
			more = true
			v, err := f.store.AppendToStream(f.ctx, j.Stream, versions[i], j.Appends[round]...)
			if err != nil {
				t.Fatal(err)
			}
			versions[i] = v
		}
		if !more {
			return
		}
		if between != nil {
			between()
		}
	}
}

// readViews are the views the API reads, with columns that record when a row
// was written rather than what it says left out.
var readViews = []string{projections.TableJobStats, projections.TableJobErrorGroups, projections.TableJobTimeline,
	projections.TableAggregateStats, projections.TableAggregateErrorGroups, "aggregate_jobs"}

// snapshot returns every row of every read view as JSON, in a fixed order.
func snapshot(t *testing.T, pool *pgxpool.Pool) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, v := range readViews {
		rows, err := pool.Query(context.Background(), `SELECT (to_jsonb(r) - 'updated_at')::text FROM `+v+` r ORDER BY 1`)
		if err == nil {
			out[v], err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			t.Fatalf("snapshot %s: %v", v, err)
		}
	}
	return out
}

type generationRow struct {
	Generation int
	State      string
	Dropped    bool
}

func generations(t *testing.T, pool *pgxpool.Pool, name string) []generationRow {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT generation, state, dropped_at IS NOT NULL
		FROM projections WHERE name = $1 ORDER BY generation`, name)
	if err != nil {
		t.Fatal(err)
	}
	gens, err := pgx.CollectRows(rows, pgx.RowToStructByPos[generationRow])
	if err != nil {
		t.Fatal(err)
	}
	return gens
}

// viewsRead returns, for each of the projector's views, the physical table it
// reads.
func viewsRead(t *testing.T, pool *pgxpool.Pool, p projections.Projector) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tbl := range p.Tables() {
		rows, err := pool.Query(context.Background(), `SELECT table_name::text FROM information_schema.view_table_usage
			WHERE view_schema = current_schema() AND view_name = $1`, tbl.Name)
		var tables []string
		if err == nil {
			tables, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			t.Fatal(err)
		}
		out[tbl.Name] = strings.Join(tables, ",")
	}
	return out
}

// physicalTables returns the projector's tables in generation n.
func physicalTables(p projections.Projector, n int) map[string]string {
	out := map[string]string{}
	for _, tbl := range p.Tables() {
		out[tbl.Name] = fmt.Sprintf("%s_g%d", tbl.Name, n)
	}
	return out
}

func tableExists(t *testing.T, pool *pgxpool.Pool, name string) bool {
	t.Helper()
	var exists bool
	if err := pool.QueryRow(context.Background(), `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	return exists
}

// TestRebuildYieldsTheLiveRows builds the read models live, in small steps as
// events arrive, then rebuilds each from position zero in batches of another
// size, and checks that every row of every view is the same, that the new
// generation is live with the old one's tables dropped, and that every job's
// row matches a fresh fold of its stream.
func TestRebuildYieldsTheLiveRows(t *testing.T) {
	f := newFixture(t)
	// Small batches, so the live build carries jobs in its cache from batch
	// to batch; the rebuild below reads every job back instead.
	f.runner.BatchSize = 16
	jobs := genJobs(1, 0, 40)
	appendRounds(t, f, jobs, f.catchUp)
	f.catchUp()
	live := snapshot(t, f.pool)
	checkTimelineLevels(t, f)
	if len(live[projections.TableJobStats]) != len(jobs) || len(live[projections.TableAggregateStats]) != len(genOwners)+1 ||
		len(live[projections.TableJobErrorGroups]) == 0 || len(live[projections.TableAggregateErrorGroups]) == 0 {
		t.Fatalf("live read models are not what the test needs: %d jobs, %d totals, %d job groups, %d groups",
			len(live[projections.TableJobStats]), len(live[projections.TableAggregateStats]),
			len(live[projections.TableJobErrorGroups]), len(live[projections.TableAggregateErrorGroups]))
	}

	rebuilder := projections.NewRunner(f.pool, nil, slog.New(slog.DiscardHandler))
	rebuilder.BatchSize, rebuilder.RebuildBatchSize = 13, 13
	for _, p := range all {
		var reports [][]projections.Status
		n, err := rebuilder.Rebuild(f.ctx, p, func(st []projections.Status) { reports = append(reports, st) })
		if err != nil || n != 2 {
			t.Fatalf("rebuild %s = generation %d, %v; want 2", p.Name(), n, err)
		}
		if len(reports) == 0 || len(reports[0]) != 2 || reports[0][1].Generation != 2 ||
			reports[0][1].State != projections.StateBuilding || reports[0][1].LagEvents == 0 {
			t.Errorf("%s progress reports = %+v; want a first one with generation 2 building and behind", p.Name(), reports)
		}
		want := []generationRow{{1, projections.StateRetired, true}, {2, projections.StateLive, false}}
		if diff := cmp.Diff(want, generations(t, f.pool, p.Name())); diff != "" {
			t.Errorf("%s generations after the rebuild (-want +got):\n%s", p.Name(), diff)
		}
		if diff := cmp.Diff(physicalTables(p, 2), viewsRead(t, f.pool, p)); diff != "" {
			t.Errorf("%s views after the rebuild read (-want +got):\n%s", p.Name(), diff)
		}
		for _, old := range physicalTables(p, 1) {
			if tableExists(t, f.pool, old) {
				t.Errorf("retired table %s still exists", old)
			}
		}
	}
	if diff := cmp.Diff(live, snapshot(t, f.pool)); diff != "" {
		t.Errorf("read views after the rebuild (-live +rebuilt):\n%s", diff)
	}
	for _, j := range jobs {
		v, err := projections.VerifyJob(f.ctx, f.pool, f.store, j.ID)
		if err != nil || !v.OK() {
			t.Errorf("verify job %s: %v %v", j.ID, v.Differences, err)
		}
	}
}

// checkTimelineLevels checks that the generated jobs gave the timeline
// what the rebuild must reproduce: minutes with levels, which add up to
// their counts, and minutes without.
func checkTimelineLevels(t *testing.T, f *fixture) {
	t.Helper()
	var with, without, wrong int
	err := f.pool.QueryRow(f.ctx, `SELECT count(*) FILTER (WHERE levels IS NOT NULL), count(*) FILTER (WHERE levels IS NULL),
		count(*) FILTER (WHERE (SELECT sum(value::bigint) FROM jsonb_each_text(levels)) <> count)
		FROM `+projections.TableJobTimeline).Scan(&with, &without, &wrong)
	if err != nil {
		t.Fatal(err)
	}
	if with == 0 || without == 0 || wrong != 0 {
		t.Errorf("job_timeline has %d minutes with levels, %d without, %d whose levels do not add up to their count; "+
			"want some with, some without, none wrong", with, without, wrong)
	}
}

// gatedProjector holds the second batch it is given for one physical table
// until released, so a test can look at the read models mid-rebuild.
type gatedProjector struct {
	projections.Projector
	gated   string
	calls   int
	held    chan struct{}
	release chan struct{}
}

func (g *gatedProjector) Apply(ctx context.Context, tx pgx.Tx, t projections.Tables, batch []projections.Event) error {
	if t.Of(g.Tables()[0].Name) == g.gated {
		if g.calls++; g.calls == 2 {
			close(g.held)
			select {
			case <-g.release:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return g.Projector.Apply(ctx, tx, t, batch)
}

// TestViewsReadTheLiveGenerationDuringARebuild stops a rebuild between two
// batches and checks that the API's views still read the complete live
// generation, then lets it finish and checks they read the new one.
func TestViewsReadTheLiveGenerationDuringARebuild(t *testing.T) {
	f := newFixture(t)
	jobs := genJobs(2, 0, 30)
	appendRounds(t, f, jobs, nil)
	f.catchUp()
	live := snapshot(t, f.pool)

	p := projections.JobStats{}
	gate := &gatedProjector{Projector: p, gated: physicalTables(p, 2)[projections.TableJobStats],
		held: make(chan struct{}), release: make(chan struct{})}
	rebuilder := projections.NewRunner(f.pool, nil, slog.New(slog.DiscardHandler))
	rebuilder.BatchSize, rebuilder.RebuildBatchSize = 20, 20
	ctx, cancel := context.WithTimeout(f.ctx, failAfter)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		n, err := rebuilder.Rebuild(ctx, gate, nil)
		if err == nil && n != 2 {
			err = fmt.Errorf("rebuilt generation %d, want 2", n)
		}
		done <- err
	}()
	select {
	case <-gate.held:
	case err := <-done:
		t.Fatalf("rebuild ended before its second batch: %v", err)
	}

	want := []generationRow{{1, projections.StateLive, false}, {2, projections.StateBuilding, false}}
	if diff := cmp.Diff(want, generations(t, f.pool, p.Name())); diff != "" {
		t.Errorf("generations mid-rebuild (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(physicalTables(p, 1), viewsRead(t, f.pool, p)); diff != "" {
		t.Errorf("views mid-rebuild read (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(live, snapshot(t, f.pool)); diff != "" {
		t.Errorf("read views mid-rebuild (-live +seen):\n%s", diff)
	}
	var building int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM `+gate.gated).Scan(&building); err != nil {
		t.Fatal(err)
	}
	if building == 0 || building >= len(jobs) {
		t.Errorf("the new generation holds %d of %d jobs mid-rebuild; want some but not all", building, len(jobs))
	}

	close(gate.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(physicalTables(p, 2), viewsRead(t, f.pool, p)); diff != "" {
		t.Errorf("views after the rebuild read (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(live, snapshot(t, f.pool)); diff != "" {
		t.Errorf("read views after the rebuild (-live +rebuilt):\n%s", diff)
	}
}
