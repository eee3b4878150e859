package storage

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/logproc/logproc/domain"
)

// TestResponseError serves each failure as Supabase (or a proxy in front)
// sends it and checks the code Open returns, so the bodies go through
// storage-go's decoding as in production.
func TestResponseError(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"object missing, status in body", 400, `{"statusCode":"404","error":"not_found","message":"Object not found"}`, domain.ENOTFOUND},
		{"object missing, numeric status", 400, `{"statusCode":404,"error":"not_found","message":"Object not found"}`, domain.ENOTFOUND},
		{"object missing, HTTP status", 404, `{"statusCode":"404","error":"not_found","message":"Object not found"}`, domain.ENOTFOUND},
		{"object missing, no body", 404, ``, domain.ENOTFOUND},
		{"bucket missing", 400, `{"statusCode":"404","error":"Bucket not found","message":"Bucket not found"}`, domain.EUNAVAILABLE},
		{"bucket missing, HTTP status", 404, `{"statusCode":"404","error":"Bucket not found","message":"Bucket not found"}`, domain.EUNAVAILABLE},
		{"duplicate", 400, `{"statusCode":"409","error":"Duplicate","message":"The resource already exists"}`, domain.ECONFLICT},
		{"duplicate, HTTP status", 409, `{"statusCode":"409","error":"Duplicate","message":"The resource already exists"}`, domain.ECONFLICT},
		{"too large", 400, `{"statusCode":"413","error":"Payload too large","message":"The object exceeded the maximum allowed size"}`, domain.ETOOLARGE},
		{"too large, from a proxy", 413, `<html>413 Request Entity Too Large</html>`, domain.ETOOLARGE},
		{"bad signature", 400, `{"statusCode":"403","error":"Unauthorized","message":"invalid signature"}`, domain.EUNAVAILABLE},
		{"invalid JWT", 400, `{"statusCode":"403","error":"Unauthorized","message":"Invalid JWT"}`, domain.EUNAVAILABLE},
		{"expired JWT", 400, `{"statusCode":"400","error":"InvalidJWT","message":"jwt expired"}`, domain.EUNAVAILABLE},
		{"anon key instead of service key", 400, `{"statusCode":"403","error":"Unauthorized","message":"new row violates row-level security policy"}`, domain.EUNAVAILABLE},
		{"gateway refuses the key", 401, `{"message":"Invalid API key"}`, domain.EUNAVAILABLE},
		{"forbidden", 403, `{"message":"Access denied"}`, domain.EUNAVAILABLE},
		{"server error", 500, `{"statusCode":"500","error":"internal","message":"boom"}`, domain.EUNAVAILABLE},
		{"bad gateway page", 502, `<html>Bad Gateway</html>`, domain.EUNAVAILABLE},
		{"rate limited", 429, `{"message":"Too many requests"}`, domain.EUNAVAILABLE},
		{"slow down, status in body", 400, `{"statusCode":"503","error":"SlowDown","message":"Please reduce your request rate."}`, domain.EUNAVAILABLE},
		{"database timeout, status in body", 400, `{"statusCode":"544","error":"DatabaseTimeout","message":"timeout exceeded when trying to connect"}`, domain.EUNAVAILABLE},
		{"status in body is not a failure", 400, `{"statusCode":"200","message":"odd"}`, domain.EINTERNAL},
		{"other refusal", 400, `{"statusCode":"400","error":"InvalidKey","message":"Invalid key: jobs/x"}`, domain.EINTERNAL},
		{"redirect", 307, ``, domain.EINTERNAL},
		// storage-go keeps only the body's message: a failure sent as
		// HTTP 400 whose message says nothing of its status can no longer
		// be told from a plain refusal.
		{"status only in body (lost)", 400, `{"statusCode":"429","error":"Too Many Requests","message":"injected failure"}`, domain.EINTERNAL},
		{"5xx only in body (lost)", 400, `{"statusCode":"503","error":"Service Unavailable","message":"try later"}`, domain.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			store, err := NewSupabase(srv.URL, "key", "logs")
			if err != nil {
				t.Fatal(err)
			}
			rc, err := store.Open(context.Background(), "jobs/x")
			if err == nil {
				rc.Close()
				t.Fatal("Open succeeded")
			}
			if got := domain.ErrorCode(err); got != tt.want {
				t.Errorf("code %q, want %q (%v)", got, tt.want, err)
			}
			if !strings.Contains(err.Error(), "HTTP") {
				t.Errorf("%v does not keep the HTTP status for the logs", err)
			}
		})
	}
}

// TestFailureStatus pins the phrase table on the messages themselves.
func TestFailureStatus(t *testing.T) {
	tests := []struct {
		httpStatus int
		message    string
		want       int
	}{
		{400, "Bucket not found", 404},
		{400, "Object not found", 404},
		{400, "The resource already exists", 409},
		{400, "The object exceeded the maximum allowed size", 413},
		{400, "Invalid Compact JWS", 403},
		{400, "No API key found in request", 401},
		{400, "Invalid key: jobs/x", 400},
		{400, "", 400},
		{404, "Route GET:/x not found", 404},
		{500, "Object not found", 500}, // only a 400 is second-guessed
	}
	for _, tt := range tests {
		if got := failureStatus(tt.httpStatus, tt.message); got != tt.want {
			t.Errorf("failureStatus(%d, %q) = %d, want %d", tt.httpStatus, tt.message, got, tt.want)
		}
	}
}
