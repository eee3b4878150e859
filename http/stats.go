package http

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
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
	TopErrorGroups  []errorGroupView `json:"top_error_groups"`
	Timeline        []minuteView     `json:"timeline"`
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
	groups, err := intParam(r, "groups", 20, 0, 1000)
	if err != nil {
		s.error(w, r, err)
		return
	}
	minutes, err := intParam(r, "minutes", 1440, 0, 100_000)
	if err != nil {
		s.error(w, r, err)
		return
	}
	resp, err := s.jobStats(r, id, int(groups), int(minutes))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) jobStats(r *http.Request, id uuid.UUID, groups, minutes int) (*jobResponse, error) {
	ctx := r.Context()
	owner := callerOf(r).Subject
	if callerOf(r).IsAdmin() {
		owner = domain.AllOwners
	}
	job, err := s.Stats.Job(ctx, id, owner)
	if err != nil {
		return nil, err
	}
	topGroups, err := s.Stats.JobErrorGroups(ctx, id, groups)
	if err != nil {
		return nil, err
	}
	timeline, err := s.Stats.JobTimeline(ctx, id, minutes)
	if err != nil {
		return nil, err
	}
	return &jobResponse{JobView: NewJobView(job), ProgressPercent: job.ProgressPercent(),
		TopErrorGroups: errorGroupViews(topGroups), Timeline: minuteViews(timeline),
		EventsURL: "/api/jobs/" + job.ID.String() + "/events"}, nil
}
