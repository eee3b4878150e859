package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/analysis"
	"github.com/logproc/logproc/domain/worker"
)

// hostileLog has lines that would run script if a page trusted them.
func hostileLog() []byte {
	var b strings.Builder
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	lines := []string{
		`INFO [http] request from 10.1.2.3 served`,
		`ERROR [web] bad input <script>alert(1)</script> from user`,
		`ERROR [web] field "onmouseover="alert(2)" x=" rejected`,
		`ERROR [web] link javascript:alert(3) blocked <img src=x onerror=alert(4)>`,
		`WARN [<b>comp</b>] slow "quoted" & <i>odd</i>`,
	}
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "%s %s\n", at.Add(time.Duration(i)*7*time.Second).Format("2006-01-02 15:04:05,000"), lines[i%len(lines)])
	}
	return []byte(b.String())
}

func TestJobPageShowsLogContentAsText(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	id := f.uploadAndRun(tok, `<img src=x onerror=alert(5)>.log`, hostileLog())
	resp, body := f.get("/jobs/"+id.String(), tok)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("job page = %d", resp.StatusCode)
	}
	for _, live := range []string{"<script>alert", "<img", "<b>", "<i>", `"onmouseover="alert`, `href="javascript:`} {
		if strings.Contains(body, live) {
			t.Errorf("the page holds %q unescaped", live)
		}
	}
	for _, text := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&#34;onmouseover=&#34;alert(2)&#34;",
		"javascript:alert(3) blocked &lt;img src=x onerror=alert(4)&gt;", "&lt;img src=x onerror=alert(5)&gt;.log"} {
		if !strings.Contains(body, text) {
			t.Errorf("the page does not show %q as text", text)
		}
	}
	if got := strings.Count(body, "<script"); got != 1 {
		t.Errorf("the page has %d script elements, want only app.js", got)
	}
}

func TestJobPageReadsWithoutScript(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	id := f.uploadAndRun(tok, "app.log", hostileLog())
	_, body := f.get("/jobs/"+id.String(), tok)
	for _, want := range []string{
		`data-level="ERROR">120<`, `data-level="WARN">40<`, `data-level="INFO">40<`,
		`<span class="status st-completed">completed</span>`,
		`Entries per minute, stacked by level`, `<summary>Show the timeline as a table</summary>`,
		`<th scope="row">2026-11-27 09:00</th>`, "10.1.2.3",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the job page lacks %q", want)
		}
	}
}

func TestAnotherUsersJobIsNotFound(t *testing.T) {
	f := newFixture(t)
	id := f.uploadAndRun(f.token("alice", "", time.Hour), "secret-name.log", hostileLog())
	bob := f.token("bob", "", time.Hour)
	for _, path := range []string{"/jobs/" + id.String(), "/jobs/" + id.String() + "/history",
		"/jobs/" + id.String() + "/rows?format=csv", "/jobs/not-a-uuid"} {
		resp, body := f.get(path, bob)
		if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "secret-name") {
			t.Errorf("bob GET %s = %d (file name shown: %v)", path, resp.StatusCode, strings.Contains(body, "secret-name"))
		}
	}
	if resp, _ := f.get("/jobs/"+id.String(), f.token("root", "admin", time.Hour)); resp.StatusCode != http.StatusOK {
		t.Errorf("an admin GET the job = %d", resp.StatusCode)
	}
	_, list := f.get("/jobs", bob)
	if strings.Contains(list, "secret-name") {
		t.Error("bob's job list shows alice's job")
	}
}

func TestUploadErrorsInPlainWords(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	js := map[string]string{"Accept": "application/json"}
	cases := []struct {
		name    string
		content []byte
		status  int
		says    string
	}{
		{"binary", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), http.StatusUnsupportedMediaType, "does not look like a text log"},
		{"too large", bytes.Repeat([]byte("x"), 2<<20), http.StatusRequestEntityTooLarge, "larger than this server accepts"},
		{"empty", nil, http.StatusBadRequest, "empty or incomplete"},
	}
	for _, c := range cases {
		resp, body := f.upload(tok, "f.log", c.content, js)
		var got struct{ Message string }
		json.Unmarshal([]byte(body), &got)
		if resp.StatusCode != c.status || !strings.Contains(got.Message, c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", c.name, resp.StatusCode, got.Message, c.status, c.says)
		}
	}
	resp, body := f.upload(tok, "f.log", []byte("\x89PNG\r\n\x1a\n"), nil)
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(body, "does not look like a text log") {
		t.Errorf("form upload of a binary = %d, page lacks the message", resp.StatusCode)
	}
	resp, _ = f.do("POST", "/upload", tok, strings.NewReader("x"), map[string]string{"Content-Type": "text/plain"})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without the CSRF token = %d, want 403", resp.StatusCode)
	}
	resp, body = f.upload(tok, "ok.log", hostileLog(), js)
	if resp.StatusCode != http.StatusAccepted || !strings.Contains(body, `"job_url":"/jobs/`) {
		t.Errorf("form upload asking for JSON = %d %s", resp.StatusCode, body)
	}
}

