package web

import (
	"net/http"
	"strings"

	"github.com/logproc/logproc/domain"
)

// jobsPerPage is how many jobs a page of the list shows.
const jobsPerPage = 20

// jobsPage is the list of the caller's jobs with the upload form.
type jobsPage struct {
	page
	Jobs   []domain.Job
	Cursor string
	Next   string
	// Live says a job on the page is still running.
	Live bool
	// UploadError says why a form upload without script failed.
	UploadError string
}

func (u *UI) handleHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/jobs", http.StatusSeeOther)
}

func (u *UI) handleJobs(w http.ResponseWriter, r *http.Request) {
	p, err := u.jobsPageOf(r)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "jobs", p)
}

func (u *UI) jobsPageOf(r *http.Request) (*jobsPage, error) {
	c := callerFrom(r.Context())
	cursor := r.URL.Query().Get("cursor")
	list, err := u.cfg.Stats.ListJobs(r.Context(), c.ownerScope(), cursor, jobsPerPage)
	if err != nil {
		return nil, err
	}
	p := &jobsPage{page: u.pageOf(r, "Jobs", "jobs"), Jobs: list.Jobs, Cursor: cursor, Next: list.Next}
	for i := range list.Jobs {
		p.Live = p.Live || !list.Jobs[i].Status.Terminal()
	}
	return p, nil
}

// Signature is what the list's script compares with the API's answer to
// know that the page is out of date: each job's id, status and version.
func (p *jobsPage) Signature() string {
	parts := make([]string, len(p.Jobs))
	for i, j := range p.Jobs {
		parts[i] = j.ID.String() + ":" + string(j.Status) + ":" + formatVersion(j.Version)
	}
	return strings.Join(parts, ",")
}
