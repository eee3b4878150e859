package http

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// aggregateResponse is the body of GET /api/stats.
type aggregateResponse struct {
	Scope          string                     `json:"scope"`
	Owner          string                     `json:"owner"`
	Jobs           map[domain.JobStatus]int64 `json:"jobs"`
	JobsTotal      int64                      `json:"jobs_total"`
	UploadedBytes  int64                      `json:"uploaded_bytes"`
	AnalysedBytes  int64                      `json:"analysed_bytes"`
	Lines          int64                      `json:"lines"`
	Entries        int64                      `json:"entries"`
	Levels         map[string]int64           `json:"levels"`
	Errors         int64                      `json:"errors"`
	ErrorRate      float64                    `json:"error_rate"`
	TopErrorGroups []topErrorGroupView        `json:"top_error_groups"`
}

// handleStats answers the caller's totals; an admin's cover everyone unless
// ?owner= names one owner.
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	top, err := intParam(r, "top", 10, 0, 1000)
	if err != nil {
		s.error(w, r, err)
		return
	}
	owner := ownerScope(r)
	totals, err := s.Stats.Totals(r.Context(), owner)
	if err != nil {
		s.error(w, r, err)
		return
	}
	groups, err := s.Stats.TopErrorGroups(r.Context(), owner, int(top))
	if err != nil {
		s.error(w, r, err)
		return
	}
	scope := "owner"
	if owner == domain.AllOwners {
		scope = "all"
	}
	writeJSON(w, http.StatusOK, aggregateResponse{Scope: scope, Owner: totals.Owner, Jobs: counts(totals.Jobs),
		JobsTotal: totals.JobsTotal, UploadedBytes: totals.UploadedBytes,
		AnalysedBytes: totals.AnalysedBytes, Lines: totals.Lines, Entries: totals.Entries,
		Levels: counts(totals.Levels), Errors: totals.Errors, ErrorRate: totals.ErrorRate(),
		TopErrorGroups: topErrorGroupViews(groups)})
}

// jobResponse is the body of GET /api/stats/{jobId}.
type jobResponse struct {
	JobView
	ProgressPercent float64          `json:"progress_percent"`
	TopErrorGroups  []ErrorGroupView `json:"top_error_groups"`
	Timeline        []MinuteView     `json:"timeline"`
	EventsURL       string           `json:"events_url"`
}

// handleJobStats answers one job's stats. A job that is not the caller's is
// 404, as if it did not exist.
func (s *Server) handleJobStats(w http.ResponseWriter, r *http.Request) {
	id, err := jobIDParam(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	q, err := jobStatsQueryOf(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	resp, err := s.jobStats(r, id, q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// jobStatsQuery is what GET /api/stats/{jobId} may ask for: how many error
// groups, and how many minutes of the timeline, the latest by default or
// the earliest with ?keep=earliest.
type jobStatsQuery struct {
	groups, minutes int
	earliest        bool
}

func jobStatsQueryOf(r *http.Request) (q jobStatsQuery, err error) {
	groups, err := intParam(r, "groups", 20, 0, 1000)
	if err != nil {
		return q, err
	}
	minutes, err := intParam(r, "minutes", 1440, 0, 100_000)
	if err != nil {
		return q, err
	}
	keep, err := choiceParam(r, "keep", "latest", "latest", "earliest")
	return jobStatsQuery{groups: int(groups), minutes: int(minutes), earliest: keep == "earliest"}, err
}

func (s *Server) jobStats(r *http.Request, id uuid.UUID, q jobStatsQuery) (*jobResponse, error) {
	ctx := r.Context()
	owner := callerOf(r).Subject
	if callerOf(r).IsAdmin() {
		owner = domain.AllOwners
	}
	job, err := s.Stats.Job(ctx, id, owner)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return s.unprojectedJobStats(r, id, q)
	}
	if err != nil {
		return nil, err
	}
	topGroups, err := s.Stats.JobErrorGroups(ctx, id, q.groups)
	if err != nil {
		return nil, err
	}
	timeline, err := s.Stats.JobTimeline(ctx, id, q.minutes, q.earliest)
	if err != nil {
		return nil, err
	}
	return newJobResponse(job, true, topGroups, timeline), nil
}

// unprojectedJobStats answers for a job the read model does not hold yet,
// such as one whose upload was just answered 202 while the projection lags
// or is taken over: the job is folded from its events, and marked as not
// projected. A job accepted is never 404 to its owner.
func (s *Server) unprojectedJobStats(r *http.Request, id uuid.UUID, q jobStatsQuery) (*jobResponse, error) {
	job, err := domain.NewJobs(s.Events).Load(r.Context(), id)
	if err != nil {
		return nil, err
	}
	if !mayRead(r, job.Owner) {
		return nil, domain.Errorf(domain.ENOTFOUND, "job %s not found", id)
	}
	return newJobResponse(job, false, job.TopGroups(q.groups), job.Minutes(q.minutes, q.earliest)), nil
}

func newJobResponse(job *domain.Job, projected bool, groups []events.ErrorGroup, timeline []events.MinuteCount) *jobResponse {
	view := NewJobView(job)
	view.Projected = projected
	return &jobResponse{JobView: view, ProgressPercent: job.ProgressPercent(),
		TopErrorGroups: ErrorGroupViews(groups), Timeline: MinuteViews(timeline),
		EventsURL: "/api/jobs/" + job.ID.String() + "/events"}
}
