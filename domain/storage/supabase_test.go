package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
	"github.com/logproc/logproc/domain/storage/storagetest"
	"github.com/logproc/logproc/domain/storage/supabasetest"
)

const testBucket = "logs"

// newSupabase returns a store on a fresh fake server.
func newSupabase(t *testing.T) (*storage.Supabase, *supabasetest.Server) {
	t.Helper()
	srv := supabasetest.NewServer(t, testBucket)
	return mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket}), srv
}

// mustSupabase opens a store with cfg, staging in a directory of the test's
// unless cfg names one.
func mustSupabase(t *testing.T, cfg storage.SupabaseConfig) *storage.Supabase {
	t.Helper()
	if cfg.StageDir == "" {
		cfg.StageDir = t.TempDir()
	}
	store, err := storage.NewSupabase(cfg)
	if err != nil {
		t.Fatalf("NewSupabase: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

func TestSupabaseConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) domain.BlobStore {
		store, _ := newSupabase(t)
		return store
	})
}

// TestSupabaseConformanceRealServer runs the same suite against a real
// Supabase Storage server, which makes the fake's behaviour a contract.
func TestSupabaseConformanceRealServer(t *testing.T) {
	baseURL, key := os.Getenv("SUPABASE_TEST_URL"), os.Getenv("SUPABASE_TEST_KEY")
	if baseURL == "" || key == "" {
		t.Skip("SUPABASE_TEST_URL and SUPABASE_TEST_KEY are not set: set them (and SUPABASE_TEST_BUCKET, default logs) to run the suite against a real Supabase Storage server")
	}
	bucket := os.Getenv("SUPABASE_TEST_BUCKET")
	if bucket == "" {
		bucket = testBucket
	}
	storagetest.Run(t, func(t *testing.T) domain.BlobStore {
		store := mustSupabase(t, storage.SupabaseConfig{URL: baseURL, ServiceKey: key, Bucket: bucket})
		if err := store.Probe(context.Background()); err != nil {
			t.Fatalf("Probe: %v", err)
		}
		return store
	})
}

func TestSupabasePutSendsWhatItHashesWithItsLength(t *testing.T) {
	store, srv := newSupabase(t)
	tests := []struct {
		contentType, wantContentType string
		data                         string
	}{
		{"text/plain; charset=utf-8", "text/plain; charset=utf-8", "line one\nline two\n"},
		{"", "application/octet-stream", "x"},
		{"text/plain", "text/plain", ""},
	}
	for i, tt := range tests {
		key := "jobs/" + string(rune('a'+i))
		blob, err := store.Put(context.Background(), key, strings.NewReader(tt.data), tt.contentType)
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		obj, _ := srv.Object(key)
		want := supabasetest.Object{ContentType: tt.wantContentType, Size: blob.Size, SHA256: blob.SHA256}
		if obj != want {
			t.Errorf("server has %+v, want %+v", obj, want)
		}
		up := srv.Uploads()[i]
		if up.ContentLength != int64(len(tt.data)) || len(up.TransferEncoding) != 0 {
			t.Errorf("upload of %d bytes sent with Content-Length %d, transfer encoding %q; want its length, not chunked",
				len(tt.data), up.ContentLength, up.TransferEncoding)
		}
	}
}

func TestSupabaseFailedPutsLeaveNothing(t *testing.T) {
	stage := t.TempDir()
	srv := supabasetest.NewServer(t, testBucket)
	store := mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket, StageDir: stage})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sources := map[string]struct {
		ctx context.Context
		r   io.Reader
	}{
		"reader error":      {context.Background(), io.MultiReader(bytes.NewReader(make([]byte, 100_000)), errReader{errors.New("broken")})},
		"size limit":        {context.Background(), http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(make([]byte, 100_000))), 50_000)},
		"cancelled context": {ctx, strings.NewReader("never sent")},
	}
	for name, src := range sources {
		if _, err := store.Put(src.ctx, "jobs/"+strings.ReplaceAll(name, " ", "-"), src.r, ""); err == nil {
			t.Errorf("Put with %s succeeded", name)
		}
	}
	if keys := srv.Keys(); len(keys) != 0 {
		t.Fatalf("objects after failed Puts: %q, want none", keys)
	}
	if n := len(srv.Uploads()); n != 0 {
		t.Errorf("%d uploads sent for sources that failed while staging, want none", n)
	}
	if got := regularFiles(t, stage); len(got) != 0 {
		t.Errorf("staged files left: %q", got)
	}
}

