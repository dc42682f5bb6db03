package main

import (
	"net/http"
	"testing"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/internal/openapitest"
)

// checkOpenAPI checks a response of the gateway against its OpenAPI
// document; req is the request sent (resp.Request when nil).
func checkOpenAPI(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	if req == nil {
		req = resp.Request
	}
	openapitest.Shared(t, gateway.OpenAPI).CheckResponse(t, req, resp, body)
}
