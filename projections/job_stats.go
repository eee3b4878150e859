package projections

import (
	"context"
	"fmt"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// Read tables of the job_stats projection.
const (
	TableJobStats       = "job_stats"
	TableJobErrorGroups = "job_error_groups"
	TableJobTimeline    = "job_timeline"
)

// JobStats is the projection of each job's state: one job_stats row per job
// (its jobState as columns and as a whole in state), its error groups and
// its timeline. It folds events with domain.Job.Apply, the same code an
// auditor's replay uses. Made with NewJobStats it keeps unfinished jobs in
// memory between batches; the zero value reads every job back.
type JobStats struct {
	cache *jobCache
}

// NewJobStats returns the projector with its cache of unfinished jobs.
func NewJobStats() JobStats { return JobStats{cache: newJobCache(maxCachedJobs)} }

// Reset implements Resetter.
func (p JobStats) Reset() {
	if p.cache != nil {
		p.cache.reset()
	}
}

// Name implements Projector.
func (JobStats) Name() string { return "job_stats" }

// Version implements Projector. Version 2 stores a job's analysed bytes
// as analysed_bytes (version 1 called them bytes); version 3 folds jobs
// analysed in parts and joined groups, and keeps a job's 1,000 busiest
// addresses (version 2, 20); version 4 counts each minute's entries per
// level in job_timeline.levels.
func (JobStats) Version() int { return 4 }

// Tables implements Projector.
func (JobStats) Tables() []Table {
	return []Table{
		{TableJobStats, `CREATE TABLE %[1]s (
			job_id       uuid PRIMARY KEY,
			owner        text NOT NULL,
			status       text NOT NULL,
			file_name    text NOT NULL,
			size         bigint NOT NULL,
			submitted_at timestamptz NOT NULL,
			started_at   timestamptz,
			finished_at  timestamptz,
			duration_ms  bigint,
			lines        bigint NOT NULL DEFAULT 0,
			entries      bigint NOT NULL DEFAULT 0,
			bytes_read   bigint NOT NULL DEFAULT 0,
			errors       bigint NOT NULL DEFAULT 0,
			error_groups bigint NOT NULL DEFAULT 0,
			levels       jsonb,
			version      bigint NOT NULL,
			state        jsonb NOT NULL,
			updated_at   timestamptz NOT NULL
		) WITH (fillfactor = 80);
		CREATE INDEX %[1]s_owner ON %[1]s (owner, submitted_at DESC, job_id DESC);
		CREATE INDEX %[1]s_submitted ON %[1]s (submitted_at DESC, job_id DESC);
		CREATE INDEX %[1]s_unfinished ON %[1]s (job_id) WHERE status IN ('queued', 'processing')`},
		{TableJobErrorGroups, `CREATE TABLE %[1]s (
			job_id     uuid NOT NULL,
			id         text NOT NULL,
			template   text NOT NULL,
			level      text NOT NULL,
			exception  text,
			count      bigint NOT NULL,
			first_line bigint NOT NULL,
			last_line  bigint NOT NULL,
			first_time timestamptz,
			last_time  timestamptz,
			sample     text NOT NULL,
			PRIMARY KEY (job_id, id)
		) WITH (fillfactor = 80)`},
		{TableJobTimeline, `CREATE TABLE %[1]s (
			job_id uuid NOT NULL,
			minute timestamptz NOT NULL,
			count  bigint NOT NULL,
			levels jsonb,
			PRIMARY KEY (job_id, minute)
		) WITH (fillfactor = 80)`},
	}
}

// Apply implements Projector: it loads the jobs the batch touches, with the
// error groups and minutes it touches, folds the events, and writes back
// what changed.
func (p JobStats) Apply(ctx context.Context, tx pgx.Tx, t Tables, batch []Event) error {
	evs, err := jobEvents(batch)
	if err != nil || len(evs) == 0 {
		return err
	}
	jobs, err := p.loadJobs(ctx, tx, t, evs)
	if err != nil {
		return err
	}
	for _, e := range evs {
		if err := jobs[e.JobID].job.ApplyDecoded(e.Record, e.Payload); err != nil {
			return err
		}
	}
	if err := saveJobs(ctx, tx, t, jobs); err != nil {
		return err
	}
	p.remember(t, jobs)
	return nil
}

// loadJobs returns the state of every job the events touch, with the groups
// and minutes they touch: from the cache, else from the tables; a job with
// no row starts empty and complete.
func (p JobStats) loadJobs(ctx context.Context, tx pgx.Tx, t Tables, evs []jobEvent) (map[uuid.UUID]*cachedJob, error) {
	jobs := map[uuid.UUID]*cachedJob{}
	var missing []uuid.UUID
	for _, id := range jobIDs(evs) {
		if c, ok := p.cached(t, id); ok {
			jobs[id] = c
			continue
		}
		jobs[id] = &cachedJob{job: domain.NewJob(id), complete: true}
		missing = append(missing, id)
	}
	if len(missing) > 0 {
		err := loadJSON(ctx, tx, `SELECT state FROM `+t.Of(TableJobStats)+` WHERE job_id = ANY($1)`,
			[]any{missing}, func() any { return &jobState{} }, func(v any) {
				j := v.(*jobState).job()
				jobs[j.ID] = &cachedJob{job: j}
			})
		if err != nil {
			return nil, fmt.Errorf("load jobs: %w", err)
		}
	}
	if err := loadGroups(ctx, tx, t, jobs, evs); err != nil {
		return nil, err
	}
	return jobs, loadMinutes(ctx, tx, t, jobs, evs)
}

func (p JobStats) cached(t Tables, id uuid.UUID) (*cachedJob, bool) {
	if p.cache == nil {
		return nil, false
	}
	return p.cache.get(cacheKey{t.Of(TableJobStats), id})
}

func (p JobStats) remember(t Tables, jobs map[uuid.UUID]*cachedJob) {
	if p.cache == nil {
		return
	}
	for id, c := range jobs {
		p.cache.put(cacheKey{t.Of(TableJobStats), id}, c.job, c.complete)
	}
}

// groupsOf lists the error groups an event touches.
func groupsOf(p events.Payload) []string {
	var ids []string
	switch e := p.(type) {
	case *events.ErrorsDetected:
		for _, g := range e.Groups {
			ids = append(ids, g.ID)
		}
	case *events.GroupsJoined:
		for _, g := range e.Groups {
			ids = append(ids, g.ID)
			for _, from := range g.Joined {
				ids = append(ids, from.ID)
			}
		}
	}
	return ids
}

// loadGroups loads the error groups the events touch into their jobs,
// unless the job's state already holds them.
func loadGroups(ctx context.Context, tx pgx.Tx, t Tables, jobs map[uuid.UUID]*cachedJob, evs []jobEvent) error {
	var jobIDs []uuid.UUID
	var groupIDs []string
	for _, e := range evs {
		if jobs[e.JobID].complete {
			continue
		}
		for _, id := range groupsOf(e.Payload) {
			if jobs[e.JobID].job.Groups[id] == nil {
				jobIDs, groupIDs = append(jobIDs, e.JobID), append(groupIDs, id)
			}
		}
	}
	if len(jobIDs) == 0 {
		return nil
	}
	err := loadJSON(ctx, tx, `SELECT DISTINCT to_jsonb(g) FROM `+t.Of(TableJobErrorGroups)+` g
		JOIN unnest($1::uuid[], $2::text[]) AS r(job_id, id) ON g.job_id = r.job_id AND g.id = r.id`,
		[]any{jobIDs, groupIDs}, func() any { return &groupRow{} }, func(v any) {
			g := v.(*groupRow)
			jobs[g.JobID].job.Groups[g.ID] = g.ErrorGroup
		})
	if err != nil {
		return fmt.Errorf("load error groups: %w", err)
	}
	return nil
}

// loadMinutes loads the timeline minutes the events touch into their jobs,
// unless the job's state already holds them.
func loadMinutes(ctx context.Context, tx pgx.Tx, t Tables, jobs map[uuid.UUID]*cachedJob, evs []jobEvent) error {
	var jobIDs []uuid.UUID
	var minutes []time.Time
	for _, e := range evs {
		lp, ok := e.Payload.(*events.LinesParsed)
		if !ok || jobs[e.JobID].complete {
			continue
		}
		for _, m := range lp.Timeline {
			if _, known := jobs[e.JobID].job.Timeline[m.Minute.Unix()]; !known {
				jobIDs, minutes = append(jobIDs, e.JobID), append(minutes, m.Minute)
			}
		}
	}
	if len(jobIDs) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT DISTINCT m.job_id, m.minute, m.count, m.levels FROM `+t.Of(TableJobTimeline)+` m
		JOIN unnest($1::uuid[], $2::timestamptz[]) AS r(job_id, minute) ON m.job_id = r.job_id AND m.minute = r.minute`,
		jobIDs, minutes)
	if err != nil {
		return fmt.Errorf("load timeline: %w", err)
	}
	var jobID uuid.UUID
	var minute time.Time
	var n domain.MinuteCounts
	_, err = pgx.ForEachRow(rows, []any{&jobID, &minute, &n.Count, &n.Levels}, func() error {
		jobs[jobID].job.Timeline[minute.Unix()] = n
		n.Levels = nil // the next row's levels go into a map of their own
		return nil
	})
	if err != nil {
		return fmt.Errorf("load timeline: %w", err)
	}
	return nil
}

var (
	jobStatsColumns = []string{"owner", "status", "file_name", "size", "submitted_at", "started_at",
		"finished_at", "duration_ms", "lines", "entries", "bytes_read", "errors", "error_groups",
		"levels", "version", "state", "updated_at"}
	errorGroupColumns = []string{"template", "level", "exception", "count", "first_line", "last_line",
		"first_time", "last_time", "sample"}
)

// saveJobs writes the jobs' rows and the groups and minutes that changed.
func saveJobs(ctx context.Context, tx pgx.Tx, t Tables, jobs map[uuid.UUID]*cachedJob) error {
	var jobRows, minuteRows []any
	var groupRows []groupRow
	var removedJobs []uuid.UUID
	var removedGroups []string
	for _, c := range jobs {
		j := c.job
		jobRows = append(jobRows, stateOf(j))
		changed := j.Changed()
		for _, id := range changed.Groups {
			groupRows = append(groupRows, groupRow{JobID: j.ID, ErrorGroup: j.Groups[id]})
		}
		for _, id := range changed.Removed {
			removedJobs, removedGroups = append(removedJobs, j.ID), append(removedGroups, id)
		}
		for _, m := range changed.Minutes {
			n := j.Timeline[m]
			minuteRows = append(minuteRows, minuteRow{JobID: j.ID, Minute: timeOfUnix(m), Count: n.Count, Levels: n.Levels})
		}
	}
	if len(removedGroups) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM `+t.Of(TableJobErrorGroups)+` g USING unnest($1::uuid[], $2::text[]) AS r(job_id, id)
			WHERE g.job_id = r.job_id AND g.id = r.id`, removedJobs, removedGroups); err != nil {
			return fmt.Errorf("remove joined error groups: %w", err)
		}
	}
	if err := writeRows(ctx, tx, upsertJobStats(t.Of(TableJobStats)), jobRows); err != nil {
		return fmt.Errorf("save jobs: %w", err)
	}
	if err := writeGroups(ctx, tx, t.Of(TableJobErrorGroups), groupRows); err != nil {
		return fmt.Errorf("save error groups: %w", err)
	}
	if err := writeRows(ctx, tx, upsert(t.Of(TableJobTimeline), []string{"job_id", "minute"}, []string{"count", "levels"}), minuteRows); err != nil {
		return fmt.Errorf("save timeline: %w", err)
	}
	return nil
}