// TestSupabaseBucketSizeLimit: the real server checks a bucket's limit
// only against a declared Content-Length, which Put always sends; once
// Probe has read the limit, Put refuses a file over it without sending it.
func TestSupabaseBucketSizeLimit(t *testing.T) {
	store, srv := newSupabase(t)
	srv.SetSizeLimit(1000)
	ctx := context.Background()
	_, err := store.Put(ctx, "jobs/big", bytes.NewReader(make([]byte, 1001)), "")
	if domain.ErrorCode(err) != domain.ETOOLARGE || !strings.Contains(domain.ErrorMessage(err), "1001 bytes") {
		t.Fatalf("Put over the bucket's limit: %v, want ETOOLARGE naming the size", err)
	}
	if err := store.Probe(ctx); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	sent := len(srv.Uploads())
	_, err = store.Put(ctx, "jobs/big", bytes.NewReader(make([]byte, 1001)), "")
	if domain.ErrorCode(err) != domain.ETOOLARGE || !strings.Contains(domain.ErrorMessage(err), "size limit of 1000 bytes") {
		t.Fatalf("Put over the bucket's limit after Probe: %v, want ETOOLARGE naming the limit", err)
	}
	if n := len(srv.Uploads()); n != sent {
		t.Errorf("a file over the known limit was sent anyway")
	}
	if _, err := store.Put(ctx, "jobs/small", bytes.NewReader(make([]byte, 1000)), ""); err != nil {
		t.Fatalf("Put at the limit: %v", err)
	}
	if keys := srv.Keys(); !slices.Equal(keys, []string{"jobs/small"}) {
		t.Fatalf("objects: %q, want only jobs/small", keys)
	}
	// The fake mirrors the real server: an upload of unknown size is not
	// checked.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/storage/v1/object/logs/jobs/chunked", io.MultiReader(bytes.NewReader(make([]byte, 1001))))
	req.Header.Set("apikey", srv.ServiceKey)
	req.Header.Set("Authorization", "Bearer "+srv.ServiceKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || req.ContentLength != 0 {
		t.Errorf("chunked upload over the limit: HTTP %d (request length %d), want 200 as on the real server", resp.StatusCode, req.ContentLength)
	}
}

// TestSupabaseLastWriterWins holds one upload's body back until a second
// upload of the key has finished: both succeed, as on the real server, and
// the held-back one, finishing last, wins.
func TestSupabaseLastWriterWins(t *testing.T) {
	srv := supabasetest.NewServer(t, testBucket)
	release := make(chan struct{})
	held := &holdingTransport{release: release}
	first := mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket, Transport: held})
	second := mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket})
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		_, err := first.Put(ctx, "jobs/x", strings.NewReader("first"), "")
		errc <- err
	}()
	for srv.Admitted() < 1 { // the first upload is past the key check
		time.Sleep(time.Millisecond)
	}
	if _, err := second.Put(ctx, "jobs/x", strings.NewReader("second"), ""); err != nil {
		t.Fatalf("second Put: %v", err)
	}
	close(release)
	if err := <-errc; err != nil {
		t.Fatalf("first Put: %v", err)
	}
	rc, err := second.Open(ctx, "jobs/x")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, _ := io.ReadAll(rc); string(got) != "first" {
		t.Fatalf("content %q, want the last writer's, \"first\"", got)
	}
	if _, err := second.Put(ctx, "jobs/x", strings.NewReader("third"), ""); domain.ErrorCode(err) != domain.ECONFLICT {
		t.Fatalf("Put of a key that exists when it starts: %v, want ECONFLICT", err)
	}
}

// holdingTransport holds the body of uploads until release is closed.
type holdingTransport struct{ release chan struct{} }

func (h *holdingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPost && req.Body != nil && req.Body != http.NoBody {
		req = req.Clone(req.Context())
		req.Body = &heldBody{ReadCloser: req.Body, release: h.release}
	}
	return http.DefaultTransport.RoundTrip(req)
}

type heldBody struct {
	io.ReadCloser
	release chan struct{}
}

func (b *heldBody) Read(p []byte) (int, error) {
	<-b.release
	return b.ReadCloser.Read(p)
}

