package http

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// handleListJobs lists the caller's jobs, newest first, a page at a time.
func (s *Server) handleListJobs(w http.ResponseWriter, r *http.Request) {
	limit, err := intParam(r, "limit", 20, 1, 200)
	if err != nil {
		s.error(w, r, err)
		return
	}
	page, err := s.Stats.ListJobs(r.Context(), ownerScope(r), r.URL.Query().Get("cursor"), int(limit))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newJobPageView(page))
}

// EventView is a stored event as auditors read it: exactly as recorded.
// The command line prints the same shape.
type EventView struct {
	ID            uuid.UUID       `json:"id"`
	Version       int64           `json:"version"`
	Type          string          `json:"type"`
	SchemaVersion int             `json:"schema_version"`
	Data          json.RawMessage `json:"data"`
	Metadata      events.Metadata `json:"metadata"`
	RecordedAt    time.Time       `json:"recorded_at"`
	Position      events.Position `json:"position"`
}

// NewEventView returns the API's view of a stored event.
func NewEventView(rec events.Record) EventView {
	return EventView{ID: rec.ID, Version: rec.Version, Type: rec.Type, SchemaVersion: rec.SchemaVersion,
		Data: rec.Data, Metadata: rec.Metadata, RecordedAt: rec.RecordedAt, Position: rec.Position}
}

// historyResponse is the body of GET /api/jobs/{jobId}/events.
type historyResponse struct {
	JobID     uuid.UUID   `json:"job_id"`
	Events    []EventView `json:"events"`
	NextAfter int64       `json:"next_after,omitempty"`
	// State is the job folded from events 1..until, when ?until is given.
	State *JobView `json:"state,omitempty"`
}

// handleJobEvents returns a job's events in version order, after ?after and
// at most ?limit of them; with ?until=VERSION it returns only events up to
// that version and the job's state folded from them, by the same code the
// job_stats projection runs.
func (s *Server) handleJobEvents(w http.ResponseWriter, r *http.Request) {
	id, err := jobIDParam(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	q, err := historyQueryOf(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	resp, err := s.jobHistory(r, id, q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

type historyQuery struct{ after, limit, until int64 }

func historyQueryOf(r *http.Request) (q historyQuery, err error) {
	if q.after, err = intParam(r, "after", 0, 0, 1<<62); err != nil {
		return q, err
	}
	if q.limit, err = intParam(r, "limit", 100, 1, 1000); err != nil {
		return q, err
	}
	q.until, err = intParam(r, "until", 0, 1, 1<<62)
	return q, err
}

func (s *Server) jobHistory(r *http.Request, id uuid.UUID, q historyQuery) (*historyResponse, error) {
	ctx := r.Context()
	if err := s.checkJobOwner(r, id); err != nil {
		return nil, err
	}
	recs, err := s.Events.ReadStream(ctx, events.JobStream(id), q.after, int(q.limit))
	if err != nil {
		return nil, err
	}
	resp := &historyResponse{JobID: id, Events: []EventView{}}
	for _, rec := range recs {
		if q.until > 0 && rec.Version > q.until {
			break
		}
		resp.Events = append(resp.Events, NewEventView(rec))
	}
	if n := len(resp.Events); n == int(q.limit) {
		resp.NextAfter = resp.Events[n-1].Version
	}
	if q.until > 0 {
		state, err := domain.NewJobs(s.Events).LoadUntil(ctx, id, q.until)
		if err != nil {
			return nil, err
		}
		view := NewJobView(state)
		resp.State = &view
	}
	return resp, nil
}

// checkJobOwner answers ENOTFOUND unless the job exists and is the caller's
// (or the caller is an admin). The owner is read from the job's first event.
func (s *Server) checkJobOwner(r *http.Request, id uuid.UUID) error {
	job, err := domain.NewJobs(s.Events).LoadUntil(r.Context(), id, 1)
	if err != nil {
		return err
	}
	if !mayRead(r, job.Owner) {
		return domain.Errorf(domain.ENOTFOUND, "job %s not found", id)
	}
	return nil
}

// mayRead reports whether the caller may read a job of the owner: their
// own, or anyone's for an admin.
func mayRead(r *http.Request, owner string) bool {
	return owner == callerOf(r).Subject || callerOf(r).IsAdmin()
}
