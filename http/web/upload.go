package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
)

// handleUpload takes the upload form and hands the file, as it streams
// in, to the API's upload route in-process with the session's token. The
// page's script posts the file itself as the body, named by ?filename=
// (a form costs the server a scan of every 4 KiB for its boundary), with
// upload progress, and asks for JSON: the new job's page, or the API's
// error in plain words. A browser without script posts the form and is
// sent to the job's page, or back to the list with the error.
func (u *UI) handleUpload(w http.ResponseWriter, r *http.Request) {
	api := r.Clone(r.Context())
	api.URL.Path, api.URL.RawQuery, api.RequestURI = "/api/upload-logs", "", ""
	if name := r.URL.Query().Get("filename"); name != "" {
		api.URL.RawQuery = url.Values{"filename": {name}}.Encode()
	}
	api.Header.Set("Authorization", "Bearer "+callerFrom(r.Context()).Token)
	rec := &recorder{header: http.Header{}}
	u.router.ServeHTTP(rec, api)
	var ok struct {
		JobID uuid.UUID `json:"job_id"`
	}
	if rec.status == http.StatusAccepted && json.Unmarshal(rec.body, &ok) == nil {
		u.uploaded(w, r, "/jobs/"+ok.JobID.String())
		return
	}
	u.uploadFailed(w, r, rec.status, uploadErrorText(rec.status, apiMessage(rec.body)))
}

// wantsJSON reports whether the page's script made the request.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

func (u *UI) uploaded(w http.ResponseWriter, r *http.Request, page string) {
	if wantsJSON(r) {
		writeJSON(w, http.StatusAccepted, map[string]string{"job_url": page})
		return
	}
	http.Redirect(w, r, page, http.StatusSeeOther)
}

func (u *UI) uploadFailed(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status < 400 {
		status = http.StatusInternalServerError
	}
	if wantsJSON(r) {
		writeJSON(w, status, map[string]string{"message": msg})
		return
	}
	p, err := u.jobsPageOf(r)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	p.UploadError = msg
	u.render(w, r, status, "jobs", p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// uploadErrorText puts an API error of an upload in plain words.
func uploadErrorText(status int, apiMsg string) string {
	var s string
	switch status {
	case http.StatusRequestEntityTooLarge:
		s = "The file is larger than this server accepts."
	case http.StatusUnsupportedMediaType:
		s = "That file does not look like a text log (it seems to be an image, archive or program). Upload the log itself, plain or gzipped."
	case http.StatusBadRequest:
		s = "The upload was empty or incomplete. Choose a file and try again."
	case http.StatusUnauthorized:
		s = "Your session has ended. Sign in again, then upload."
	case http.StatusServiceUnavailable:
		s = "The service cannot store files right now. Try again in a few seconds."
	default:
		s = "The upload failed."
	}
	if apiMsg != "" {
		s += " (The server said: " + apiMsg + ".)"
	}
	return s
}

// apiMessage reads the message of an API error body.
func apiMessage(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	json.Unmarshal(body, &e)
	return e.Error.Message
}

// recorder keeps a small response of an in-process API call.
type recorder struct {
	header http.Header
	status int
	body   []byte
}

func (c *recorder) Header() http.Header { return c.header }
func (c *recorder) WriteHeader(s int) {
	if c.status == 0 {
		c.status = s
	}
}
func (c *recorder) Write(p []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	if len(c.body) < 64<<10 {
		c.body = append(c.body, p...)
	}
	return len(p), nil
}
