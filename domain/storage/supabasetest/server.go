// Package supabasetest runs an in-process stand-in for the part of the
// Supabase Storage REST API that storage.Supabase uses, so that tests of any
// package can run against "Supabase" without a network:
//
//	srv := supabasetest.NewServer(t, "logs", "service-key")
//	store, err := storage.NewSupabase(srv.URL, "service-key", "logs")
//
// It serves one bucket: POST and PUT /storage/v1/object/{bucket}/{path...}
// (upload; POST refuses an existing key unless x-upsert is true), GET
// /storage/v1/object/[authenticated/]{bucket}/{path...} (download) and
// DELETE /storage/v1/object/{bucket} with {"prefixes": [...]} (remove). Like
// the real service it wants the service key in both the apikey and the
// Authorization headers, keeps nothing from an upload whose body breaks off,
// and reports failures as {"statusCode":"404","error":...,"message":...}
// with HTTP status 400 (see SetHTTPStatuses). Objects are kept in files
// under t.TempDir() and bodies are copied in 32 KiB pieces, so streaming
// tests can measure the client's memory without the server's getting in the
// way.
package supabasetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
)

// Server is a fake Supabase project with one storage bucket.
type Server struct {
	// URL is the project URL to give storage.NewSupabase; the Storage API
	// is under URL + "/storage/v1".
	URL string

	bucket     string
	serviceKey string
	dir        string
	httpServer *httptest.Server

	mu           sync.Mutex
	objects      map[string]stored
	maxBody      int64
	sizeLimit    int64
	failures     []int
	httpStatuses bool
}

// Object is what the server keeps about a stored object.
type Object struct {
	ContentType string
	Size        int64
	SHA256      string // hex sha256 of the bytes the server received
}

// stored is an object and the file that holds its bytes.
type stored struct {
	Object
	file string
}

// NewServer starts a server with one bucket that accepts serviceKey. It is
// closed when the test ends.
func NewServer(t testing.TB, bucket, serviceKey string) *Server {
	t.Helper()
	s := &Server{
		bucket:     bucket,
		serviceKey: serviceKey,
		dir:        t.TempDir(),
		objects:    map[string]stored{},
	}
	s.httpServer = httptest.NewServer(s.routes())
	s.URL = s.httpServer.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the server; later requests fail to connect, as when Supabase
// is unreachable. Closing twice is harmless.
func (s *Server) Close() {
	s.httpServer.Close()
}

// Object returns what is stored under key.
func (s *Server) Object(key string) (Object, bool) {
	obj, ok := s.lookup(key)
	return obj.Object, ok
}

// Content returns the bytes stored under key.
func (s *Server) Content(key string) ([]byte, bool) {
	obj, ok := s.lookup(key)
	if !ok {
		return nil, false
	}
	data, err := os.ReadFile(obj.file)
	return data, err == nil
}

func (s *Server) lookup(key string) (stored, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, ok := s.objects[key]
	return obj, ok
}

// Keys returns the stored keys in order.
func (s *Server) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.objects))
	for key := range s.objects {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	return keys
}

// MaxRequestBody returns the size of the largest request body received so
// far, counting bodies that broke off.
func (s *Server) MaxRequestBody() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxBody
}

// SetSizeLimit makes uploads larger than n bytes fail with status 413, like
// a bucket's file size limit; 0 means no limit. The body is still read to
// its end first, so the client reliably gets the answer.
func (s *Server) SetSizeLimit(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sizeLimit = n
}

// FailNext makes the next request, whatever it is, fail with status after
// its body has been read. Calls queue up.
func (s *Server) FailNext(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, status)
}

// SetHTTPStatuses chooses how failures are sent. By default, as Supabase
// Storage does, a failure below 500 is sent with HTTP status 400 and the real
// status only in the body's "statusCode"; with on, the real status is the
// HTTP status too.
func (s *Server) SetHTTPStatuses(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.httpStatuses = on
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /storage/v1/object/{bucket}/{path...}", s.handleUpload)
	mux.HandleFunc("PUT /storage/v1/object/{bucket}/{path...}", s.handleUpload)
	mux.HandleFunc("GET /storage/v1/object/authenticated/{bucket}/{path...}", s.handleDownload)
	mux.HandleFunc("GET /storage/v1/object/{bucket}/{path...}", s.handleDownload)
	mux.HandleFunc("DELETE /storage/v1/object/{bucket}", s.handleRemove)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, http.StatusNotFound, "not_found", "Route "+r.Method+" "+r.URL.Path+" not found")
	})
	return s.gate(mux)
}

// gate answers injected failures and checks the service key: the API
// gateway wants it as apikey, the Storage API as a bearer token.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status := s.takeFailure(); status != 0 {
			s.drain(r)
			s.fail(w, status, http.StatusText(status), "injected failure")
			return
		}
		if r.Header.Get("apikey") != s.serviceKey {
			s.drain(r)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Invalid API key"})
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+s.serviceKey {
			s.drain(r)
			s.fail(w, http.StatusForbidden, "Unauthorized", "invalid signature")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) takeFailure() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return 0
	}
	status := s.failures[0]
	s.failures = s.failures[1:]
	return status
}

// drain reads the rest of a request body, so a client still sending it gets
// the answer rather than a reset connection.
func (s *Server) drain(r *http.Request) {
	n, _ := io.Copy(io.Discard, r.Body)
	s.noteBody(n)
}

func (s *Server) noteBody(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxBody = max(s.maxBody, n)
}

// fail answers as Supabase Storage does: the status, an error name and a
// message in the body, and HTTP 400 unless the status is 5xx or
// SetHTTPStatuses(true) was called.
func (s *Server) fail(w http.ResponseWriter, status int, name, message string) {
	s.mu.Lock()
	httpStatus := status
	if !s.httpStatuses && status < 500 {
		httpStatus = http.StatusBadRequest
	}
	s.mu.Unlock()
	writeJSON(w, httpStatus, map[string]string{
		"statusCode": strconv.Itoa(status),
		"error":      name,
		"message":    message,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do
}
