package storage

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/logproc/logproc/domain"
	"github.com/logproc/logproc/domain/storage/supabasetest"
)

// TestFailureError serves each failure as the storage server, its gateway
// or a proxy sends it and checks what Open returns: classified by the
// body's statusCode and code, never by the message.
func TestFailureError(t *testing.T) {
	const misconfig = "misconfigured"
	tests := []struct {
		name   string
		status int
		body   string
		want   string // a code, or misconfig for EUNAVAILABLE with ErrMisconfigured
	}{
		{"object missing", 400, `{"statusCode":"404","code":"NoSuchKey","error":"NoSuchKey","message":"Object not found"}`, domain.ENOTFOUND},
		{"object missing, older server", 400, `{"statusCode":"404","error":"not_found","message":"Object not found"}`, domain.ENOTFOUND},
		{"object missing, numeric status", 400, `{"statusCode":404,"code":"NoSuchKey","message":"whatever"}`, domain.ENOTFOUND},
		{"bucket missing", 400, `{"statusCode":"404","code":"NoSuchBucket","error":"NoSuchBucket","message":"Bucket not found"}`, misconfig},
		{"route missing on the storage server", 404, `{"statusCode":404,"error":"Not Found","message":"Route GET:/storage/v1/object/authenticated/logs/jobs/x not found"}`, misconfig},
		{"route missing at the gateway", 404, `{"message":"no Route matched with those values"}`, misconfig},
		{"route missing, plain text", 404, `404 page not found`, misconfig},
		{"duplicate", 400, `{"statusCode":"409","code":"KeyAlreadyExists","error":"Duplicate","message":"The resource already exists"}`, domain.ECONFLICT},
		{"too large", 400, `{"statusCode":"413","code":"EntityTooLarge","message":"The object exceeded the maximum allowed size"}`, domain.ETOOLARGE},
		{"too large, from a proxy", 413, `<html>413 Request Entity Too Large</html>`, domain.ETOOLARGE},
		{"expired key", 400, `{"statusCode":"400","code":"InvalidJWT","error":"InvalidJWT","message":"\"exp\" claim timestamp check failed"}`, misconfig},
		{"another secret", 400, `{"statusCode":"400","code":"InvalidJWT","message":"signature verification failed"}`, misconfig},
		{"anon key writing", 400, `{"statusCode":"403","code":"AccessDenied","message":"new row violates row-level security policy"}`, misconfig},
		{"gateway refuses the key", 401, `{"message":"Invalid API key"}`, misconfig},
		{"forbidden", 403, `{"message":"Access denied"}`, misconfig},
		{"server error", 500, `{"statusCode":"500","code":"InternalError","message":"boom"}`, domain.EUNAVAILABLE},
		{"bad gateway page", 502, `<html>Bad Gateway</html>`, domain.EUNAVAILABLE},
		{"rate limited", 429, `{"message":"API rate limit exceeded"}`, domain.EUNAVAILABLE},
		{"slow down, status in body", 400, `{"statusCode":"503","code":"SlowDown","message":"Please reduce your request rate."}`, domain.EUNAVAILABLE},
		{"database timeout, status in body", 400, `{"statusCode":"544","code":"DatabaseTimeout","message":"timeout exceeded"}`, domain.EUNAVAILABLE},
		{"429 only in the body", 400, `{"statusCode":"429","code":"","message":"later"}`, domain.EUNAVAILABLE},
		{"status in body is not a failure", 400, `{"statusCode":"200","code":"InvalidRequest","message":"odd"}`, domain.EINTERNAL},
		{"other refusal", 400, `{"statusCode":"400","code":"InvalidKey","message":"Invalid key: jobs/x"}`, domain.EINTERNAL},
		{"message that sounds like another failure", 400, `{"statusCode":"400","code":"InvalidRequest","message":"Object not found; bucket not found; jwt expired"}`, domain.EINTERNAL},
		{"redirect", 307, ``, misconfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.status == 307 {
					w.Header().Set("Location", "https://elsewhere.example/")
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			store, err := NewSupabase(SupabaseConfig{URL: srv.URL, ServiceKey: "key", Bucket: "logs", StageDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			rc, err := store.Open(context.Background(), "jobs/x")
			if err == nil {
				rc.Close()
				t.Fatal("Open succeeded")
			}
			want, wantMisconfig := tt.want, tt.want == misconfig
			if wantMisconfig {
				want = domain.EUNAVAILABLE
			}
			if got := domain.ErrorCode(err); got != want || errors.Is(err, ErrMisconfigured) != wantMisconfig {
				t.Errorf("code %q, misconfigured %v; want %q, %v (%v)", got, errors.Is(err, ErrMisconfigured), want, wantMisconfig, err)
			}
			if !strings.Contains(err.Error(), "HTTP") {
				t.Errorf("%v does not keep the HTTP status for the logs", err)
			}
		})
	}
}

// TestExpiredServiceKey: a key that expires while the process runs makes
// every request a 503 that says so.
func TestExpiredServiceKey(t *testing.T) {
	srv := supabasetest.NewServer(t, "logs")
	store, err := NewSupabase(SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: "logs", StageDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.key, store.keyExpires = srv.Key("service_role", -time.Minute), time.Now().Add(-time.Minute)
	_, err = store.Put(context.Background(), "jobs/x", strings.NewReader("x"), "")
	if domain.ErrorCode(err) != domain.EUNAVAILABLE || domain.ErrorMessage(err) != "blob storage is misconfigured: the service key was refused (expired)" {
		t.Fatalf("Put with an expired key: %v (%q)", err, domain.ErrorMessage(err))
	}
	if !strings.Contains(err.Error(), `claim timestamp check failed`) {
		t.Errorf("the server's own words are not kept for the log: %v", err)
	}
}

// TestSupabaseListPages lists a tree with pages of two entries.
func TestSupabaseListPages(t *testing.T) {
	srv := supabasetest.NewServer(t, "logs")
	store, err := NewSupabase(SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, Bucket: "logs", StageDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	store.pageSize = 2
	var want []string
	for _, key := range []string{"jobs/a/1", "jobs/a/2", "jobs/a/3", "jobs/b", "jobs/c/d/e", "jobs/c/d/f", "jobs/d", "other/x"} {
		if _, err := store.Put(context.Background(), key, strings.NewReader(key), ""); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(key, "jobs/") {
			want = append(want, key)
		}
	}
	var got []string
	for info, err := range store.List(context.Background(), "jobs/") {
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(len(info.Key)) {
			t.Errorf("%s: size %d", info.Key, info.Size)
		}
		got = append(got, info.Key)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("List with pages of 2 = %q, want %q", got, want)
	}
}