// The page's script sends the file itself as the body, named in the query,
// with the CSRF token in a header; the job keeps the file's name, and the
// API's errors come back in plain words as for a form.
func TestScriptUploadSendsTheFileAsTheBody(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	h := map[string]string{"Accept": "application/json", "Content-Type": "application/octet-stream",
		CSRFHeader: csrfToken(tok)}
	resp, body := f.do("POST", "/upload?filename="+url.QueryEscape("raw app.log"), tok, bytes.NewReader(hostileLog()), h)
	var ok struct {
		JobURL string `json:"job_url"`
	}
	json.Unmarshal([]byte(body), &ok)
	m := jobPath.FindStringSubmatch(ok.JobURL)
	if resp.StatusCode != http.StatusAccepted || m == nil {
		t.Fatalf("raw upload = %d %s", resp.StatusCode, body)
	}
	job, err := domain.NewJobs(f.store).Load(context.Background(), uuid.MustParse(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	if job.FileName != "raw app.log" || job.Size != int64(len(hostileLog())) {
		t.Errorf("job from a raw upload: name %q, size %d; want %q, %d", job.FileName, job.Size, "raw app.log", len(hostileLog()))
	}
	resp, body = f.do("POST", "/upload?filename=img.log", tok, bytes.NewReader(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)), h)
	if resp.StatusCode != http.StatusUnsupportedMediaType || !strings.Contains(body, "does not look like a text log") {
		t.Errorf("raw upload of a binary = %d %s", resp.StatusCode, body)
	}
	delete(h, CSRFHeader)
	resp, _ = f.do("POST", "/upload?filename=app.log", tok, bytes.NewReader(hostileLog()), h)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("raw upload without the CSRF token = %d, want 403", resp.StatusCode)
	}
}

func TestRowsAreThoseOfParse(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	content := hostileLog()
	id := f.uploadAndRun(tok, "app.log", content)
	var want bytes.Buffer
	rw := NewRowWriter("csv", &want)
	rw.EscapeFormulas = true
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(content)), nil }
	n := 0
	err := analysis.Parse(context.Background(), open, analysis.DefaultOptions(), func(r analysis.Row) error {
		if n++; n > 7 {
			return errEnoughRows
		}
		return rw.Write(r)
	})
	if err != errEnoughRows || rw.Flush() != nil {
		t.Fatal(err)
	}
	resp, body := f.get("/jobs/"+id.String()+"/rows?format=csv&limit=7", tok)
	if resp.StatusCode != http.StatusOK || body != want.String() {
		t.Errorf("rows = %d\n%s\nwant\n%s", resp.StatusCode, body, want.String())
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="`+id.String()+`-rows.csv"` {
		t.Errorf("Content-Disposition = %q", cd)
	}
	resp, body = f.get("/jobs/"+id.String()+"/rows?format=jsonl", tok)
	if lines := strings.Count(body, "\n"); resp.StatusCode != http.StatusOK || lines != 200 {
		t.Errorf("jsonl = %d with %d rows, want 200", resp.StatusCode, lines)
	}
	for _, bad := range []string{"format=xml", "format=csv&limit=0", "format=csv&limit=1000001"} {
		if resp, _ := f.get("/jobs/"+id.String()+"/rows?"+bad, tok); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("rows?%s = %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestHistoryFoldsUpToTheSlider(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	id := f.uploadAndRun(tok, "app.log", hostileLog())
	base := "/jobs/" + id.String() + "/history"
	_, page := f.get(base, tok)
	if !strings.Contains(page, `<table class="state" data-at="5">`) || strings.Count(page, "<details>") != 5 {
		t.Errorf("history at the end: want version 5 of 5 and five collapsed events")
	}
	resp, part := f.get(base+"?v=1&part=state", tok)
	if resp.StatusCode != http.StatusOK || strings.Contains(part, "<html") ||
		!strings.Contains(part, `data-field="Status">queued<`) || !strings.Contains(part, `data-field="Lines">0<`) {
		t.Errorf("state at version 1 = %d:\n%s", resp.StatusCode, part)
	}
	if !strings.Contains(part, `<tr class="differs"><th scope="row">Status`) {
		t.Error("the status at version 1 is not marked as differing from the final one")
	}
	for _, bad := range []string{"?v=0", "?v=6", "?v=x"} {
		if resp, _ := f.get(base+bad, tok); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("history%s = %d, want 400", bad, resp.StatusCode)
		}
	}
}

func TestOverviewAndListShowTheCallersJobs(t *testing.T) {
	f := newFixture(t)
	alice := f.token("alice", "", time.Hour)
	f.uploadAndRun(alice, "a.log", hostileLog())
	f.uploadAndRun(f.token("bob", "", time.Hour), "b.log", hostileLog())
	_, page := f.get("/overview", alice)
	if !strings.Contains(page, "<dt>All jobs</dt><dd>1</dd>") || !strings.Contains(page, `data-level="ERROR">120<`) {
		t.Error("alice's overview does not count her one job")
	}
	_, page = f.get("/overview", f.token("root", "admin", time.Hour))
	if !strings.Contains(page, "<dt>All jobs</dt><dd>2</dd>") || !strings.Contains(page, `data-level="ERROR">240<`) {
		t.Error("the admin's overview does not count both jobs")
	}
	_, page = f.get("/jobs", f.token("root", "admin", time.Hour))
	if !strings.Contains(page, "a.log") || !strings.Contains(page, "b.log") || !strings.Contains(page, "<th scope=\"col\">Owner</th>") {
		t.Error("the admin's list does not show everyone's jobs with their owners")
	}
}

func TestListPagesByTheAPIsCursor(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	for i := range jobsPerPage + 1 {
		if resp, body := f.upload(tok, fmt.Sprintf("f%02d.log", i), hostileLog(), nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload %d = %d %s", i, resp.StatusCode, body)
		}
	}
	_, first := f.get("/jobs", tok)
	if n := strings.Count(first, `<td><a href="/jobs/`); n != jobsPerPage || !strings.Contains(first, `<a href="/jobs?cursor=20" rel="next">Older jobs</a>`) {
		t.Errorf("first page: %d jobs, link to the next: %v", n, strings.Contains(first, "Older jobs"))
	}
	_, second := f.get("/jobs?cursor=20&part=table", tok)
	if n := strings.Count(second, `<td><a href="/jobs/`); n != 1 || strings.Contains(second, "Older jobs") ||
		!strings.Contains(second, `<a href="/jobs">Newest jobs</a>`) || strings.Contains(second, "<html") {
		t.Errorf("second page's table: %d jobs\n%s", n, second)
	}
	if !strings.Contains(first, `data-live="1"`) {
		t.Error("a list of queued jobs is not marked live for the script")
	}
}

