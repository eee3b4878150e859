// Package supabasetest runs an in-process stand-in for the part of the
// Supabase Storage API that storage.Supabase uses, behaving as the real
// server (supabase/storage, behind Supabase's API gateway) was observed to
// behave, so that the conformance suite run against it is a contract with
// the real service:
//
//	srv := supabasetest.NewServer(t, "logs")
//	store, err := storage.NewSupabase(storage.SupabaseConfig{URL: srv.URL, ServiceKey: srv.ServiceKey, ...})
//
// The gateway at URL serves the Storage API under /storage/v1 and wants a
// project key as apikey (401 otherwise). DirectURL is the storage server
// itself, serving the same API at its root, as a SUPABASE_URL that skips the
// gateway reaches it: every /storage/v1 route is a 404 there.
//
// The storage server serves one bucket: GET /bucket/{id}; POST and PUT
// /object/{bucket}/{path...} (upload; POST refuses a key that exists when
// the upload starts unless x-upsert is true, and then stores whatever
// exists at the end: of two uploads racing on one key both succeed, the
// last one's bytes win); GET /object/[authenticated/]{bucket}/{path...};
// DELETE /object/{bucket} with {"prefixes": [...]}, which answers 200 and
// the list of what it deleted ([] for a missing bucket or an anon key, as
// row-level security hides the rows); POST /object/list/{bucket} (one
// folder level, paged by limit and offset).
//
// Like the real server it verifies the bearer token (an HS256 JWT signed
// with the project's secret: ServiceKey, AnonKey, or Key for others, such
// as an expired one), and reports failures as HTTP 400 with the status in
// the body: {"statusCode":"404","code":"NoSuchKey","error":"NoSuchKey",
// "message":"Object not found"}; only 5xx keep their HTTP status. The
// bucket's file size limit (SetSizeLimit) is enforced only on uploads that
// declare a Content-Length, as the real server does; a chunked upload of
// unknown size passes. An upload whose body breaks off leaves nothing.
// Objects are kept in files under t.TempDir() and bodies are copied in
// 32 KiB pieces, so streaming tests can measure the client's memory
// without the server's getting in the way.
package supabasetest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a fake Supabase project with one storage bucket.
type Server struct {
	// URL is the project URL to give storage.NewSupabase; the gateway
	// serves the Storage API under URL + "/storage/v1".
	URL string
	// DirectURL is the storage server without the gateway: the API at its
	// root, 404 under /storage/v1.
	DirectURL string
	// ServiceKey and AnonKey are the project's keys, valid for a day.
	ServiceKey, AnonKey string

	bucket  string
	secret  []byte
	dir     string
	gateway *httptest.Server
	direct  *httptest.Server

	mu        sync.Mutex
	objects   map[string]stored
	maxBody   int64
	sizeLimit int64
	failures  []failure
	uploads   []Upload
	admitted  int
}

// Object is what the server keeps about a stored object.
type Object struct {
	ContentType string
	Size        int64
	SHA256      string // hex sha256 of the bytes the server received
}

// Upload is what an upload request declared of its body.
type Upload struct {
	ContentLength    int64 // -1 when unknown
	TransferEncoding []string
}

// stored is an object, the file that holds its bytes and when it was
// written.
type stored struct {
	Object
	file     string
	id       string
	modified time.Time
}

// failure is an injected answer to the next request.
type failure struct {
	httpStatus int
	body       string
}

// NewServer starts a project with one bucket. It is closed when the test
// ends.
func NewServer(t testing.TB, bucket string) *Server {
	t.Helper()
	s := &Server{
		bucket:  bucket,
		secret:  []byte(randomText() + randomText()),
		dir:     t.TempDir(),
		objects: map[string]stored{},
	}
	day := 24 * time.Hour
	s.ServiceKey, s.AnonKey = s.Key("service_role", day), s.Key("anon", day)
	api := s.routes()
	s.gateway = httptest.NewServer(s.gate(http.StripPrefix("/storage/v1", api)))
	s.direct = httptest.NewServer(api)
	s.URL, s.DirectURL = s.gateway.URL, s.direct.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the server; later requests fail to connect, as when Supabase
// is unreachable. Closing twice is harmless.
func (s *Server) Close() {
	s.gateway.Close()
	s.direct.Close()
}

// Object returns what is stored under key.
func (s *Server) Object(key string) (Object, bool) {
	obj, ok := s.lookup(key)
	return obj.Object, ok
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

// Uploads returns what each upload request so far declared of its body.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.uploads)
}

// Admitted returns how many uploads passed the checks made before their
// body is read (key, size limit) so far.
func (s *Server) Admitted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.admitted
}

