package apitest_test

import (
	"log/slog"
	"net/http"
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
