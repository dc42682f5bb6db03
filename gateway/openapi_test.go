package gateway

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wearstream/wearstream/internal/openapitest"
)

// checkOpenAPI checks a response of the gateway against the document.
func checkOpenAPI(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	openapitest.Shared(t, OpenAPI).CheckResponse(t, req, resp, body)
}

var fiberParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

// openAPIPath is a Fiber path in OpenAPI's form: /users/:user_id → /users/{user_id}.
func openAPIPath(p string) string { return fiberParam.ReplaceAllString(p, "{$1}") }

// documented lists the document's operations as "METHOD /path" → role.
func documented(t *testing.T, doc *openapi3.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			role, _ := op.Extensions[roleExtension].(string)
			if role == "" {
				t.Errorf("%s %s: no %s", method, path, roleExtension)
			}
			out[method+" "+path] = role
		}
	}
	return out
}

// TestOpenAPIMatchesRoutes fails when a route of the table or of the Fiber
// app is not in the document, when the document has a route that is not
// registered, or when a route's role differs from the table's.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := start(t, nil)
	doc := openapitest.Shared(t, OpenAPI).Doc()
	if !doc.IsOpenAPI31OrLater() {
		t.Fatalf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	docs := documented(t, doc)
	table := map[string]bool{}
	for _, r := range h.gw.table() {
		name := r.method + " " + openAPIPath(r.fullPath())
		table[name] = true
		role, ok := docs[name]
		switch {
		case !ok:
			t.Errorf("%s is in the route table but not in openapi.yaml", name)
		case role != r.role.String():
			t.Errorf("%s: openapi.yaml says role %q, the route table %s", name, role, r.role)
		}
	}
	for _, r := range h.gw.App().GetRoutes(true) {
		if r.Method == "HEAD" {
			continue
		}
		if name := r.Method + " " + openAPIPath(r.Path); !table[name] {
			t.Errorf("%s is registered but not in the route table", name)
		}
	}
	for name := range docs {
		if !table[name] {
			t.Errorf("%s is in openapi.yaml but no such route exists", name)
		}
	}
}

// TestOpenAPIServed serves the document and the reference page without a
// key; the page loads nothing from elsewhere and names every route.
func TestOpenAPIServed(t *testing.T) {
	h := start(t, nil)
	r := h.do("GET", "/openapi.json", nil, nil)
	if r.status != http.StatusOK || r.body["openapi"] != "3.1.0" {
		t.Fatalf("GET /openapi.json: %d %.200s", r.status, r.rawBody)
	}
	if _, err := openapitest.New(r.rawBody); err != nil {
		t.Fatalf("the served document: %v", err)
	}
	page := h.do("GET", "/docs", nil, nil)
	if page.status != http.StatusOK || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %s", page.status, page.header.Get("Content-Type"))
	}
	html := string(page.rawBody)
	for _, offline := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(html, offline) {
			t.Errorf("/docs contains %q: it must load nothing from elsewhere", offline)
		}
	}
	for _, rt := range h.gw.table() {
		if !strings.Contains(html, "<code>"+openAPIPath(rt.fullPath())+"</code>") {
			t.Errorf("/docs does not show %s %s", rt.method, rt.fullPath())
		}
	}
}

// TestOpenAPICheckerFails shows that the response check catches a body that
// breaks its schema, an undocumented status and an undocumented route.
func TestOpenAPICheckerFails(t *testing.T) {
	c := openapitest.Shared(t, OpenAPI)
	f := func(method, path string, status int, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, "http://127.0.0.1/"+strings.TrimPrefix(path, "/"), nil)
		header := http.Header{"Content-Type": {"application/json"}}
		if err := c.Validate(req, status, header, []byte(body)); err == nil {
			t.Errorf("%s %s %d %s passed the check", method, path, status, body)
		}
	}
	f("GET", "/healthz", 200, `{"status":"fine"}`)
	f("GET", "/api/v1/users/u1", 200, `{"id":"u1"}`)
	f("GET", "/api/v1/users/u1", 500, `{"error":{"code":"internal"}}`)
	f("POST", "/api/v1/users", 201, `{"error":{"code":"x","message":"y"}}`)
	f("GET", "/api/v1/nothing-here", 200, `{}`)
	f("DELETE", "/api/v1/applications/a1", 200, `{}`)
}
