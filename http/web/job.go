package web

import (
	"context"
	"net/http"
	"sort"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// Bounds of what a job page shows.
const (
	defaultGroups = 100
	maxGroups     = 1000
	topNames      = 25
	// timelineMinutes is how many of a job's minutes the chart reads: two
	// weeks, drawn in at most maxColumns columns.
	timelineMinutes = 20_160
)

// jobPage is everything the job page shows.
type jobPage struct {
	page
	Job     *domain.Job
	Percent float64
	// PartsDone counts the parts done of a job analysed in parts.
	PartsDone int
	Levels    []levelCount
	Chart     *chart
	Groups    []events.ErrorGroup
	// GroupsLimit is how many groups were asked for; MoreGroups says the
	// job has more.
	GroupsLimit int
	MoreGroups  bool
	Keywords    []nameCount
	Components  []nameCount
	IPs         []nameCount
	// Rows is the download's default and largest row counts.
	RowsDefault, RowsMax int64
}

// Live says the job may still change.
func (p *jobPage) Live() bool { return !p.Job.Status.Terminal() }

// VersionText is the job's version, for the page's script.
func (p *jobPage) VersionText() string { return formatVersion(p.Job.Version) }

type levelCount struct {
	Name  string
	Count int64
	Share float64
}

type nameCount struct {
	Name  string
	Count int64
}

func (u *UI) handleJob(w http.ResponseWriter, r *http.Request) {
	id, err := jobIDParam(r)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	groups, err := intQuery(r, "groups", defaultGroups, 0, maxGroups)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	p, err := u.jobPageOf(r, id, int(groups))
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "job", p)
}

func (u *UI) jobPageOf(r *http.Request, id uuid.UUID, groups int) (*jobPage, error) {
	ctx := r.Context()
	job, err := u.loadJob(ctx, id)
	if err != nil {
		return nil, err
	}
	gs, err := u.cfg.Stats.JobErrorGroups(ctx, id, groups+1)
	if err != nil {
		return nil, err
	}
	minutes, err := u.cfg.Stats.JobTimeline(ctx, id, timelineMinutes, true)
	if err != nil {
		return nil, err
	}
	return newJobPage(u.pageOf(r, job.FileName, "jobs"), job, gs, groups, newChart(minutes, job)), nil
}

// newJobPage assembles the page from what was read. It does no I/O, so
// the render benchmark measures it with the templates.
func newJobPage(base page, job *domain.Job, gs []events.ErrorGroup, groups int, c *chart) *jobPage {
	p := &jobPage{page: base, Job: job, Percent: job.ProgressPercent(), Levels: levelCounts(job),
		Chart: c, GroupsLimit: groups, Keywords: topCounts(job.Keywords, topNames),
		Components: topCounts(job.Components, topNames), IPs: topCounts(job.TopIPs, topNames),
		RowsDefault: defaultRows, RowsMax: maxRows, PartsDone: len(job.Parts) - len(job.PartsLeft())}
	if len(gs) > groups {
		gs, p.MoreGroups = gs[:groups], true
	}
	p.Groups = gs
	return p
}

// loadJob reads a job of the caller's from the read model. A job that the
// read model has not caught up with yet (just uploaded) is folded from its
// events instead; either way a job of another user is ENOTFOUND.
func (u *UI) loadJob(ctx context.Context, id uuid.UUID) (*domain.Job, error) {
	c := callerFrom(ctx)
	job, err := u.cfg.Stats.Job(ctx, id, c.ownerScope())
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		return job, err
	}
	job, ferr := domain.NewJobs(u.cfg.Events).Load(ctx, id)
	if ferr != nil {
		return nil, err
	}
	if !c.IsAdmin() && job.Owner != c.Subject {
		return nil, err
	}
	return job, nil
}

// levelOrder is the order levels are listed and stacked in, most severe
// first; LevelNone is last.
var levelOrder = []string{"FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", events.LevelNone}

func levelCounts(j *domain.Job) []levelCount {
	var out []levelCount
	for _, l := range levelOrder {
		if n := j.Levels[l]; n > 0 {
			out = append(out, levelCount{Name: l, Count: n, Share: share(n, j.Entries)})
		}
	}
	return out
}

func share(n, of int64) float64 {
	if of <= 0 {
		return 0
	}
	return float64(n) * 100 / float64(of)
}

// topCounts returns the n largest counts, largest first, ties by name.
func topCounts(m map[string]int64, n int) []nameCount {
	out := make([]nameCount, 0, len(m))
	for k, v := range m {
		out = append(out, nameCount{k, v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func jobIDParam(r *http.Request) (uuid.UUID, error) {
	raw := chi.URLParam(r, "jobId")
	id, err := uuid.Parse(raw)
	if err != nil {
		return uuid.UUID{}, domain.Errorf(domain.ENOTFOUND, "job %q not found", raw)
	}
	return id, nil
}

// intQuery reads an optional integer query parameter within [lo, hi].
func intQuery(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, domain.Errorf(domain.EINVALID, "%s must be a whole number from %d to %d", name, lo, hi)
	}
	return n, nil
}

func formatVersion(v int64) string { return strconv.FormatInt(v, 10) }