func TestSupabaseProbe(t *testing.T) {
	srv := supabasetest.NewServer(t, testBucket)
	tests := []struct {
		name         string
		cfg          storage.SupabaseConfig
		misconfig    bool
		wantInCause  []string
		wantInClient string
	}{
		{"ready", storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket}, false, nil, ""},
		{"storage server without the gateway", storage.SupabaseConfig{URL: srv.DirectURL, ServiceKey: srv.ServiceKey, Bucket: testBucket},
			true, []string{srv.DirectURL + "/storage/v1", "https://<project>.supabase.co", "/storage/v1"}, "no Storage API"},
		{"missing bucket", storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: "other"},
			true, []string{`bucket "other" does not exist`, "NoSuchBucket"}, "the bucket does not exist"},
		{"anon key", storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.AnonKey, Bucket: testBucket},
			true, []string{"NoSuchBucket"}, "the bucket does not exist"},
		{"another project's key", storage.SupabaseConfig{URL: srv.URL, ServiceKey: supabasetest.NewServer(t, testBucket).ServiceKey, Bucket: testBucket},
			true, []string{"HTTP 401"}, "the service key was refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := mustSupabase(t, tt.cfg).Probe(context.Background())
			if !tt.misconfig {
				if err != nil {
					t.Fatalf("Probe: %v", err)
				}
				return
			}
			if !errors.Is(err, storage.ErrMisconfigured) || domain.ErrorCode(err) != domain.EUNAVAILABLE {
				t.Fatalf("Probe: %v, want EUNAVAILABLE and ErrMisconfigured", err)
			}
			for _, w := range tt.wantInCause {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not say %q:\n%v", w, err)
				}
			}
			if !strings.Contains(domain.ErrorMessage(err), tt.wantInClient) {
				t.Errorf("message %q does not say %q", domain.ErrorMessage(err), tt.wantInClient)
			}
		})
	}
}

func TestSupabaseExpiredKeyIsRefusedAtOnce(t *testing.T) {
	srv := supabasetest.NewServer(t, testBucket)
	_, err := storage.NewSupabase(storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.Key("service_role", -time.Minute),
		Bucket: testBucket, StageDir: t.TempDir()})
	if domain.ErrorCode(err) != domain.EINVALID || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("NewSupabase with an expired key: %v, want EINVALID saying it expired", err)
	}
}

// TestSupabaseDeleteOfNothingIsLogged: the real server answers a delete
// that deleted nothing with 200 and [], also for a missing bucket or an
// anon key.
func TestSupabaseDeleteOfNothingIsLogged(t *testing.T) {
	srv := supabasetest.NewServer(t, testBucket)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	keys := map[string]string{"service key": srv.ServiceKey, "anon key": srv.AnonKey}
	owner := mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket})
	for name, key := range keys {
		t.Run(name, func(t *testing.T) {
			if _, err := owner.Put(context.Background(), "jobs/x", strings.NewReader("x"), ""); err != nil {
				t.Fatal(err)
			}
			logs.Reset()
			store := mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: key, Bucket: testBucket, Log: log})
			for _, bucketKey := range []string{"jobs/x", "jobs/never-stored"} {
				if err := store.Delete(context.Background(), bucketKey); err != nil {
					t.Fatalf("Delete(%s): %v", bucketKey, err)
				}
			}
			want := 1 // the key never stored
			if name == "anon key" {
				want = 2 // jobs/x stays: row-level security hid it
			}
			if got := strings.Count(logs.String(), "deleted nothing"); got != want {
				t.Errorf("%d deletes of nothing logged, want %d:\n%s", got, want, logs.String())
			}
			if _, stays := srv.Object("jobs/x"); stays != (name == "anon key") {
				t.Errorf("jobs/x stays: %v", stays)
			}
			_ = owner.Delete(context.Background(), "jobs/x")
		})
	}
	missing := mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: "other", Log: log})
	logs.Reset()
	if err := missing.Delete(context.Background(), "jobs/x"); err != nil || !strings.Contains(logs.String(), "deleted nothing") {
		t.Errorf("Delete in a missing bucket: %v, logs %q; want no error and a log line", err, logs.String())
	}
}

