package http

import (
	"net/http"
	"testing"
)

// ContractClient returns a client whose every response is checked against
// the API's OpenAPI document: apitest.Client. apitest imports this package,
// so this package's own tests cannot import it; contract_test.go, an
// external test file built into the same test binary, sets it.
var ContractClient func() (*http.Client, error)

// contractClient is ContractClient's client, for this package's tests.
func contractClient(t testing.TB) *http.Client {
	t.Helper()
	if ContractClient == nil {
		t.Fatal("ContractClient is not set: contract_test.go sets it to apitest.Client")
	}
	client, err := ContractClient()
	if err != nil {
		t.Fatal(err)
	}
	return client
}
