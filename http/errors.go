package http

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/logproc/logproc/domain"
)

// Codes of errors only the API produces; the domain has no use for them.
const (
	// errMethodNotAllowed: the route does not take the request's method.
	errMethodNotAllowed = "method_not_allowed"
	// errTooManyRequests: a rate limit, or the bound on open streams.
	errTooManyRequests = "too_many_requests"
)

// statusOf maps error codes to HTTP statuses.
var statusOf = map[string]int{
	domain.EINVALID:      http.StatusBadRequest,
	domain.EUNAUTHORIZED: http.StatusUnauthorized,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.ENOTFOUND:     http.StatusNotFound,
	errMethodNotAllowed:  http.StatusMethodNotAllowed,
	errTooManyRequests:   http.StatusTooManyRequests,
	domain.ECONFLICT:     http.StatusConflict,
	domain.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	domain.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	domain.EFULL:         http.StatusInsufficientStorage,
	domain.ETIMEOUT:      http.StatusRequestTimeout,
	domain.EUNAVAILABLE:  http.StatusServiceUnavailable,
	domain.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the JSON shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// error writes err as a JSON error with the status of its code, and logs it:
// server errors at error level with their cause, client errors at info.
func (s *Server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := domain.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.Log.Log(r.Context(), level, "request failed", "request_id", requestIDFrom(r.Context()),
		"method", r.Method, "path", r.URL.Path, "status", status, "code", code, "err", err)
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, errorBody{errorDetail{Code: code, Message: domain.ErrorMessage(err),
		RequestID: requestIDFrom(r.Context())}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}
