package http

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
)

// aggregateResponse is the body of GET /api/stats.
type aggregateResponse struct {
	Scope string `json:"scope"`
	*domain.Totals
	ErrorRate      float64                `json:"error_rate"`
	TopErrorGroups []domain.TopErrorGroup `json:"top_error_groups"`
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
	writeJSON(w, http.StatusOK, aggregateResponse{Scope: scope, Totals: totals,
		ErrorRate: totals.ErrorRate(), TopErrorGroups: groups})
}

// jobResponse is the body of GET /api/stats/{jobId}.
type jobResponse struct {
	*domain.Job
	ProgressPercent float64              `json:"progress_percent"`
	TopErrorGroups  []domain.ErrorGroup  `json:"top_error_groups"`
	Timeline        []domain.MinuteCount `json:"timeline"`
	EventsURL       string               `json:"events_url"`
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
	resp := &jobResponse{Job: job, ProgressPercent: progressPercent(job),
		EventsURL: "/api/jobs/" + job.ID.String() + "/events"}
	if resp.TopErrorGroups, err = s.Stats.JobErrorGroups(ctx, id, groups); err != nil {
		return nil, err
	}
	if resp.Timeline, err = s.Stats.JobTimeline(ctx, id, minutes); err != nil {
		return nil, err
	}
	return resp, nil
}

// progressPercent is how far into its file a job has read.
func progressPercent(j *domain.Job) float64 {
	switch {
	case j.Status == domain.StatusCompleted:
		return 100
	case j.Size <= 0:
		return 0
	}
	return min(100, float64(j.BytesRead)*100/float64(j.Size))
}
