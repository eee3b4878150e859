package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
	"github.com/logproc/logproc/domain/worker"
	"github.com/logproc/logproc/events"
	"github.com/logproc/logproc/events/memory"
	lphttp "github.com/logproc/logproc/http"
)

// The pages' tests run the API and the pages on the memory event store, a
// local blob store and the real analysis engine; jobs are analysed by the
// worker's own handler. The read models are folded from the events on
// each read (foldReader), by the fold the job_stats projection runs.
// The whole app on PostgreSQL and Redis, in Chromium, is tested in
// cmd/logproc.

var testSecret = []byte("web-test-secret-of-at-least-32-bytes!")

type fixture struct {
	t      *testing.T
	ctx    context.Context
	store  *memory.Store
	blobs  *storage.Local
	auth   *lphttp.Auth
	ui     *UI
	server *httptest.Server
	client *http.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store := memory.New()
	blobs, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { blobs.Close() })
	auth, err := lphttp.NewAuth(testSecret, "")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	reader := &foldReader{store: store}
	api := &lphttp.Server{Events: store, Blobs: blobs, Stats: reader, Auth: auth, MaxUploadBytes: 1 << 20, Log: log}
	ui, err := New(Config{Auth: api, Stats: reader, Events: store, Blobs: blobs, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	api.UI = ui
	ts := httptest.NewServer(api.Handler())
	t.Cleanup(ts.Close)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &fixture{t: t, ctx: context.Background(), store: store, blobs: blobs, auth: auth, ui: ui, server: ts, client: client}
}

func (f *fixture) token(sub, role string, ttl time.Duration) string {
	f.t.Helper()
	tok, err := f.auth.Mint(lphttp.Claims{Subject: sub, Role: role}, ttl)
	if err != nil {
		f.t.Fatal(err)
	}
	return tok
}

// do sends a request with the session cookie of token ("" for none).
func (f *fixture) do(method, path, token string, body io.Reader, header map[string]string) (*http.Response, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.server.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, string(b)
}

func (f *fixture) get(path, token string) (*http.Response, string) {
	f.t.Helper()
	return f.do("GET", path, token, nil, nil)
}

// postForm posts form fields with the session cookie of token.
func (f *fixture) postForm(path, token string, form url.Values, cookies ...*http.Cookie) *http.Response {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if token != "" {
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// upload posts a file through the pages' upload route, as the form does.
func (f *fixture) upload(token, name string, content []byte, header map[string]string) (*http.Response, string) {
	f.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	h := map[string]string{"Content-Type": mw.FormDataContentType()}
	for k, v := range header {
		h[k] = v
	}
	return f.do("POST", "/upload?csrf="+url.QueryEscape(csrfToken(token)), token, &buf, h)
}

var jobPath = regexp.MustCompile(`^/jobs/([0-9a-f-]{36})$`)

// uploadAndRun uploads content as the user of token, runs the job with the
// worker's handler, and returns the job's id.
func (f *fixture) uploadAndRun(token, name string, content []byte) uuid.UUID {
	f.t.Helper()
	resp, body := f.upload(token, name, content, nil)
	m := jobPath.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		f.t.Fatalf("upload = %d %s: %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	id := uuid.MustParse(m[1])
	task, err := worker.NewAnalyzeJobTask(id, 0, "q")
	if err != nil {
		f.t.Fatal(err)
	}
	h := worker.NewHandler(f.store, f.blobs, worker.NewEngine(nil), slog.New(slog.DiscardHandler))
	if err := h.ProcessTask(f.ctx, task); err != nil {
		f.t.Fatal(err)
	}
	return id
}

// foldReader answers the read models' queries by folding jobs from the
// event store.
type foldReader struct {
	store events.Store
}

var _ lphttp.StatsReader = (*foldReader)(nil)

func (r *foldReader) jobs(ctx context.Context, owner string) ([]*domain.Job, error) {
	recs, err := r.store.ReadAll(ctx, events.Position{}, 1_000_000)
	if err != nil {
		return nil, err
	}
	seen := map[uuid.UUID]bool{}
	var out []*domain.Job
	for _, rec := range recs {
		id, ok := events.ParseJobStream(rec.StreamID)
		if !ok || seen[id] {
			continue
		}
		seen[id] = true
		j, err := domain.NewJobs(r.store).Load(ctx, id)
		if err != nil {
			return nil, err
		}
		if owner == domain.AllOwners || j.Owner == owner {
			out = append(out, j)
		}
	}
	sort.Slice(out, func(i, k int) bool { return out[i].SubmittedAt.After(out[k].SubmittedAt) })
	return out, nil
}

func (r *foldReader) Job(ctx context.Context, id uuid.UUID, owner string) (*domain.Job, error) {
	j, err := domain.NewJobs(r.store).Load(ctx, id)
	if err != nil {
		return nil, err
	}
	if owner != domain.AllOwners && j.Owner != owner {
		return nil, domain.Errorf(domain.ENOTFOUND, "job %s not found", id)
	}
	j.BlobKey = "" // the read model does not keep it
	return j, nil
}

func (r *foldReader) JobErrorGroups(ctx context.Context, id uuid.UUID, limit int) ([]events.ErrorGroup, error) {
	j, err := domain.NewJobs(r.store).Load(ctx, id)
	if err != nil {
		return nil, err
	}
	var gs []events.ErrorGroup
	for _, g := range j.Groups {
		gs = append(gs, *g)
	}
	sort.Slice(gs, func(a, b int) bool {
		if gs[a].Count != gs[b].Count {
			return gs[a].Count > gs[b].Count
		}
		return gs[a].ID < gs[b].ID
	})
	return gs[:min(limit, len(gs))], nil
}

func (r *foldReader) JobTimeline(ctx context.Context, id uuid.UUID, limit int, earliest bool) ([]events.MinuteCount, error) {
	j, err := domain.NewJobs(r.store).Load(ctx, id)
	if err != nil {
		return nil, err
	}
	return j.Minutes(limit, earliest), nil
}

func (r *foldReader) ListJobs(ctx context.Context, owner, cursor string, limit int) (*domain.JobPage, error) {
	js, err := r.jobs(ctx, owner)
	if err != nil {
		return nil, err
	}
	// The cursor is the offset of the page: enough to test paging.
	from, _ := strconv.Atoi(cursor)
	page := &domain.JobPage{}
	for _, j := range js[min(from, len(js)):min(from+limit, len(js))] {
		page.Jobs = append(page.Jobs, *j)
	}
	if from+limit < len(js) {
		page.Next = strconv.Itoa(from + limit)
	}
	return page, nil
}

func (r *foldReader) Totals(ctx context.Context, owner string) (*domain.Totals, error) {
	t := domain.NewTotals(owner)
	recs, err := r.store.ReadAll(ctx, events.Position{}, 1_000_000)
	if err != nil {
		return nil, err
	}
	status := map[string]domain.JobStatus{}
	owners := map[string]string{}
	for _, rec := range recs {
		p, err := events.Decode(rec.Event)
		if err != nil {
			return nil, err
		}
		if s, ok := p.(*events.JobSubmitted); ok {
			owners[rec.StreamID] = s.Owner
		}
		if owner != domain.AllOwners && owners[rec.StreamID] != owner {
			continue
		}
		from := status[rec.StreamID]
		t.Apply(from, p)
		status[rec.StreamID] = domain.NextStatus(from, p)
	}
	return t, nil
}

func (r *foldReader) TopErrorGroups(ctx context.Context, owner string, limit int) ([]domain.TopErrorGroup, error) {
	js, err := r.jobs(ctx, owner)
	if err != nil {
		return nil, err
	}
	byID := map[string]*domain.TopErrorGroup{}
	for _, j := range js {
		for _, g := range j.Groups {
			top, ok := byID[g.ID]
			if !ok {
				top = &domain.TopErrorGroup{ID: g.ID, Template: g.Template, Level: g.Level, LastJobID: j.ID}
				byID[g.ID] = top
			}
			top.Count += g.Count
			top.Jobs++
		}
	}
	var out []domain.TopErrorGroup
	for _, g := range byID {
		out = append(out, *g)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Count > out[b].Count })
	return out[:min(limit, len(out))], nil
}
