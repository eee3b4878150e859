package http

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
)

// jobIDParam parses the {jobId} of the route; a malformed id is EINVALID.
func jobIDParam(r *http.Request) (uuid.UUID, error) {
	raw := chi.URLParam(r, "jobId")
	id, err := uuid.Parse(raw)
	if err != nil {
		return uuid.UUID{}, domain.Errorf(domain.EINVALID, "job id %q is not a UUID", raw)
	}
	return id, nil
}

// intParam reads an optional integer query parameter within [lo, hi].
func intParam(r *http.Request, name string, def, lo, hi int64) (int64, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, domain.Errorf(domain.EINVALID, "%s must be an integer from %d to %d, got %q", name, lo, hi, raw)
	}
	return n, nil
}

// choiceParam reads an optional query parameter that takes one of the
// allowed values; def when absent.
func choiceParam(r *http.Request, name, def string, allowed ...string) (string, error) {
	raw := r.URL.Query().Get(name)
	if raw == "" {
		return def, nil
	}
	if !slices.Contains(allowed, raw) {
		return "", domain.Errorf(domain.EINVALID, "%s must be one of %s, got %q", name, strings.Join(allowed, ", "), raw)
	}
	return raw, nil
}

// ownerScope returns whose data the caller reads: their own, or, for an
// admin, everyone's (domain.AllOwners) unless ?owner= names one.
func ownerScope(r *http.Request) string {
	c := callerOf(r)
	if !c.IsAdmin() {
		return c.Subject
	}
	return r.URL.Query().Get("owner")
}
