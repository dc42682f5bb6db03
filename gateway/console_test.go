package gateway

import (
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestConsoleFiles serves the console's files with their types and a
// policy that keeps the page to its own origin, sends /console to
// /console/, refuses names outside the embedded folder, and checks that no
// file refers to anything outside this origin (no CDN, no external font).
func TestConsoleFiles(t *testing.T) {
	h := start(t, nil)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Get(h.url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	res, body := get("/console/")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, `src="app.js"`) {
		t.Fatalf("/console/: %d %s %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
		t.Fatalf("Content-Security-Policy = %q", csp)
	}
	if res, _ := get("/console/app.js"); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("/console/app.js: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res, _ := get("/console"); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/console/" {
		t.Fatalf("/console: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	for _, path := range []string{"/console/nope.js", "/console/../console.go", "/console/%2e%2e/console.go"} {
		if res, _ := get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, res.StatusCode)
		}
	}
	external := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}`)
	cssImport := regexp.MustCompile(`@import|url\(`)
	err := fs.WalkDir(consoleFiles, "console", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(consoleFiles, path)
		if strings.HasSuffix(path, ".css") && cssImport.Match(b) {
			t.Errorf("%s imports or loads a file by url()", path)
		}
		for _, m := range external.FindAllString(string(b), -1) {
			if m != "http://www.w3.org" && !strings.HasPrefix(m, "https://example.com") { // the SVG namespace; a placeholder
				t.Errorf("%s refers to %q outside this origin", path, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMe answers the key's tenant and role with the roles it includes,
// and 401 to a wrong key.
func TestMe(t *testing.T) {
	h := start(t, nil)
	h.tenantKey("acme")
	r := h.do("GET", "/api/v1/me", keyHeader(h.roleKey("acme", "member")), nil)
	if r.status != http.StatusOK || r.body["tenant"] != "acme" || r.body["role"] != "member" {
		t.Fatalf("me: %d %s", r.status, r.rawBody)
	}
	if roles, _ := r.body["roles"].([]any); len(roles) != 2 || roles[0] != "read" || roles[1] != "member" {
		t.Fatalf("roles = %v, want read and member", r.body["roles"])
	}
	wantError(t, h.do("GET", "/api/v1/me", keyHeader("sk-wrong"), nil), http.StatusUnauthorized, "unauthorized")
}

// TestUserSearch finds users by part of their email, external id, name or
// id, case-insensitively, within the key's tenant only.
func TestUserSearch(t *testing.T) {
	h := start(t, nil)
	acme, globex := h.tenantKey("acme"), h.tenantKey("globex")
	jane := h.createUser(acme, `{"email":"Jane@Example.com","external_user_id":"ext-1"}`)
	h.createUser(acme, `{"email":"joe@example.com","first_name":"Joe","last_name":"Smith"}`)
	h.createUser(globex, `{"email":"jane@globex.com"}`)
	f := func(search string, want int) {
		t.Helper()
		r := h.do("GET", "/api/v1/users?search="+search, keyHeader(acme), nil)
		if r.status != http.StatusOK || r.body["total"] != float64(want) {
			t.Fatalf("search %q: %d %s, want %d users", search, r.status, r.rawBody, want)
		}
	}
	f("jane", 1)
	f("EXAMPLE", 2)
	f("ext-1", 1)
	f("smith", 1)
	f(jane[:8], 1)
	f("nobody", 0)
}
