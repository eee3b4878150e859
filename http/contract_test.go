package http_test

import (
	lphttp "github.com/logproc/logproc/http"
	"github.com/logproc/logproc/http/apitest"
)

// The package's own tests reach apitest through lphttp.ContractClient.
func init() { lphttp.ContractClient = apitest.Client }
