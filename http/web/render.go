package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/logproc/logproc/domain"
)

//go:embed templates
var templateFS embed.FS

// page is what every page's layout shows.
type page struct {
	Title  string
	Caller caller
	// CSRF is the token the page's forms carry.
	CSRF string
	// QueueUI is the queue UI's path, shown to admins when it is served.
	QueueUI string
	// Nav names the section the page belongs to.
	Nav string
}

// pageOf returns the layout's data for a signed-in page.
func (u *UI) pageOf(r *http.Request, title, nav string) page {
	c := callerFrom(r.Context())
	p := page{Title: title, Caller: c, CSRF: c.CSRF(), Nav: nav}
	if c.IsAdmin() && u.serves(r, u.cfg.QueueUI) {
		p.QueueUI = u.cfg.QueueUI
	}
	return p
}

// serves reports whether the router has a route for GET path.
func (u *UI) serves(r *http.Request, path string) bool {
	if path == "" || u.router == nil {
		return false
	}
	return u.router.Match(chi.NewRouteContext(), http.MethodGet, path)
}

// pages holds one template set per page, each with the layout.
type pages struct {
	sets map[string]*template.Template
}

var pageNames = []string{"signin", "jobs", "job", "history", "overview", "error"}

func loadPages(a *assets) (*pages, error) {
	funcs := templateFuncs(a)
	base, err := template.New("layout").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	p := &pages{sets: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		p.sets[name] = t
	}
	return p, nil
}

// render writes a whole page, or the fragment a script asked for with
// ?part= (a template named "part-NAME" of the page).
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t := u.pages.sets[name]
	tmpl := "layout"
	if part := r.URL.Query().Get("part"); part != "" && t.Lookup("part-"+part) != nil {
		tmpl = "part-" + part
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, tmpl, data); err != nil {
		u.cfg.Log.Error("render page", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage says what went wrong, in words.
type errorPage struct {
	page
	Status  int
	Message string
}

// fail renders an error page with a status and a message for people.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	p := errorPage{page: u.pageOf(r, http.StatusText(status), ""), Status: status, Message: msg}
	u.render(w, r, status, "error", &p)
}

// failErr renders the error page of an error from a read: not found, a
// dependency down, or an internal error (logged, not shown).
func (u *UI) failErr(w http.ResponseWriter, r *http.Request, err error) {
	switch domain.ErrorCode(err) {
	case domain.ENOTFOUND:
		u.fail(w, r, http.StatusNotFound, "There is no such job, or it is not yours.")
	case domain.EINVALID:
		u.fail(w, r, http.StatusBadRequest, domain.ErrorMessage(err))
	case domain.EUNAVAILABLE:
		w.Header().Set("Retry-After", "5")
		u.fail(w, r, http.StatusServiceUnavailable, "A service this page needs is not answering. Try again in a few seconds.")
	default:
		u.cfg.Log.Error("page failed", "path", r.URL.Path, "err", err)
		u.fail(w, r, http.StatusInternalServerError, "Something went wrong on our side; it has been logged.")
	}
}

func templateFuncs(a *assets) template.FuncMap {
	return template.FuncMap{
		"asset":    a.url,
		"num":      formatInt,
		"bytes":    formatBytes,
		"when":     formatTime,
		"duration": formatDuration,
		"pct":      func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) + "%" },
		"lower":    strings.ToLower,
		"add":      func(a, b int64) int64 { return a + b },
		"dict": func(kv ...any) map[string]any {
			m := make(map[string]any, len(kv)/2)
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		},
	}
}

// formatInt writes n with thousands separators: 1,234,567.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, i := float64(n), 0
	for f >= unit && i < 4 {
		f /= unit
		i++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + []string{"", "KiB", "MiB", "GiB", "TiB"}[i]
}

// formatTime writes a time in UTC, to the second; the zero time and nil
// are "—".
func formatTime(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x != nil {
			t = *x
		}
	}
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func formatDuration(ms int64) string {
	if ms <= 0 {
		return "—"
	}
	d := time.Duration(ms) * time.Millisecond
	if d < time.Minute {
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	}
	return d.Round(time.Second).String()
}