// MaxRequestBody returns the size of the largest request body received so
// far, counting bodies that broke off.
func (s *Server) MaxRequestBody() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxBody
}

// SetSizeLimit sets the bucket's file_size_limit in bytes; 0 means none.
// Like the real server, only an upload that declares its Content-Length is
// checked against it, and fails with status 413.
func (s *Server) SetSizeLimit(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sizeLimit = n
}

// FailNext makes the next request, whatever it is, fail as the storage
// server reports a failure of that status: HTTP 400 with the status in the
// body, or the status itself for 5xx. Calls queue up.
func (s *Server) FailNext(status int) {
	httpStatus, code := http.StatusBadRequest, "InvalidRequest"
	switch {
	case status >= 500:
		httpStatus, code = status, "InternalError"
	case status == http.StatusTooManyRequests:
		code = "SlowDown"
	}
	s.queueFailure(httpStatus, storageError(status, code, "injected failure"))
}

// FailNextAtGateway makes the next request fail at the gateway, before
// the storage server: with httpStatus as the HTTP status and body as it is
// (a rate limit, an HTML error page of a proxy).
func (s *Server) FailNextAtGateway(httpStatus int, body string) {
	s.queueFailure(httpStatus, body)
}

func (s *Server) queueFailure(httpStatus int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{httpStatus, body})
}

func (s *Server) takeFailure() (failure, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return failure{}, false
	}
	f := s.failures[0]
	s.failures = s.failures[1:]
	return f, true
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bucket/{bucket}", s.authed(s.handleGetBucket))
	mux.HandleFunc("POST /object/list/{bucket}", s.authed(s.handleList))
	mux.HandleFunc("POST /object/{bucket}/{path...}", s.authed(s.handleUpload))
	mux.HandleFunc("PUT /object/{bucket}/{path...}", s.authed(s.handleUpload))
	mux.HandleFunc("GET /object/authenticated/{bucket}/{path...}", s.authed(s.handleDownload))
	mux.HandleFunc("GET /object/{bucket}/{path...}", s.authed(s.handleDownload))
	mux.HandleFunc("DELETE /object/{bucket}", s.authed(s.handleRemove))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.drain(r)
		// The server's own not-found answer: a real 404, no error code.
		writeJSON(w, http.StatusNotFound, map[string]any{
			"statusCode": 404, "error": "Not Found", "message": "Route " + r.Method + ":" + r.URL.Path + " not found",
		})
	})
	return mux
}

// gate plays the API gateway: injected failures first, then a project key
// as apikey.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if f, ok := s.takeFailure(); ok {
			s.drain(r)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(f.httpStatus)
			_, _ = io.WriteString(w, f.body)
			return
		}
		if _, err := s.verify(r.Header.Get("apikey"), false); err != nil {
			s.drain(r)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Invalid API key"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// request is an authenticated request: role is the token's.
type request struct {
	*http.Request
	role string
}

// privileged reports whether row-level security lets the caller see and
// change objects: only the service role bypasses the bucket's policies.
func (r request) privileged() bool { return r.role == "service_role" }

// authed verifies the bearer token as the storage server does.
func (s *Server) authed(h func(http.ResponseWriter, request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			s.drain(r)
			s.fail(w, http.StatusBadRequest, "InvalidJWT", "No authorization header found")
			return
		}
		role, err := s.verify(token, true)
		if err != nil {
			s.drain(r)
			s.fail(w, http.StatusBadRequest, "InvalidJWT", err.Error())
			return
		}
		h(w, request{r, role})
	}
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

// fail answers as the storage server does: HTTP 400 unless the status is
// 5xx, the status as a string in the body, the error code twice.
func (s *Server) fail(w http.ResponseWriter, status int, code, message string) {
	httpStatus := http.StatusBadRequest
	if status >= 500 {
		httpStatus = status
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_, _ = io.WriteString(w, storageError(status, code, message))
}

func storageError(status int, code, message string) string {
	b, _ := json.Marshal(map[string]string{
		"statusCode": strconv.Itoa(status), "code": code, "error": code, "message": message,
	})
	return string(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do
}
