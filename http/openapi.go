package http

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the API's contract, an OpenAPI 3.0.3 document. The tests check
// every response they receive against it (see the apitest package), so it
// cannot drift from the code.
//
//go:embed openapi.yaml
var OpenAPI []byte

// handleOpenAPI serves the contract; it needs no token.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(OpenAPI)
}