// TestSupabaseFailures checks how each way Supabase can fail reaches the
// caller, for every operation but Delete, which the server answers with
// 200 in more cases (see TestSupabaseDeleteOfNothingIsLogged).
func TestSupabaseFailures(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(t *testing.T, srv *supabasetest.Server) *storage.Supabase
		wantCode    string
		wantMessage string
	}{
		{"another project's key", func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
			return mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: supabasetest.NewServer(t, testBucket).ServiceKey, Bucket: testBucket})
		}, domain.EUNAVAILABLE, "service key was refused"},
		{"missing bucket", func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
			return mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: "other"})
		}, domain.EUNAVAILABLE, "bucket does not exist"},
		{"no gateway", func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
			return mustSupabase(t, storage.SupabaseConfig{URL: srv.DirectURL, ServiceKey: srv.ServiceKey, Bucket: testBucket})
		}, domain.EUNAVAILABLE, "no Storage API"},
		{"server error", failing(http.StatusInternalServerError), domain.EUNAVAILABLE, "unavailable"},
		{"slow down", failing(http.StatusServiceUnavailable), domain.EUNAVAILABLE, "unavailable"},
		{"rate limited, status in body", failing(http.StatusTooManyRequests), domain.EUNAVAILABLE, "unavailable"},
		{"rate limited by the gateway", atGateway(http.StatusTooManyRequests, `{"message":"API rate limit exceeded"}`), domain.EUNAVAILABLE, "unavailable"},
		{"bad gateway page", atGateway(http.StatusBadGateway, `<html>502 Bad Gateway</html>`), domain.EUNAVAILABLE, "unavailable"},
		{"bad request", failing(http.StatusBadRequest), domain.EINTERNAL, "refused"},
		{"unreachable", func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
			srv.Close()
			return mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket})
		}, domain.EUNAVAILABLE, "unreachable"},
	}
	for _, tt := range tests {
		for op, call := range operations {
			if tt.name == "missing bucket" && op == "List" {
				continue // listed as empty, as the server answers a delete there
			}
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				srv := supabasetest.NewServer(t, testBucket)
				err := call(tt.setup(t, srv))
				if domain.ErrorCode(err) != tt.wantCode || !strings.Contains(domain.ErrorMessage(err), tt.wantMessage) {
					t.Fatalf("%s: %v; want code %s and a message about %q", op, err, tt.wantCode, tt.wantMessage)
				}
			})
		}
	}
}

// failing sets the fake server to fail the next request with status, as
// the storage server reports it.
func failing(status int) func(*testing.T, *supabasetest.Server) *storage.Supabase {
	return func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
		srv.FailNext(status)
		return mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket})
	}
}

// atGateway sets the fake's gateway to fail the next request.
func atGateway(status int, body string) func(*testing.T, *supabasetest.Server) *storage.Supabase {
	return func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
		srv.FailNextAtGateway(status, body)
		return mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket})
	}
}

var operations = map[string]func(*storage.Supabase) error{
	"Put": func(s *storage.Supabase) error {
		_, err := s.Put(context.Background(), "jobs/x", strings.NewReader("data"), "text/plain")
		return err
	},
	"Open": func(s *storage.Supabase) error {
		rc, err := s.Open(context.Background(), "jobs/x")
		if err == nil {
			rc.Close()
		}
		return err
	},
	"List": func(s *storage.Supabase) error {
		for _, err := range s.List(context.Background(), "jobs/") {
			if err != nil {
				return err
			}
		}
		return nil
	},
	"Probe": func(s *storage.Supabase) error {
		return s.Probe(context.Background())
	},
}

