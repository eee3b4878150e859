package web

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/events"
)

// bigJob is a completed job with 500 error groups and a day of minutes,
// each counted per level: the job page's benchmark case.
func bigJob() (*domain.Job, []events.ErrorGroup, []events.MinuteCount) {
	j := completedJob()
	j.FileName, j.Size, j.BytesRead = "big.log", 1<<30, 1<<30
	j.Levels = map[string]int64{}
	j.Keywords = map[string]int64{"error": 5, "timeout": 3}
	j.Components, j.TopIPs = map[string]int64{}, map[string]int64{}
	for i := range 100 {
		j.Components[fmt.Sprintf("component-%d", i)] = int64(i)
	}
	for i := range 20 {
		j.TopIPs[fmt.Sprintf("10.0.%d.%d", i, i)] = int64(i)
	}
	var minutes []events.MinuteCount
	for m := range 1440 {
		levels := map[string]int64{"ERROR": int64(m % 7), "WARN": int64(m % 13), "INFO": int64(400 + m%97), "DEBUG": int64(m % 50)}
		var n int64
		for l, v := range levels {
			n += v
			j.Levels[l] += v
		}
		j.Entries += n
		minutes = append(minutes, events.MinuteCount{Minute: minute(m), Count: n, Levels: levels})
	}
	j.Lines = j.Entries
	groups := make([]events.ErrorGroup, 500)
	for i := range groups {
		sample := fmt.Sprintf("2026-11-27 09:%02d:00,000 ERROR [svc-%d] request %d failed: <timeout> after %d ms", i%60, i, i, i*7)
		if i%10 == 0 {
			sample += "\njava.lang.IllegalStateException: broken\n" + strings.Repeat("\tat com.acme.Deep.call(Deep.java:42)\n", 40)
		}
		first, last := minute(i%1440), minute((i*3)%1440)
		groups[i] = events.ErrorGroup{ID: fmt.Sprintf("E%06d", i), Template: fmt.Sprintf("request <*> failed: <timeout> after <*> ms in svc-%d", i),
			Level: "ERROR", Count: int64(10_000 - i), FirstLine: int64(i), LastLine: int64(i * 1000), FirstTime: &first,
			LastTime: &last, Sample: sample}
	}
	j.ErrorGroups = int64(len(groups))
	return j, groups, minutes
}

// renderJobPage does a job page's server work once its data is read:
// drawing the chart, assembling the page and executing the templates.
func renderJobPage(u *UI, w io.Writer, j *domain.Job, groups []events.ErrorGroup, minutes []events.MinuteCount) error {
	p := newJobPage(page{Title: j.FileName, Caller: caller{}, CSRF: "x"}, j, groups, len(groups), newChart(minutes, j))
	return u.pages.sets["job"].ExecuteTemplate(w, "layout", p)
}

// BenchmarkJobPage renders a job page with 500 error groups and a
// 1,440-minute timeline stacked by level. The target is under 50 ms.
func BenchmarkJobPage(b *testing.B) {
	u, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	j, groups, minutes := bigJob()
	var buf bytes.Buffer
	if err := renderJobPage(u, &buf, j, groups, minutes); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := renderJobPage(u, io.Discard, j, groups, minutes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/1024, "KiB/page")
}

func TestBigJobPageIsWhole(t *testing.T) {
	u, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	j, groups, minutes := bigJob()
	var buf bytes.Buffer
	if err := renderJobPage(u, &buf, j, groups, minutes); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	if n := strings.Count(page, `<pre class="sample"`); n != 500 {
		t.Errorf("%d samples shown, want 500", n)
	}
	if n := strings.Count(page, `<tr><th scope="row">2026-11-2`); n != 1440 {
		t.Errorf("%d minutes in the table, want 1440", n)
	}
	if !strings.Contains(page, "stacked by level") {
		t.Error("the big chart is not stacked")
	}
}

// pageWeightLimit is what a page may weigh without its data: its HTML for
// an empty job, the stylesheet and the script.
const pageWeightLimit = 100 << 10

func TestPageWeighsUnder100KBWithoutData(t *testing.T) {
	u, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	j := domain.NewJob(uuid.New())
	j.FileName, j.Status, j.SubmittedAt = "x.log", domain.StatusQueued, time.Now()
	var html bytes.Buffer
	if err := renderJobPage(u, &html, j, nil, nil); err != nil {
		t.Fatal(err)
	}
	total := html.Len()
	sizes := fmt.Sprintf("html %d", html.Len())
	fs.WalkDir(u.static.files, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(u.static.files, p)
			total += len(b)
			sizes += fmt.Sprintf(", %s %d", p, len(b))
		}
		return err
	})
	t.Logf("page weight without data: %d bytes (%s)", total, sizes)
	if total > pageWeightLimit {
		t.Errorf("page weighs %d bytes without data (%s), limit %d", total, sizes, pageWeightLimit)
	}
}

func TestStaticFilesAreVersioned(t *testing.T) {
	u, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	url := u.static.url("app.js")
	rec := httptest.NewRecorder()
	u.static.serve(rec, httptest.NewRequest("GET", url, nil))
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("GET %s = %d, %q, %q", url, rec.Code, rec.Header().Get("Cache-Control"), rec.Header().Get("Content-Type"))
	}
	rec = httptest.NewRecorder()
	u.static.serve(rec, httptest.NewRequest("GET", "/static/app.js?v=old", nil))
	if rec.Header().Get("Cache-Control") != "no-cache" {
		t.Errorf("a stale version is cached: %q", rec.Header().Get("Cache-Control"))
	}
	rec = httptest.NewRecorder()
	u.static.serve(rec, httptest.NewRequest("GET", "/static/../web.go", nil))
	if rec.Code != 404 {
		t.Errorf("GET outside static = %d", rec.Code)
	}
}