// upsertJobStats writes jobs given as a JSON array of jobState: each
// job's fields fill the columns of the same name, and the whole job is its
// state. The jobs are encoded once; Postgres spreads them into columns (naming
// each is faster on replay than jsonb_populate_record).
func upsertJobStats(table string) string {
	return fmt.Sprintf(`INSERT INTO %[1]s SELECT (j->>'job_id')::uuid, j->>'owner', j->>'status', j->>'file_name',
		(j->>'size')::bigint, (j->>'submitted_at')::timestamptz, (j->>'started_at')::timestamptz,
		(j->>'finished_at')::timestamptz, (j->>'duration_ms')::bigint, coalesce((j->>'lines')::bigint, 0),
		coalesce((j->>'entries')::bigint, 0), coalesce((j->>'bytes_read')::bigint, 0), coalesce((j->>'errors')::bigint, 0),
		coalesce((j->>'error_groups')::bigint, 0), j->'levels', (j->>'version')::bigint, j, now()
		FROM jsonb_array_elements($1::jsonb) AS j
		ON CONFLICT (job_id) DO UPDATE SET %[2]s`, table, setExcluded(jobStatsColumns))
}

// writeGroups upserts error groups, sent as one array per column: on replay
// that is faster than having Postgres pick each field out of JSON.
func writeGroups(ctx context.Context, tx pgx.Tx, table string, rows []groupRow) error {
	if len(rows) == 0 {
		return nil
	}
	n := len(rows)
	jobIDs, ids, templates, levels, exceptions := make([]uuid.UUID, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	counts, firsts, lasts := make([]int64, n), make([]int64, n), make([]int64, n)
	firstTimes, lastTimes, samples := make([]*time.Time, n), make([]*time.Time, n), make([]string, n)
	for i, g := range rows {
		jobIDs[i], ids[i], templates[i], levels[i], exceptions[i] = g.JobID, g.ID, g.Template, g.Level, g.Exception
		counts[i], firsts[i], lasts[i] = g.Count, g.FirstLine, g.LastLine
		firstTimes[i], lastTimes[i], samples[i] = g.FirstTime, g.LastTime, g.Sample
	}
	_, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %[1]s SELECT j, i, t, l, nullif(e, ''), c, f, la, ft, lt, s
		FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::int8[], $8::int8[],
			$9::timestamptz[], $10::timestamptz[], $11::text[]) AS u(j, i, t, l, e, c, f, la, ft, lt, s)
		ON CONFLICT (job_id, id) DO UPDATE SET %[2]s`, table, setExcluded(errorGroupColumns)),
		jobIDs, ids, templates, levels, exceptions, counts, firsts, lasts, firstTimes, lastTimes, samples)
	return err
}

// groupRow is a job_error_groups row: the job's id and the group in its
// event shape, whose JSON names are the table's columns.
type groupRow struct {
	JobID uuid.UUID `json:"job_id"`
	*events.ErrorGroup
}

// minuteRow is a job_timeline row. Levels are the minute's counts per
// level, written whole as the fold sums them, as count is; a minute
// folded only from events older than per-minute levels has none (NULL).
type minuteRow struct {
	JobID  uuid.UUID        `json:"job_id"`
	Minute time.Time        `json:"minute"`
	Count  int64            `json:"count"`
	Levels map[string]int64 `json:"levels,omitempty"`
}

// writeRows runs an upsert built by upsert with the rows as its JSON array.
func writeRows(ctx context.Context, tx pgx.Tx, sql string, rows []any) error {
	if len(rows) == 0 {
		return nil
	}
	data, err := gojson.Marshal(rows)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, sql, data)
	return err
}

func timeOfUnix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }
