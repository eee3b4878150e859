package web

import (
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// cssColors reads the stylesheet's custom properties (--name: #rrggbb) and
// each status badge's colours.
func cssColors(t *testing.T) (vars map[string]string, badges map[string][2]string) {
	t.Helper()
	css, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	vars = map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z]+): (#[0-9a-f]{6})`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	badges = map[string][2]string{}
	for _, m := range regexp.MustCompile(`\.st-([a-z]+) \{ color: (#[0-9a-f]{6}); background: (#[0-9a-f]{6}); \}`).FindAllStringSubmatch(string(css), -1) {
		badges[m[1]] = [2]string{m[2], m[3]}
	}
	return vars, badges
}

// contrast is the WCAG 2 contrast ratio of two sRGB colours.
func contrast(a, b string) float64 {
	lum := func(hex string) float64 {
		var c [3]float64
		for i := range c {
			v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
			s := float64(v) / 255
			if s <= 0.04045 {
				c[i] = s / 12.92
			} else {
				c[i] = math.Pow((s+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
	}
	la, lb := lum(a), lum(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

func TestColoursPassWCAGAA(t *testing.T) {
	vars, badges := cssColors(t)
	if len(vars) < 15 || len(badges) != 4 {
		t.Fatalf("read %d colours and %d badges from app.css", len(vars), len(badges))
	}
	check := func(what, fg, bg string, min float64) {
		if r := contrast(fg, bg); r < min {
			t.Errorf("%s: %s on %s is %.2f:1, want %.1f:1", what, fg, bg, r, min)
		}
	}
	// Text: body, muted, links, and the level names written in colour.
	for _, v := range []string{"text", "muted", "link", "fatal", "error", "warn", "info", "debug", "trace"} {
		check("text "+v, vars[v], vars["bg"], 4.5)
	}
	check("muted on a panel", vars["muted"], vars["panel"], 4.5)
	check("header", "#ffffff", "#1f2933", 4.5)
	// The chart's marks and the focus ring: graphics, 3:1.
	for _, v := range []string{"fatal", "error", "warn", "info", "debug", "trace", "none", "all", "focus"} {
		check("mark "+v, vars[v], vars["bg"], 3)
	}
	for name, c := range badges {
		check("badge "+name, c[0], c[1], 4.5)
	}
}

func TestAdminsGetTheQueueUILinkWhenItIsServed(t *testing.T) {
	f := newFixture(t)
	admin, user := f.token("root", "admin", time.Hour), f.token("alice", "", time.Hour)
	_, page := f.get("/jobs", admin)
	if strings.Contains(page, "Queues") {
		t.Error("the queue UI is linked while the router does not serve it")
	}
	// A router that serves a queue UI, as the lead's mount will.
	r := chi.NewRouter()
	r.Get("/admin/queues/*", func(w http.ResponseWriter, r *http.Request) {})
	f.ui.cfg.QueueUI = "/admin/queues/"
	f.ui.Routes(r)
	for tok, want := range map[string]bool{admin: true, user: false} {
		req := httptest.NewRequest("GET", "/jobs", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: tok})
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		if got := strings.Contains(rec.Body.String(), `<a href="/admin/queues/">Queues</a>`); got != want {
			t.Errorf("queue UI linked = %v, want %v (%d)", got, want, rec.Code)
		}
	}
}
