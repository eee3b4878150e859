package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/logproc/logproc/domain"
)

// failingBlobs is a blob store whose Puts read the file and fail with err.
type failingBlobs struct {
	domain.BlobStore
	err error
}

func (f failingBlobs) Put(_ context.Context, _ string, r io.Reader, _ string) (domain.Blob, error) {
	_, _ = io.Copy(io.Discard, r)
	return domain.Blob{}, f.err
}

// TestUploadToAFailingStore: a full store is 507, a read-only or
// unreachable one 503 with Retry-After, never 500.
func TestUploadToAFailingStore(t *testing.T) {
	e := newEnv(t, "")
	tests := []struct {
		err        error
		status     int
		code       string
		retryAfter bool
	}{
		{domain.Errorf(domain.EFULL, "blob storage is full"), http.StatusInsufficientStorage, "storage_full", false},
		{domain.Errorf(domain.EUNAVAILABLE, "blob storage is read-only"), http.StatusServiceUnavailable, "unavailable", true},
	}
	for _, tt := range tests {
		srv := e.server
		srv.Blobs = failingBlobs{BlobStore: e.blobs, err: tt.err}
		ts := httptest.NewServer(srv.Handler())
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile("file", "a.log")
		fw.Write([]byte("2026-11-27 10:00:00 INFO hello\n"))
		mw.Close()
		req, _ := http.NewRequest("POST", ts.URL+"/api/upload-logs", &buf)
		req.Header.Set("Authorization", "Bearer "+e.token("alice", ""))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		ts.Close()
		if resp.StatusCode != tt.status || errorCode(body) != tt.code {
			t.Errorf("%v: %d %v, want %d %s", tt.err, resp.StatusCode, body, tt.status, tt.code)
		}
		if got := resp.Header.Get("Retry-After") != ""; got != tt.retryAfter {
			t.Errorf("%v: Retry-After %q, want one: %v", tt.err, resp.Header.Get("Retry-After"), tt.retryAfter)
		}
	}
}
