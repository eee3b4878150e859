package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// progressView is the data of a progress event: where the job is, as the
// read model last projected it.
type progressView struct {
	JobID           uuid.UUID        `json:"job_id"`
	Status          domain.JobStatus `json:"status"`
	Version         int64            `json:"version"`
	BytesRead       int64            `json:"bytes_read"`
	Size            int64            `json:"size"`
	ProgressPercent float64          `json:"progress_percent"`
	Lines           int64            `json:"lines"`
	Entries         int64            `json:"entries"`
	Levels          map[string]int64 `json:"levels"`
	Errors          int64            `json:"errors"`
	ErrorGroups     int64            `json:"error_groups"`
	TopErrorGroups  []ErrorGroupView `json:"top_error_groups"`
	FailureReason   string           `json:"failure_reason,omitempty"`
	FailureCode     string           `json:"failure_code,omitempty"`
	// Uploading says the file is still arriving: size is 0 until it has.
	Uploading bool `json:"uploading,omitempty"`
}

func newProgressView(j *domain.Job, groups []events.ErrorGroup) *progressView {
	return &progressView{JobID: j.ID, Status: j.Status, Version: j.Version, BytesRead: j.BytesRead, Size: j.Size,
		ProgressPercent: j.ProgressPercent(), Lines: j.Lines, Entries: j.Entries, Levels: counts(j.Levels),
		Errors: j.Errors, ErrorGroups: j.ErrorGroups, TopErrorGroups: ErrorGroupViews(groups),
		FailureReason: j.FailureReason, FailureCode: j.FailureCode, Uploading: j.Uploading()}
}

// DefaultHeartbeat is how often a quiet progress stream sends a comment, so
// that proxies do not cut it for idleness.
const DefaultHeartbeat = 15 * time.Second

// handleJobProgress streams a job's progress as Server-Sent Events: a
// "progress" event each time the read model changes the job (id = the job's
// version, so Last-Event-ID resumes after it), and a "done" event when it is
// completed or failed, after which the stream ends. The job's owner and
// admins may follow it; each user, and the server, may hold a bounded number
// of streams (429 past that).
func (s *Server) handleJobProgress(w http.ResponseWriter, r *http.Request) {
	id, err := jobIDParam(r)
	if err == nil {
		err = s.checkJobOwner(r, id)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	last, err := lastEventID(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	f, ok := s.Progress.follow(id, callerOf(r).Subject)
	if !ok {
		w.Header().Set("Retry-After", "30")
		s.error(w, r, domain.Errorf(errTooManyRequests, "too many progress streams are open; close one or try again later"))
		return
	}
	defer s.Progress.unfollow(id, f)
	s.streamProgress(w, r, id, f, last)
}

func lastEventID(r *http.Request) (int64, error) {
	raw := r.Header.Get("Last-Event-ID")
	if raw == "" {
		return 0, nil
	}
	v, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || v < 0 {
		return 0, domain.Errorf(domain.EINVALID, "Last-Event-ID %q is not a job version", raw)
	}
	return v, nil
}

// streamProgress writes the job's snapshots until it is finished or the
// client goes away. It starts with the job as it is, unless the client has
// seen that version already. A finished job whose last version the client
// has seen answers 204, which tells an EventSource to stop reconnecting.
func (s *Server) streamProgress(w http.ResponseWriter, r *http.Request, id uuid.UUID, f *follower, last int64) {
	view, err := s.Progress.snapshot(r.Context(), id)
	switch {
	case err == nil && view.Status.Terminal() && view.Version <= last:
		w.WriteHeader(http.StatusNoContent)
		return
	case err == nil:
		s.Progress.first(f, view)
	case domain.ErrorCode(err) != domain.ENOTFOUND: // not projected yet: the hub sends it once it is
		s.error(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	rc.SetWriteDeadline(time.Time{}) // a stream lives as long as its job
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	beat := time.NewTicker(s.heartbeat())
	defer beat.Stop()
	for {
		if err := rc.Flush(); err != nil {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		case view := <-f.mailbox:
			if view.Version <= last {
				continue
			}
			last = view.Version
			if err := writeProgress(w, view); err != nil || view.Status.Terminal() {
				rc.Flush()
				return
			}
		}
	}
}

func (s *Server) heartbeat() time.Duration {
	if s.Heartbeat > 0 {
		return s.Heartbeat
	}
	return DefaultHeartbeat
}

// writeProgress writes one event: "done" for a finished job.
func writeProgress(w http.ResponseWriter, v *progressView) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	name := "progress"
	if v.Status.Terminal() {
		name = "done"
	}
	_, err = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", v.Version, name, data)
	return err
}
