package projections

import (
	"context"
	"fmt"
	"slices"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// Read tables of the aggregate_stats projection.
const (
	TableAggregateStats       = "aggregate_stats"
	TableAggregateErrorGroups = "aggregate_error_groups"
	tableAggregateJobs        = "aggregate_jobs"
)

// AggregateStats is the projection of totals per owner and over everyone
// (owner ""): jobs per status, bytes, lines, levels and errors, and the error
// groups seen across jobs. It keeps each job's owner, status and groups seen
// in a table of its own, so it never reads another projection.
type AggregateStats struct{}

// Name implements Projector.
func (AggregateStats) Name() string { return "aggregate_stats" }

// Version implements Projector. Version 2 keeps uploaded and analysed
// bytes apart (version 1 had one bytes column, the uploads' sizes).
func (AggregateStats) Version() int { return 3 }

// Tables implements Projector.
func (AggregateStats) Tables() []Table {
	return []Table{
		{TableAggregateStats, `CREATE TABLE %[1]s (
			owner      text PRIMARY KEY,
			jobs       jsonb NOT NULL,
			jobs_total     bigint NOT NULL,
			uploaded_bytes bigint NOT NULL,
			analysed_bytes bigint NOT NULL,
			lines          bigint NOT NULL,
			entries        bigint NOT NULL,
			errors         bigint NOT NULL,
			levels         jsonb NOT NULL,
			updated_at     timestamptz NOT NULL
		)`},
		{TableAggregateErrorGroups, `CREATE TABLE %[1]s (
			owner       text NOT NULL,
			id          text NOT NULL,
			template    text NOT NULL,
			level       text NOT NULL,
			exception   text,
			count       bigint NOT NULL,
			jobs        bigint NOT NULL,
			last_job_id uuid NOT NULL,
			last_seen   timestamptz NOT NULL,
			PRIMARY KEY (owner, id)
		);
		CREATE INDEX %[1]s_count ON %[1]s (owner, count DESC, id)`},
		{tableAggregateJobs, `CREATE TABLE %[1]s (
			job_id uuid PRIMARY KEY,
			owner  text NOT NULL,
			status text NOT NULL,
			groups text[] NOT NULL
		)`},
	}
}

// aggJob is what the projection remembers of a job.
type aggJob struct {
	JobID  uuid.UUID        `json:"job_id"`
	Owner  string           `json:"owner"`
	Status domain.JobStatus `json:"status"`
	Groups []string         `json:"groups"`
}

type groupKey struct{ owner, id string }

// aggBatch is the state a batch touches.
type aggBatch struct {
	jobs   map[uuid.UUID]*aggJob
	totals map[string]*domain.Totals
	groups map[groupKey]*domain.TopErrorGroup
}

// Apply implements Projector.
func (AggregateStats) Apply(ctx context.Context, tx pgx.Tx, t Tables, batch []Event) error {
	evs, err := jobEvents(batch)
	if err != nil || len(evs) == 0 {
		return err
	}
	b, err := loadAggBatch(ctx, tx, t, evs)
	if err != nil {
		return err
	}
	for _, e := range evs {
		if err := b.apply(e); err != nil {
			return err
		}
	}
	return b.save(ctx, tx, t)
}

func (b *aggBatch) apply(e jobEvent) error {
	if s, ok := e.Payload.(*events.JobSubmitted); ok && b.jobs[e.JobID] == nil {
		b.jobs[e.JobID] = &aggJob{JobID: e.JobID, Owner: s.Owner, Groups: []string{}}
	}
	j := b.jobs[e.JobID]
	if j == nil {
		return fmt.Errorf("event %s of job %s comes before the job was submitted", e.Record.ID, e.JobID)
	}
	for _, owner := range []string{j.Owner, domain.AllOwners} {
		b.total(owner).Apply(j.Status, e.Payload)
	}
	switch p := e.Payload.(type) {
	case *events.ErrorsDetected:
		b.addGroups(j, p, e.Record.RecordedAt)
	case *events.GroupsJoined:
		b.joinGroups(j, p)
	}
	j.Status = domain.NextStatus(j.Status, e.Payload)
	return nil
}

// joinGroups moves the job's counts of the groups that join others to the
// groups they join, for the job's owner and for everyone.
func (b *aggBatch) joinGroups(j *aggJob, p *events.GroupsJoined) {
	for _, m := range p.Groups {
		for _, from := range m.Joined {
			had := slices.Contains(j.Groups, from.ID)
			j.Groups = slices.DeleteFunc(j.Groups, func(id string) bool { return id == from.ID })
			gains := !slices.Contains(j.Groups, m.ID)
			if gains {
				j.Groups = append(j.Groups, m.ID)
			}
			for _, owner := range []string{j.Owner, domain.AllOwners} {
				old, into := b.group(owner, from.ID), b.group(owner, m.ID)
				old.Count -= from.Count
				into.Count += from.Count
				if had {
					old.Jobs--
				}
				if gains {
					into.Jobs++
				}
				if into.Template == "" {
					into.Level, into.Exception, into.LastJobID, into.LastSeen = old.Level, old.Exception, old.LastJobID, old.LastSeen
				}
			}
		}
		for _, owner := range []string{j.Owner, domain.AllOwners} {
			b.group(owner, m.ID).Template = m.Template
		}
	}
}

func (b *aggBatch) addGroups(j *aggJob, d *events.ErrorsDetected, at time.Time) {
	for _, g := range d.Groups {
		first := !slices.Contains(j.Groups, g.ID)
		if first {
			j.Groups = append(j.Groups, g.ID)
		}
		for _, owner := range []string{j.Owner, domain.AllOwners} {
			top := b.group(owner, g.ID)
			top.Template, top.Level, top.Exception = g.Template, g.Level, g.Exception
			top.Count += g.Count
			if first {
				top.Jobs++
			}
			top.LastJobID, top.LastSeen = j.JobID, at
		}
	}
}

func (b *aggBatch) total(owner string) *domain.Totals {
	t, ok := b.totals[owner]
	if !ok {
		t = domain.NewTotals(owner)
		b.totals[owner] = t
	}
	return t
}

func (b *aggBatch) group(owner, id string) *domain.TopErrorGroup {
	k := groupKey{owner, id}
	g, ok := b.groups[k]
	if !ok {
		g = &domain.TopErrorGroup{ID: id}
		b.groups[k] = g
	}
	return g
}

// loadAggBatch loads the jobs, totals and groups the events touch.
func loadAggBatch(ctx context.Context, tx pgx.Tx, t Tables, evs []jobEvent) (*aggBatch, error) {
	b := &aggBatch{jobs: map[uuid.UUID]*aggJob{}, totals: map[string]*domain.Totals{},
		groups: map[groupKey]*domain.TopErrorGroup{}}
	err := loadJSON(ctx, tx, `SELECT to_jsonb(j) FROM `+t.Of(tableAggregateJobs)+` j WHERE job_id = ANY($1)`,
		[]any{jobIDs(evs)}, func() any { return &aggJob{} }, func(v any) {
			j := v.(*aggJob)
			b.jobs[j.JobID] = j
		})
	if err != nil {
		return nil, fmt.Errorf("load aggregate jobs: %w", err)
	}
	owners, gOwners, gIDs := b.touched(evs)
	err = loadJSON(ctx, tx, `SELECT to_jsonb(a) FROM `+t.Of(TableAggregateStats)+` a WHERE owner = ANY($1)`,
		[]any{owners}, func() any { return &totalsRow{} }, func(v any) {
			tot := v.(*totalsRow).totals()
			b.totals[tot.Owner] = tot
		})
	if err != nil {
		return nil, fmt.Errorf("load aggregate totals: %w", err)
	}
	err = loadJSON(ctx, tx, `SELECT DISTINCT to_jsonb(g) FROM `+t.Of(TableAggregateErrorGroups)+` g
		JOIN unnest($1::text[], $2::text[]) AS r(owner, id) ON g.owner = r.owner AND g.id = r.id`,
		[]any{gOwners, gIDs}, func() any { return &topGroupRow{} }, func(v any) {
			g := v.(*topGroupRow)
			b.groups[groupKey{g.Owner, g.ID}] = g.group()
		})
	if err != nil {
		return nil, fmt.Errorf("load aggregate error groups: %w", err)
	}
	return b, nil
}

// touched returns the owners and the (owner, group) pairs the events touch.
func (b *aggBatch) touched(evs []jobEvent) (owners, groupOwners, groupIDs []string) {
	ownerOf := map[uuid.UUID]string{}
	for id, j := range b.jobs {
		ownerOf[id] = j.Owner
	}
	owners = []string{domain.AllOwners}
	for _, e := range evs {
		switch p := e.Payload.(type) {
		case *events.JobSubmitted:
			ownerOf[e.JobID] = p.Owner
			owners = append(owners, p.Owner)
		case *events.ErrorsDetected, *events.GroupsJoined:
			for _, id := range groupsOf(p) {
				groupOwners = append(groupOwners, ownerOf[e.JobID], domain.AllOwners)
				groupIDs = append(groupIDs, id, id)
			}
		}
	}
	for _, o := range ownerOf {
		owners = append(owners, o)
	}
	return owners, groupOwners, groupIDs
}

// loadJSON runs a query whose rows are one JSON value each, decoding each
// into a fresh value from newV and handing it to use.
func loadJSON(ctx context.Context, tx pgx.Tx, sql string, args []any, newV func() any, use func(any)) error {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	var data []byte
	_, err = pgx.ForEachRow(rows, []any{&data}, func() error {
		v := newV()
		if err := gojson.Unmarshal(data, v); err != nil {
			return err
		}
		use(v)
		return nil
	})
	return err
}

func (b *aggBatch) save(ctx context.Context, tx pgx.Tx, t Tables) error {
	now := time.Now().UTC()
	var totals, jobs, groups []any
	for _, tot := range b.totals {
		totals = append(totals, totalsRowOf(tot, now))
	}
	for _, j := range b.jobs {
		jobs = append(jobs, j)
	}
	var goneOwners, goneIDs []string
	for k, g := range b.groups {
		if g.Count <= 0 && g.Jobs <= 0 { // every entry joined another group
			goneOwners, goneIDs = append(goneOwners, k.owner), append(goneIDs, k.id)
			continue
		}
		groups = append(groups, topGroupRowOf(k.owner, g))
	}
	if len(goneIDs) > 0 {
		if _, err := tx.Exec(ctx, `DELETE FROM `+t.Of(TableAggregateErrorGroups)+` g USING unnest($1::text[], $2::text[]) AS r(owner, id)
			WHERE g.owner = r.owner AND g.id = r.id`, goneOwners, goneIDs); err != nil {
			return fmt.Errorf("remove joined error groups: %w", err)
		}
	}
	steps := []struct {
		table string
		key   []string
		cols  []string
		rows  []any
	}{
		{TableAggregateStats, []string{"owner"}, []string{"jobs", "jobs_total", "uploaded_bytes", "analysed_bytes", "lines", "entries", "errors", "levels", "updated_at"}, totals},
		{tableAggregateJobs, []string{"job_id"}, []string{"owner", "status", "groups"}, jobs},
		{TableAggregateErrorGroups, []string{"owner", "id"}, []string{"template", "level", "exception", "count", "jobs", "last_job_id", "last_seen"}, groups},
	}
	for _, s := range steps {
		if err := writeRows(ctx, tx, upsert(t.Of(s.table), s.key, s.cols), s.rows); err != nil {
			return fmt.Errorf("save %s: %w", s.table, err)
		}
	}
	return nil
}
