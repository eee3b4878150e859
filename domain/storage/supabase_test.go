package storage_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage"
	"github.com/logproc/logproc/domain/storage/storagetest"
	"github.com/logproc/logproc/domain/storage/supabasetest"
)

const (
	testBucket     = "logs"
	testServiceKey = "service-key"
)

// newSupabase returns a store on a fresh fake server.
func newSupabase(t *testing.T) (*storage.Supabase, *supabasetest.Server) {
	t.Helper()
	srv := supabasetest.NewServer(t, testBucket, testServiceKey)
	return mustSupabase(t, srv.URL, testServiceKey, testBucket), srv
}

func mustSupabase(t *testing.T, baseURL, serviceKey, bucket string) *storage.Supabase {
	t.Helper()
	store, err := storage.NewSupabase(baseURL, serviceKey, bucket)
	if err != nil {
		t.Fatalf("NewSupabase: %v", err)
	}
	return store
}

func TestSupabaseConformance(t *testing.T) {
	modes := map[string]bool{"statuses in the body": false, "HTTP statuses": true}
	for name, httpStatuses := range modes {
		t.Run(name, func(t *testing.T) {
			storagetest.Run(t, func(t *testing.T) domain.BlobStore {
				store, srv := newSupabase(t)
				srv.SetHTTPStatuses(httpStatuses)
				return store
			})
		})
	}
}

func TestSupabasePutSendsWhatItHashes(t *testing.T) {
	store, srv := newSupabase(t)
	tests := []struct{ contentType, wantContentType string }{
		{"text/plain; charset=utf-8", "text/plain; charset=utf-8"},
		{"", "application/octet-stream"},
	}
	for i, tt := range tests {
		key := "jobs/" + string(rune('a'+i))
		blob, err := store.Put(context.Background(), key, strings.NewReader("line one\nline two\n"), tt.contentType)
		if err != nil {
			t.Fatalf("Put: %v", err)
		}
		obj, _ := srv.Object(key)
		want := supabasetest.Object{ContentType: tt.wantContentType, Size: blob.Size, SHA256: blob.SHA256}
		if obj != want {
			t.Errorf("server has %+v, want %+v", obj, want)
		}
	}
}

func TestSupabaseFailedPutsLeaveNothing(t *testing.T) {
	store, srv := newSupabase(t)
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
	if n := srv.MaxRequestBody(); n > 100_000 {
		t.Errorf("server received a body of %d bytes, more than any source had", n)
	}
}

func TestSupabaseBucketSizeLimit(t *testing.T) {
	store, srv := newSupabase(t)
	srv.SetSizeLimit(1000)
	_, err := store.Put(context.Background(), "jobs/big", bytes.NewReader(make([]byte, 1001)), "")
	if got := domain.ErrorCode(err); got != domain.ETOOLARGE {
		t.Fatalf("Put over the bucket's limit: %v, want ETOOLARGE", err)
	}
	if keys := srv.Keys(); len(keys) != 0 {
		t.Fatalf("objects after a refused Put: %q, want none", keys)
	}
}

// TestSupabaseFailures checks how each way Supabase can fail reaches the
// caller, for every operation.
func TestSupabaseFailures(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(t *testing.T, srv *supabasetest.Server) *storage.Supabase
		wantCode    string
		wantMessage string
	}{
		{"wrong service key", func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
			return mustSupabase(t, srv.URL, "wrong-key", testBucket)
		}, domain.EUNAVAILABLE, "service key"},
		{"missing bucket", func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
			return mustSupabase(t, srv.URL, testServiceKey, "other")
		}, domain.EUNAVAILABLE, "bucket"},
		{"server error", failing(http.StatusInternalServerError), domain.EUNAVAILABLE, "unavailable"},
		{"bad gateway", failing(http.StatusBadGateway), domain.EUNAVAILABLE, "unavailable"},
		// A gateway rate-limits with HTTP 429. Sent as HTTP 400 with 429
		// only in the body, as the fake sends any injected failure by
		// default, it would read as a plain refusal: storage-go keeps only
		// the message (see TestResponseError).
		{"rate limited", failingHTTP(http.StatusTooManyRequests), domain.EUNAVAILABLE, "unavailable"},
		{"bad request", failing(http.StatusBadRequest), domain.EINTERNAL, "refused"},
		{"unreachable", func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
			srv.Close()
			return mustSupabase(t, srv.URL, testServiceKey, testBucket)
		}, domain.EUNAVAILABLE, "unreachable"},
	}
	for _, tt := range tests {
		for op, call := range operations {
			t.Run(tt.name+"/"+op, func(t *testing.T) {
				srv := supabasetest.NewServer(t, testBucket, testServiceKey)
				err := call(tt.setup(t, srv))
				if domain.ErrorCode(err) != tt.wantCode || !strings.Contains(domain.ErrorMessage(err), tt.wantMessage) {
					t.Fatalf("%s: %v; want code %s and a message about %q", op, err, tt.wantCode, tt.wantMessage)
				}
			})
		}
	}
}

