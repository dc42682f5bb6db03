// Package providertest plays cloud providers on loopback for tests: an
// authorisation page that consents at once, a token endpoint that checks
// client authentication and PKCE as the real one does and issues (and
// refreshes, or refuses to refresh) tokens, and the provider's REST API
// answering from the fixtures in ingest/<provider>/testdata, refusing
// requests without a valid token. Garmin, Polar and Suunto set each one up
// as that provider behaves.
package providertest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// WebhookSecret is the webhook secret Settings configures.
const WebhookSecret = "whsec-test-secret"

// Server is one fake provider.
type Server struct {
	*httptest.Server
	t testing.TB

	// Env prefixes the provider's variables (GARMIN, POLAR, SUUNTO).
	Env          string
	ClientID     string
	ClientSecret string
	// BasicAuth expects the client credentials in the Authorization header
	// of token requests, else in the form body.
	BasicAuth bool
	// PKCE requires an S256 code challenge and its verifier.
	PKCE bool
	// ExpiresIn is the lifetime of issued access tokens, in seconds; 0
	// issues tokens without expiry.
	ExpiresIn int
	// Refresh issues refresh tokens.
	Refresh bool
	// TokenExtra are further fields of token responses (Polar's x_user_id).
	TokenExtra map[string]any
	// NewAccessToken makes the n-th access token (Suunto's JWTs).
	NewAccessToken func(n int) string
	// APIHeader must be on every API request (Suunto's subscription key).
	APIHeader map[string]string

	mu            sync.Mutex
	routes        map[string]route
	grants        map[string]grant
	access        map[string]bool
	refresh       map[string]bool
	rejectRefresh bool
	issued        int
	log           []Request
}

type route struct {
	status int
	body   []byte
	fn     http.HandlerFunc
}

type grant struct {
	redirect  string
	challenge string
}

// Request is one API request the server answered.
type Request struct {
	Method string
	Path   string
	Query  url.Values
}

// New starts an empty fake provider; it stops when the test ends.
func New(t testing.TB, env string) *Server {
	s := &Server{
		t: t, Env: env, ClientID: strings.ToLower(env) + "-client", ClientSecret: strings.ToLower(env) + "-secret",
		routes: map[string]route{}, grants: map[string]grant{}, access: map[string]bool{}, refresh: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /oauth/authorize", s.authorize)
	mux.HandleFunc("POST /oauth/token", s.token)
	mux.HandleFunc("/", s.api)
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

// Settings are the variables that point the provider at this server.
func (s *Server) Settings() map[string]string {
	m := map[string]string{
		s.Env + "_CLIENT_ID":      s.ClientID,
		s.Env + "_CLIENT_SECRET":  s.ClientSecret,
		s.Env + "_AUTH_URL":       s.URL + "/oauth/authorize",
		s.Env + "_TOKEN_URL":      s.URL + "/oauth/token",
		s.Env + "_API_URL":        s.URL,
		s.Env + "_WEBHOOK_SECRET": WebhookSecret,
	}
	for k, v := range s.APIHeader {
		if k == "Ocp-Apim-Subscription-Key" {
			m["SUUNTO_SUBSCRIPTION_KEY"] = v
		}
	}
	return m
}

// Handle answers method path (any query) with status and body.
func (s *Server) Handle(method, path string, status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[method+" "+path] = route{status: status, body: body}
}

// HandleFunc answers method path with fn, called without the server's
// lock held.
func (s *Server) HandleFunc(method, path string, fn http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.routes[method+" "+path] = route{fn: fn}
}

// RejectRefresh makes refresh requests fail with 400 invalid_grant.
func (s *Server) RejectRefresh() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectRefresh = true
}

// Requests returns the API requests answered so far to path ("" for all).
func (s *Server) Requests(path string) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.log {
		if path == "" || r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Issued is the number of access tokens issued.
func (s *Server) Issued() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issued
}

// Consent plays the user at authURL: it returns the URL the provider
// redirects the browser to (the callback, with code and state).
func (s *Server) Consent(authURL string) string {
	s.t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(authURL)
	if err != nil {
		s.t.Fatalf("cannot open the authorisation page: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		s.t.Fatalf("authorisation page answered %d", res.StatusCode)
	}
	return res.Header.Get("Location")
}

func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.ClientID || q.Get("response_type") != "code" || q.Get("redirect_uri") == "" {
		http.Error(w, "bad authorisation request", http.StatusBadRequest)
		return
	}
	if s.PKCE && (q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256") {
		http.Error(w, "PKCE required", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	code := fmt.Sprintf("code-%d", len(s.grants)+1)
	s.grants[code] = grant{redirect: q.Get("redirect_uri"), challenge: q.Get("code_challenge")}
	s.mu.Unlock()
	target, _ := url.Parse(q.Get("redirect_uri"))
	back := target.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	target.RawQuery = back.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if basic != s.BasicAuth || id != s.ClientID || secret != s.ClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		g, ok := s.grants[r.PostForm.Get("code")]
		delete(s.grants, r.PostForm.Get("code")) // single use
		if !ok || g.redirect != r.PostForm.Get("redirect_uri") {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		if s.PKCE {
			sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
			if base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
				oauthError(w, http.StatusBadRequest, "invalid_grant")
				return
			}
		}
	case "refresh_token":
		if s.rejectRefresh || !s.refresh[r.PostForm.Get("refresh_token")] {
			oauthError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		delete(s.refresh, r.PostForm.Get("refresh_token")) // rotation
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	s.issued++
	access := fmt.Sprintf("access-%d", s.issued)
	if s.NewAccessToken != nil {
		access = s.NewAccessToken(s.issued)
	}
	s.access[access] = true
	out := map[string]any{"access_token": access, "token_type": "bearer"}
	if s.ExpiresIn > 0 {
		out["expires_in"] = s.ExpiresIn
	}
	if s.Refresh {
		rt := fmt.Sprintf("refresh-%d", s.issued)
		s.refresh[rt] = true
		out["refresh_token"] = rt
	}
	for k, v := range s.TokenExtra {
		out[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func (s *Server) api(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	app := r.Header.Get("X-Client-Id") == s.ClientID && r.Header.Get("X-Client-Secret") == s.ClientSecret
	if id, secret, ok := r.BasicAuth(); ok && id == s.ClientID && secret == s.ClientSecret {
		app = true // Polar's webhook API
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		_ = r.ParseForm()
	}
	if r.FormValue("client_id") == s.ClientID && r.FormValue("client_secret") == s.ClientSecret {
		app = true // Strava's push subscription API
	}
	if !s.access[auth] && !app { // a user's token, or the client's credentials (Oura's subscription API)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	for k, v := range s.APIHeader {
		if r.Header.Get(k) != v {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	s.log = append(s.log, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query()})
	rt, ok := s.routes[r.Method+" "+r.URL.Path]
	if !ok {
		rt, ok = s.prefixRoute(r.Method, r.URL.Path)
	}
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if rt.fn != nil {
		s.mu.Unlock()
		defer s.mu.Lock()
		rt.fn(w, r)
		return
	}
	if len(rt.body) > 0 {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rt.status)
	_, _ = w.Write(rt.body)
}

// Fixture reads ingest/<provider>/testdata/name, with the provider's real
// API host replaced by this server's address.
func (s *Server) Fixture(provider, name, realHost string) []byte {
	s.t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", provider, "testdata", name))
	if err != nil {
		s.t.Fatalf("cannot read fixture: %v", err)
	}
	if realHost != "" {
		b = []byte(strings.ReplaceAll(string(b), realHost, s.URL))
	}
	return b
}
