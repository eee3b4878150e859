package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/logproc/logproc/events/postgres"
)

// blobFiles lists the files in the blob directory, temporary ones included.
func (e *env) blobFiles() []string {
	var files []string
	filepath.WalkDir(e.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	return files
}

func TestUploadAcceptsALogAndRecordsTheJob(t *testing.T) {
	e := newEnv(t, "")
	content := []byte("2026-11-27 10:00:00 INFO started\n2026-11-27 10:00:01 WARN slow\n")
	status, body := e.upload(e.token("alice", ""), "../../etc/app.log", content)
	if status != http.StatusAccepted {
		t.Fatalf("upload = %d %v", status, body)
	}
	sum := sha256.Sum256(content)
	if body["sha256"] != hex.EncodeToString(sum[:]) || body["size"] != float64(len(content)) || body["file_name"] != "app.log" {
		t.Errorf("upload response = %v", body)
	}
	id := body["job_id"].(string)
	if body["stats_url"] != "/api/stats/"+id || body["status"] != "queued" {
		t.Errorf("upload response = %v", body)
	}
	e.projected(uuid.MustParse(id), 1)
	status, job := e.do("GET", "/api/stats/"+id, e.token("alice", ""), nil, "")
	if status != http.StatusOK || job["status"] != "queued" || job["owner"] != "alice" || job["sha256"] != body["sha256"] {
		t.Errorf("GET job = %d %v", status, job)
	}
	status, hist := e.do("GET", "/api/jobs/"+id+"/events", e.token("alice", ""), nil, "")
	evs, _ := hist["events"].([]any)
	if status != http.StatusOK || len(evs) != 1 || evs[0].(map[string]any)["type"] != "JobSubmitted" {
		t.Errorf("history = %d %v", status, hist)
	}
	if files := e.blobFiles(); len(files) != 1 {
		t.Errorf("blob store holds %v, want the one file", files)
	}
}

func TestUploadRejectsBadInputAndKeepsNothing(t *testing.T) {
	e := newEnv(t, "")
	tok := e.token("alice", "")
	multipartWith := func(field, name string, content []byte) (*bytes.Buffer, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, _ := mw.CreateFormFile(field, name)
		fw.Write(content)
		mw.Close()
		return &buf, mw.FormDataContentType()
	}
	wrongField, wrongFieldCT := multipartWith("upload", "a.log", []byte("hello\n"))
	cut, cutCT := multipartWith("file", "a.log", bytes.Repeat([]byte("line\n"), 1000))
	cutBody := bytes.NewReader(cut.Bytes()[:cut.Len()/2])
	unclosed, unclosedCT := multipartWith("file", "a.log", []byte("hello\n"))
	unclosedBody := bytes.NewReader(bytes.TrimSuffix(unclosed.Bytes(), []byte("--\r\n")))
	bigForm, bigFormCT := multipartWith("file", "a.log", bytes.Repeat([]byte("a\n"), 40<<10))
	// RFC 2231 lets a part's header carry any bytes in its file name.
	crlfPart := bytes.NewBufferString("--b\r\nContent-Disposition: form-data; name=\"file\"; " +
		"filename*=UTF-8''a%0D%0AINJECTED.log\r\n\r\nhello\n\r\n--b--\r\n")
	crlfPartCT := "multipart/form-data; boundary=b"
	cases := []struct {
		name        string
		path        string
		body        *bytes.Reader
		contentType string
		status      int
		code        string
		says        string
	}{
		{"no file part", "/api/upload-logs", bytes.NewReader(wrongField.Bytes()), wrongFieldCT, 400, "invalid", `"file"`},
		{"truncated multipart", "/api/upload-logs", cutBody, cutCT, 400, "invalid", "ended early"},
		{"no closing boundary", "/api/upload-logs", unclosedBody, unclosedCT, 400, "invalid", "closing boundary"},
		{"form too large", "/api/upload-logs", bytes.NewReader(bigForm.Bytes()), bigFormCT, 413, "too_large", "MAX_UPLOAD_BYTES"},
		{"no boundary", "/api/upload-logs", bytes.NewReader([]byte("x")), "multipart/form-data", 400, "invalid", "multipart"},
		{"raw without name", "/api/upload-logs", bytes.NewReader([]byte("a\n")), "text/plain", 400, "invalid", "?filename="},
		{"empty raw", "/api/upload-logs?filename=a.log", bytes.NewReader(nil), "text/plain", 400, "invalid", "empty"},
		{"too large", "/api/upload-logs?filename=a.log", bytes.NewReader(bytes.Repeat([]byte("a\n"), 40<<10)), "text/plain", 413, "too_large", "MAX_UPLOAD_BYTES"},
		{"png", "/api/upload-logs?filename=a.png", bytes.NewReader([]byte("\x89PNG\r\n\x1a\nrest")), "image/png", 415, "unsupported", "PNG"},
		{"nul bytes", "/api/upload-logs?filename=a.bin", bytes.NewReader([]byte("abc\x00def")), "", 415, "unsupported", "binary"},
		{"utf-16", "/api/upload-logs?filename=a.log", bytes.NewReader([]byte("\xff\xfeh\x00i\x00")), "text/plain", 415, "unsupported", "UTF-16"},
		{"zip", "/api/upload-logs?filename=a.zip", bytes.NewReader([]byte("PK\x03\x04rest")), "application/zip", 415, "unsupported", "zip"},
		{"CRLF in the file name", "/api/upload-logs?filename=a%0d%0aINJECTED%20line", bytes.NewReader([]byte("a\n")), "text/plain", 400, "invalid", "control character"},
		{"escape in the file name", "/api/upload-logs?filename=a%1b%5b2J.log", bytes.NewReader([]byte("a\n")), "text/plain", 400, "invalid", "control character"},
		{"CRLF in a multipart file name", "/api/upload-logs", bytes.NewReader(crlfPart.Bytes()), crlfPartCT, 400, "invalid", "control character"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.do("POST", tc.path, tok, tc.body, tc.contentType)
			if status != tc.status || errorCode(body) != tc.code || !strings.Contains(errorMessage(body), tc.says) {
				t.Errorf("= %d %v; want %d %s saying %q", status, body, tc.status, tc.code, tc.says)
			}
		})
	}
	status, body := e.upload(tok, "empty.log", nil)
	if status != 400 || !strings.Contains(errorMessage(body), "empty") {
		t.Errorf("empty multipart file = %d %v", status, body)
	}
	if files := e.blobFiles(); len(files) != 0 {
		t.Errorf("refused uploads left files behind: %v", files)
	}
	status, page := e.do("GET", "/api/jobs", tok, nil, "")
	if jobs, _ := page["jobs"].([]any); status != 200 || len(jobs) != 0 {
		t.Errorf("refused uploads made jobs: %v", page)
	}
}

