package apitest_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	lphttp "github.com/logproc/logproc/http"
	"github.com/logproc/logproc/http/apitest"
)

// TestEveryRouteIsDocumented walks the API's router and checks that the
// document describes each route and method it serves, and nothing more.
func TestEveryRouteIsDocumented(t *testing.T) {
	if _, err := apitest.New(); err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(lphttp.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := lphttp.NewAuth([]byte("a-secret-for-the-route-walk-32-bytes"), "")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	srv := &lphttp.Server{Auth: auth, Log: log, Progress: lphttp.NewProgressHub(nil, log),
		QueueUI: http.NotFoundHandler()}
	served := map[string]bool{}
	err = chi.Walk(srv.Handler().(chi.Routes), func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if strings.HasPrefix(route, "/admin/queues/") {
			return nil // asynqmon's own pages and API
		}
		served[method+" "+route] = true
		item := doc.Paths.Value(route)
		if item == nil || item.GetOperation(method) == nil {
			t.Errorf("%s %s is served but not in the OpenAPI document", method, route)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			if !served[method+" "+path] {
				t.Errorf("%s %s is in the OpenAPI document but not served", method, path)
			}
		}
	}
}

// TestContractChecksHeaders: a response without a header the document
// requires of it breaks the contract, as one with the header keeps it.
func TestContractChecksHeaders(t *testing.T) {
	v, err := apitest.New()
	if err != nil {
		t.Fatal(err)
	}
	errorBody := `{"error":{"code":"too_many_requests","message":"wait"}}`
	tests := []struct {
		method, path string
		status       int
		header, body string
	}{
		{"GET", "/api/stats", http.StatusTooManyRequests, "Retry-After", errorBody},
		{"GET", "/api/jobs/0b7c6a55-3f4e-4d3c-9d59-0f3f1b6f2a10/progress", http.StatusTooManyRequests, "Retry-After", errorBody},
		{"POST", "/api/upload-logs", http.StatusServiceUnavailable, "Retry-After", errorBody},
		{"GET", "/api/queue-status", http.StatusServiceUnavailable, "Retry-After", errorBody},
		{"GET", "/readyz", http.StatusServiceUnavailable, "Retry-After", `{"status":"unavailable","checks":{"redis":"unavailable"}}`},
		{"DELETE", "/api/stats", http.StatusMethodNotAllowed, "Allow", errorBody},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %d", tt.method, tt.path, tt.status), func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			header := http.Header{"Content-Type": {"application/json"}}
			err := v.Check(req, tt.status, header, []byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.header) {
				t.Errorf("without %s: %v, want an error that names it", tt.header, err)
			}
			header.Set(tt.header, "30")
			if tt.header == "Allow" {
				header.Set("Allow", "GET")
			}
			if err := v.Check(req, tt.status, header, []byte(tt.body)); err != nil {
				t.Errorf("with %s: %v", tt.header, err)
			}
		})
	}
}

// TestContractChecksUnlistedRoutes: a path the document does not list is
// a JSON 404, and nothing else.
func TestContractChecksUnlistedRoutes(t *testing.T) {
	v, err := apitest.New()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/api/nope", nil)
	header := http.Header{"Content-Type": {"application/json"}}
	if err := v.Check(req, http.StatusNotFound, header, []byte(`{"error":{"code":"not_found","message":"no"}}`)); err != nil {
		t.Errorf("a JSON 404: %v", err)
	}
	if err := v.Check(req, http.StatusOK, header, []byte(`{}`)); err == nil {
		t.Error("a 200 on a path the document does not list passed")
	}
	if err := v.Check(req, http.StatusNotFound, http.Header{"Content-Type": {"text/html"}}, []byte("<p>no</p>")); err == nil {
		t.Error("an HTML 404 passed")
	}
}
