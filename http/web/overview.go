package web

import (
	"net/http"

	"github.com/logproc/logproc/domain"
)

// overviewTopGroups is how many error groups across jobs the overview lists.
const overviewTopGroups = 20

// overviewPage is the caller's aggregate: everyone's for an admin.
type overviewPage struct {
	page
	Totals    *domain.Totals
	Statuses  []statusCount
	Levels    []levelCount
	ErrorRate float64
	Groups    []domain.TopErrorGroup
}

type statusCount struct {
	Status domain.JobStatus
	Count  int64
}

func (u *UI) handleOverview(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context())
	owner := c.ownerScope()
	totals, err := u.cfg.Stats.Totals(r.Context(), owner)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	groups, err := u.cfg.Stats.TopErrorGroups(r.Context(), owner, overviewTopGroups)
	if err != nil {
		u.failErr(w, r, err)
		return
	}
	p := &overviewPage{page: u.pageOf(r, "Overview", "overview"), Totals: totals, Groups: groups,
		ErrorRate: totals.ErrorRate() * 100}
	for _, s := range domain.Statuses {
		p.Statuses = append(p.Statuses, statusCount{s, totals.Jobs[s]})
	}
	for _, l := range levelOrder {
		if n := totals.Levels[l]; n > 0 {
			p.Levels = append(p.Levels, levelCount{Name: l, Count: n, Share: share(n, totals.Entries)})
		}
	}
	u.render(w, r, http.StatusOK, "overview", p)
}