func TestSupabaseOpenHonoursContext(t *testing.T) {
	store, _ := newSupabase(t)
	if _, err := store.Put(context.Background(), "jobs/x", strings.NewReader("data"), ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := store.Open(ctx, "jobs/x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestNewSupabase(t *testing.T) {
	srv := supabasetest.NewServer(t, testBucket)
	tests := []struct {
		name, baseURL, key, bucket string
		wantCode                   string
	}{
		{"project URL", srv.URL, srv.ServiceKey, testBucket, ""},
		{"trailing slash", srv.URL + "/", srv.ServiceKey, testBucket, ""},
		{"API URL", srv.URL + "/storage/v1/", srv.ServiceKey, testBucket, ""},
		{"no scheme", "example.supabase.co", srv.ServiceKey, testBucket, domain.EINVALID},
		{"empty URL", "", srv.ServiceKey, testBucket, domain.EINVALID},
		{"no key", srv.URL, "", testBucket, domain.EINVALID},
		{"no bucket", srv.URL, srv.ServiceKey, "", domain.EINVALID},
		{"bucket with slash", srv.URL, srv.ServiceKey, "a/b", domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, err := storage.NewSupabase(storage.SupabaseConfig{URL: tt.baseURL, ServiceKey: tt.key, Bucket: tt.bucket, StageDir: t.TempDir()})
			if got := domain.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("NewSupabase: %v, want code %q", err, tt.wantCode)
			}
			if err == nil {
				defer store.Close()
				if err := store.Probe(context.Background()); err != nil {
					t.Fatalf("Probe through %s: %v", tt.baseURL, err)
				}
			}
		})
	}
}

// TestSupabaseRequests checks what goes over the wire, through a proxy that
// records each request in front of the fake server: each request carries
// the key as bearer token and apikey, JSON only where it sends JSON, and
// x-upsert only on the upload, which carries its length.
func TestSupabaseRequests(t *testing.T) {
	srv := supabasetest.NewServer(t, testBucket)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var seen []*http.Request
	proxy := httputil.NewSingleHostReverseProxy(target)
	rec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Clone(context.Background()))
		mu.Unlock()
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(rec.Close)
	store := mustSupabase(t, storage.SupabaseConfig{URL: rec.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket})

	ctx := context.Background()
	if err := store.Probe(ctx); err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if _, err := store.Put(ctx, "jobs/x", strings.NewReader("data"), "text/csv"); err != nil {
		t.Fatalf("Put: %v", err)
	}
	rc, err := store.Open(ctx, "jobs/x")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	rc.Close()
	if err := store.Delete(ctx, "jobs/x"); err != nil {
		t.Fatalf("Delete: %v", err)
	}

	want := []struct {
		method, path string
		header       http.Header
		length       int64
	}{
		{http.MethodGet, "/storage/v1/bucket/logs", http.Header{}, 0},
		{http.MethodPost, "/storage/v1/object/logs/jobs/x", http.Header{"Content-Type": {"text/csv"}, "X-Upsert": {"false"}}, 4},
		{http.MethodGet, "/storage/v1/object/authenticated/logs/jobs/x", http.Header{}, 0},
		{http.MethodDelete, "/storage/v1/object/logs", http.Header{"Content-Type": {"application/json"}}, int64(len(`{"prefixes":["jobs/x"]}` + "\n"))},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(want) {
		t.Fatalf("%d requests, want %d", len(seen), len(want))
	}
	for i, w := range want {
		r := seen[i]
		if r.Method != w.method || r.URL.Path != w.path || r.ContentLength != w.length {
			t.Errorf("request #%d: %s %s (length %d), want %s %s (length %d)", i+1, r.Method, r.URL.Path, r.ContentLength, w.method, w.path, w.length)
		}
		w.header.Set("Authorization", "Bearer "+srv.ServiceKey)
		w.header.Set("Apikey", srv.ServiceKey)
		for name, values := range w.header {
			if got := r.Header.Values(name); !slices.Equal(got, values) {
				t.Errorf("request #%d (%s): %s %q, want %q", i+1, r.Method, name, got, values)
			}
		}
		if got := r.Header.Values("X-Upsert"); r.Method != http.MethodPost && len(got) != 0 {
			t.Errorf("request #%d (%s) has X-Upsert %q", i+1, r.Method, got)
		}
	}
}

func TestARefusalIsPermanent(t *testing.T) {
	srv := supabasetest.NewServer(t, testBucket)
	srv.FailNext(http.StatusBadRequest)
	_, err := mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket}).
		Open(context.Background(), "jobs/x")
	if !errors.Is(err, domain.ErrRefused) || !domain.Permanent(err) {
		t.Errorf("a 400 from storage = %v; want domain.ErrRefused, a permanent failure", err)
	}
	srv.FailNext(http.StatusServiceUnavailable)
	_, err = mustSupabase(t, storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: testBucket}).
		Open(context.Background(), "jobs/x")
	if domain.Permanent(err) {
		t.Errorf("a 503 from storage is permanent: %v", err)
	}
}