// partQueue keeps the parts a handler enqueues.
type partQueue struct{ parts []int }

func (q *partQueue) EnqueuePart(_ context.Context, _ uuid.UUID, part int, _ int64) error {
	q.parts = append(q.parts, part)
	return nil
}

func TestJobPageShowsThePartsDone(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	resp, body := f.upload(tok, "big.log", bytes.Repeat(hostileLog(), 15), nil)
	m := jobPath.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("upload = %d: %s", resp.StatusCode, body)
	}
	id := uuid.MustParse(m[1])
	h := worker.NewHandler(f.store, f.blobs, worker.NewEngine(nil), slog.New(slog.DiscardHandler))
	q := &partQueue{}
	h.PartBytes, h.Parts = 64<<10, q
	for _, part := range []int{0, 1} { // the job's task plans; the first part runs
		task, err := worker.NewAnalyzePartTask(id, part, 0, "q")
		if err != nil {
			t.Fatal(err)
		}
		if err := h.ProcessTask(f.ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	if len(q.parts) < 2 {
		t.Fatalf("the job was planned in %v", q.parts)
	}
	_, page := f.get("/jobs/"+id.String(), tok)
	want := fmt.Sprintf("The file is analysed in %d parts at once: 1 done.", len(q.parts))
	if !strings.Contains(page, want) {
		t.Errorf("the job page lacks %q", want)
	}
}

// A job whose analysis follows its upload has no size yet: its page says
// the file is still arriving, and how large the upload said it is.
func TestJobPageOfAFileStillArriving(t *testing.T) {
	f := newFixture(t)
	tok := f.token("alice", "", time.Hour)
	id, at := uuid.New(), time.Now()
	job, err := domain.Submit(id, domain.Upload{Owner: "alice", FileName: "big.log",
		Blob: domain.Blob{Key: domain.BlobKey(id, at)}, Following: true, ExpectedSize: 3 << 20}, at)
	if err == nil {
		err = domain.NewJobs(f.store).Save(f.ctx, job)
	}
	if err != nil {
		t.Fatal(err)
	}
	_, page := f.get("/jobs/"+id.String(), tok)
	if want := "of a file still arriving (about 3.0 MiB),"; !strings.Contains(page, want) {
		t.Errorf("the page of a job whose file is arriving lacks %q", want)
	}
}
