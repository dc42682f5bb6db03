// Package openapitest checks real HTTP responses against the API's OpenAPI
// document (kin-openapi's openapi3filter, JSON Schema 2020-12 for an OpenAPI
// 3.1 document), so that the tests that call the gateway also hold the
// document to what the gateway answers.
//
// A response is looked up by its request's method and path. One whose route
// the document does not have fails the test unless it is a 404 or 405 (a test
// probing a route that does not exist); a status the operation does not list
// fails; a body that does not match its schema fails.
package openapitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

func init() {
	// The gateway's text answers: the reference page, the metrics, the
	// provider icons and the sync streams.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/openmetrics-text", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
}

// Checker checks responses against one OpenAPI document.
type Checker struct {
	doc    *openapi3.T
	router routers.Router
}

// New loads and validates doc (JSON or YAML) and returns its Checker.
func New(doc []byte) (*Checker, error) {
	loader := openapi3.NewLoader()
	t, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("cannot load the OpenAPI document: %w", err)
	}
	if err := t.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	// Match paths on any host: the tests listen on loopback ports.
	t.Servers = nil
	router, err := gorillamux.NewRouter(t)
	if err != nil {
		return nil, fmt.Errorf("cannot route the OpenAPI document: %w", err)
	}
	return &Checker{doc: t, router: router}, nil
}

var (
	shared    *Checker
	sharedErr error
	once      sync.Once
)

// Shared returns a Checker of doc built once per test binary; doc must be
// the same on every call.
func Shared(t testing.TB, doc func() ([]byte, error)) *Checker {
	t.Helper()
	once.Do(func() {
		var b []byte
		if b, sharedErr = doc(); sharedErr == nil {
			shared, sharedErr = New(b)
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

// Doc is the loaded document.
func (c *Checker) Doc() *openapi3.T { return c.doc }

// Check fails t when the response (status, header, body) to req does not
// match the document.
func (c *Checker) Check(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if err := c.Validate(req, status, header, body); err != nil {
		t.Errorf("%s %s answered %d, which the OpenAPI document does not allow: %v\nbody: %.600s", req.Method, req.URL.Path, status, err, body)
	}
}

// Validate is Check returning the mismatch as an error.
func (c *Checker) Validate(req *http.Request, status int, header http.Header, body []byte) error {
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if status == http.StatusNotFound || status == http.StatusMethodNotAllowed {
			return nil
		}
		return fmt.Errorf("no documented route: %w", err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// CheckResponse is Check for a response read by an http.Client, whose body
// was read into body. A response that followed a redirect away from req is
// not the gateway's answer to req and is not checked.
func (c *Checker) CheckResponse(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	if resp.Request != nil && resp.Request.URL.String() != req.URL.String() {
		return
	}
	c.Check(t, req, resp.StatusCode, resp.Header, body)
}