// failing sets the fake server to fail the next request with status.
func failing(status int) func(*testing.T, *supabasetest.Server) *storage.Supabase {
	return func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
		srv.FailNext(status)
		return mustSupabase(t, srv.URL, testServiceKey, testBucket)
	}
}

// failingHTTP is failing with the status sent as the HTTP status too.
func failingHTTP(status int) func(*testing.T, *supabasetest.Server) *storage.Supabase {
	return func(t *testing.T, srv *supabasetest.Server) *storage.Supabase {
		srv.SetHTTPStatuses(true)
		return failing(status)(t, srv)
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
	"Delete": func(s *storage.Supabase) error {
		return s.Delete(context.Background(), "jobs/x")
	},
}

func TestSupabaseOpenHonoursContext(t *testing.T) {
	store, _ := newSupabase(t)
	put := func() { _, _ = store.Put(context.Background(), "jobs/x", strings.NewReader("data"), "") }
	put()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := store.Open(ctx, "jobs/x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestNewSupabase(t *testing.T) {
	srv := supabasetest.NewServer(t, testBucket, testServiceKey)
	tests := []struct {
		name, baseURL, key, bucket string
		wantCode                   string
	}{
		{"project URL", srv.URL, testServiceKey, testBucket, ""},
		{"trailing slash", srv.URL + "/", testServiceKey, testBucket, ""},
		{"API URL", srv.URL + "/storage/v1/", testServiceKey, testBucket, ""},
		{"no scheme", "example.supabase.co", testServiceKey, testBucket, domain.EINVALID},
		{"empty URL", "", testServiceKey, testBucket, domain.EINVALID},
		{"no key", srv.URL, "", testBucket, domain.EINVALID},
		{"no bucket", srv.URL, testServiceKey, "", domain.EINVALID},
		{"bucket with slash", srv.URL, testServiceKey, "a/b", domain.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, err := storage.NewSupabase(tt.baseURL, tt.key, tt.bucket)
			if got := domain.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("NewSupabase: %v, want code %q", err, tt.wantCode)
			}
			if err == nil {
				if err := store.Delete(context.Background(), "jobs/x"); err != nil {
					t.Fatalf("Delete through %s: %v", tt.baseURL, err)
				}
			}
		})
	}
}

// TestSupabaseRequests checks what goes over the wire, through a proxy that
// records each request in front of the fake server: storage-go's client is
// used, each request carries its own headers once and none of another's,
// and uploads are streamed.
func TestSupabaseRequests(t *testing.T) {
	srv := supabasetest.NewServer(t, testBucket, testServiceKey)
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
	store := mustSupabase(t, rec.URL, testServiceKey, testBucket)

	ctx := context.Background()
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
	}{
		{http.MethodPost, "/storage/v1/object/logs/jobs/x", http.Header{"Content-Type": {"text/csv"}, "X-Upsert": {"false"}}},
		{http.MethodGet, "/storage/v1/object/authenticated/logs/jobs/x", http.Header{"Content-Type": {"application/json"}, "Accept": {"*/*"}}},
		{http.MethodDelete, "/storage/v1/object/logs", http.Header{"Content-Type": {"application/json"}}},
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(want) {
		t.Fatalf("%d requests, want %d", len(seen), len(want))
	}
	for i, w := range want {
		r := seen[i]
		if r.Method != w.method || r.URL.Path != w.path {
			t.Errorf("request #%d: %s %s, want %s %s", i+1, r.Method, r.URL.Path, w.method, w.path)
		}
		w.header.Set("Authorization", "Bearer "+testServiceKey)
		w.header.Set("Apikey", testServiceKey)
		w.header.Set("X-Client-Info", "storage-go/v0.8.1")
		for name, values := range w.header {
			if got := r.Header.Values(name); !slices.Equal(got, values) {
				t.Errorf("request #%d (%s): %s %q, want %q", i+1, r.Method, name, got, values)
			}
		}
		if got := r.Header.Values("X-Upsert"); r.Method != http.MethodPost && len(got) != 0 {
			t.Errorf("request #%d (%s) has X-Upsert %q from another request", i+1, r.Method, got)
		}
	}
	if put := seen[0]; !slices.Equal(put.TransferEncoding, []string{"chunked"}) {
		t.Errorf("upload sent with transfer encoding %q, content length %d; want it streamed (chunked)",
			put.TransferEncoding, put.ContentLength)
	}
}