func TestRawUploadWithFilename(t *testing.T) {
	e := newEnv(t, "")
	status, body := e.do("POST", "/api/upload-logs?filename=app.log", e.token("bob", ""),
		bytes.NewReader([]byte("plain line\n")), "text/plain")
	if status != http.StatusAccepted || body["file_name"] != "app.log" {
		t.Errorf("raw upload = %d %v", status, body)
	}
}

func TestJobStatsAreOnlyTheOwners(t *testing.T) {
	e := newEnv(t, "")
	_, body := e.upload(e.token("alice", ""), "a.log", []byte("x\n"))
	id := body["job_id"].(string)
	e.projected(uuid.MustParse(id), 1)
	cases := []struct {
		name, path, sub, role string
		status                int
	}{
		{"owner", "/api/stats/" + id, "alice", "", 200},
		{"other user", "/api/stats/" + id, "mallory", "", 404},
		{"admin", "/api/stats/" + id, "root", "admin", 200},
		{"malformed id", "/api/stats/not-a-uuid", "alice", "", 400},
		{"unknown id", "/api/stats/4b0d8a3e-54c1-4d8e-9d8e-6a1f0e3c2b1a", "alice", "", 404},
		{"other user's history", "/api/jobs/" + id + "/events", "mallory", "", 404},
		{"malformed history id", "/api/jobs/nope/events", "alice", "", 400},
	}
	for _, tc := range cases {
		status, body := e.do("GET", tc.path, e.token(tc.sub, tc.role), nil, "")
		if status != tc.status {
			t.Errorf("%s: GET %s = %d %v, want %d", tc.name, tc.path, status, body, tc.status)
		}
	}
	e.aggregated(1)
	_, mine := e.do("GET", "/api/stats", e.token("mallory", ""), nil, "")
	if mine["jobs_total"] != float64(0) || mine["scope"] != "owner" {
		t.Errorf("mallory's aggregate = %v", mine)
	}
	_, all := e.do("GET", "/api/stats", e.token("root", "admin"), nil, "")
	if all["jobs_total"] != float64(1) || all["scope"] != "all" {
		t.Errorf("admin's aggregate = %v", all)
	}
}

func TestUploadWithPostgresDownIs503AndKeepsNoFile(t *testing.T) {
	e := newEnv(t, "")
	dead, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dead.Close)
	srv := e.server
	srv.Events = postgres.New(dead)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	e.url = ts.URL
	status, body := e.upload(e.token("alice", ""), "a.log", []byte("a line\n"))
	if status != http.StatusServiceUnavailable || errorCode(body) != "unavailable" {
		t.Errorf("upload with Postgres down = %d %v, want 503 unavailable", status, body)
	}
	if files := e.blobFiles(); len(files) != 0 {
		t.Errorf("a refused upload left files: %v", files)
	}
}
