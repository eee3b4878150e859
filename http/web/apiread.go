package web

import (
	"net/http"
	"path"
	"strings"
)

// apiReads is the pages' read-only window on the API: GET /ui/api/X is
// GET /api/X, asked in-process with the session's token as its bearer
// token, and answered as the API answers (JSON, or the progress stream).
// The API's own routes take the Authorization header alone, so a cookie
// never reaches them; the pages' scripts, and an EventSource, which cannot
// set headers, read through here with the cookie the browser sends.
const apiReads = "/ui/api/"

func (u *UI) handleAPIRead(w http.ResponseWriter, r *http.Request) {
	target := path.Clean("/api/" + strings.TrimPrefix(r.URL.Path, apiReads))
	if !strings.HasPrefix(target, "/api/") {
		u.fail(w, r, http.StatusNotFound, "There is no such page.")
		return
	}
	api := r.Clone(r.Context())
	api.URL.Path = target
	api.URL.RawPath, api.RequestURI = "", ""
	api.Header.Del("Cookie")
	api.Header.Set("Authorization", "Bearer "+callerFrom(r.Context()).Token)
	u.router.ServeHTTP(w, api)
}
