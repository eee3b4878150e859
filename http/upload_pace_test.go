package http_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// rawRequest sends head and then body, one piece per interval, over a
// connection of its own, and returns the response. The deadline only turns
// a hang into a failure.
func rawRequest(t *testing.T, url, head string, body []string, interval time.Duration) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	go func() {
		for _, piece := range body {
			time.Sleep(interval)
			if _, err := io.WriteString(conn, piece); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no response to a stalled upload: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestStalledUploadBodiesAreCutOff(t *testing.T) {
	e := newEnv(t, "")
	srv := e.server
	srv.UploadIdleTimeout, srv.MinUploadRate = 300*time.Millisecond, 1000
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	head := func(length int) string {
		return fmt.Sprintf("POST /api/upload-logs?filename=a.log HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n", e.token("alice", ""), length)
	}
	// The client: 10,000 bytes announced, 105 sent, then silence.
	resp, body := rawRequest(t, ts.URL, head(10000)+strings.Repeat("x", 104)+"\n", nil, 0)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, `"timeout"`) || !resp.Close {
		t.Errorf("idle body = %d %s (close %v), want 408 timeout and the connection closed", resp.StatusCode, body, resp.Close)
	}
	// A trickle: a byte every 100 ms never pauses past the idle timeout,
	// but falls ever further behind 1,000 bytes/s.
	trickle := make([]string, 100)
	for i := range trickle {
		trickle[i] = "x"
	}
	resp, body = rawRequest(t, ts.URL, head(2000), trickle, 100*time.Millisecond)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("trickling body = %d %s, want 408", resp.StatusCode, body)
	}
	// A form that stalls in its file part.
	form := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.log\"\r\n\r\n" + strings.Repeat("x", 100) + "\n"
	formHead := strings.Replace(strings.Replace(head(10000), "?filename=a.log", "", 1), "text/plain", "multipart/form-data; boundary=b", 1)
	resp, body = rawRequest(t, ts.URL, formHead+form, nil, 0)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(body, `"timeout"`) || !resp.Close {
		t.Errorf("idle form = %d %s (close %v), want 408 timeout and the connection closed", resp.StatusCode, body, resp.Close)
	}
	if files := e.blobFiles(); len(files) != 0 {
		t.Errorf("stalled uploads left files behind: %v", files)
	}
}

func TestSecondFilePartIsRefused(t *testing.T) {
	e := newEnv(t, "")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, name := range []string{"a.log", "b.log"} {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte("2026-11-27 10:00:00 INFO " + name + "\n"))
	}
	mw.Close()
	status, body := e.do("POST", "/api/upload-logs", e.token("alice", ""), &buf, mw.FormDataContentType())
	if status != http.StatusBadRequest || !strings.Contains(errorMessage(body), "more than one") {
		t.Errorf("two file parts = %d %v, want 400", status, body)
	}
	if files := e.blobFiles(); len(files) != 0 {
		t.Errorf("the refused upload left files behind: %v", files)
	}
	status, page := e.do("GET", "/api/jobs", e.token("alice", ""), nil, "")
	if jobs, _ := page["jobs"].([]any); status != 200 || len(jobs) != 0 {
		t.Errorf("the refused upload made a job: %v", page)
	}
}
