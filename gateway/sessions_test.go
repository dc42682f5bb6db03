package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest/providertest"
)

// TestRevokingEndsTheRotationFamily is the probe's logout gap: refresh rt1
// into rt2, revoke rt2, then rt1, still inside its grace window, must not
// answer a pair any more; and revoking the older token ends the newer one.
func TestRevokingEndsTheRotationFamily(t *testing.T) {
	clock := newTestClock()
	h := start(t, nil, WithClock(clock.now))
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	issue := func() string {
		_, rt := pairOf(t, h.do("POST", "/api/v1/users/"+user+"/token", keyHeader(key), nil))
		return rt
	}
	refresh := func(rt string) response {
		return h.do("POST", "/api/v1/token/refresh", nil, jsonBody(`{"refresh_token":%q}`, rt))
	}

	rt1 := issue()
	_, rt2 := pairOf(t, refresh(rt1))
	clock.advance(time.Second) // well inside the grace window
	if r := h.do("POST", "/api/v1/token/revoke", nil, jsonBody(`{"refresh_token":%q}`, rt2)); r.status != http.StatusNoContent {
		t.Fatalf("revoke rt2: %d %s", r.status, r.rawBody)
	}
	wantError(t, refresh(rt1), http.StatusUnauthorized, "invalid_token")
	wantError(t, refresh(rt2), http.StatusUnauthorized, "invalid_token")

	// The other way round: revoking the replaced token ends its successor.
	rt1 = issue()
	_, rt2 = pairOf(t, refresh(rt1))
	if r := h.do("POST", "/api/v1/token/revoke", nil, jsonBody(`{"refresh_token":%q}`, rt1)); r.status != http.StatusNoContent {
		t.Fatalf("revoke rt1: %d %s", r.status, r.rawBody)
	}
	wantError(t, refresh(rt2), http.StatusUnauthorized, "invalid_token")
	wantError(t, refresh(rt1), http.StatusUnauthorized, "invalid_token")

	// A family three deep, revoked from its middle.
	rt1 = issue()
	_, rt2 = pairOf(t, refresh(rt1))
	_, rt3 := pairOf(t, refresh(rt2))
	if r := h.do("POST", "/api/v1/token/revoke", nil, jsonBody(`{"refresh_token":%q}`, rt2)); r.status != http.StatusNoContent {
		t.Fatalf("revoke rt2: %d %s", r.status, r.rawBody)
	}
	for _, rt := range []string{rt1, rt2, rt3} {
		wantError(t, refresh(rt), http.StatusUnauthorized, "invalid_token")
	}
	if n := h.stack.Env.Tables.RefreshTokens.Len(); n != 0 {
		t.Fatalf("%d refresh tokens left after revoking every family", n)
	}
}

// TestOAuthStateIsSingleUse replays a successful callback: the state it
// carries is used up.
func TestOAuthStateIsSingleUse(t *testing.T) {
	polar := providertest.Polar(t)
	h := startWithProviders(t, polar)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	r := h.do("GET", "/api/v1/oauth/polar/authorize?user_id="+user, keyHeader(key), nil)
	if r.status != http.StatusOK {
		t.Fatalf("authorize: %d %s", r.status, r.rawBody)
	}
	callback := polar.Consent(r.body["authorization_url"].(string))
	u, _ := url.Parse(callback)
	path := u.RequestURI()
	if r := h.do("GET", path, nil, nil); r.status != http.StatusOK || r.body["status"] != "success" {
		t.Fatalf("first callback: %d %s", r.status, r.rawBody)
	}
	r = h.do("GET", path, nil, nil)
	wantError(t, r, http.StatusBadRequest, "invalid_state")
	if !strings.Contains(r.body["error"].(map[string]any)["message"].(string), "already used") {
		t.Fatalf("replayed callback: %s", r.rawBody)
	}
}

// TestFreeTextFieldsHaveLimits: descriptions, names and URLs are bounded.
func TestFreeTextFieldsHaveLimits(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	long := strings.Repeat("x", maxDescriptionLen+1)
	wantError(t, h.do("POST", "/api/v1/webhooks/endpoints", keyHeader(key), jsonBody(`{"url":"https://example.com/h","description":%q}`, long)), 400, "invalid_field")
	r := h.do("POST", "/api/v1/webhooks/endpoints", keyHeader(key), []byte(`{"url":"https://example.com/h","description":"ok"}`))
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.rawBody)
	}
	path := "/api/v1/webhooks/endpoints/" + r.body["id"].(string)
	wantError(t, h.do("PATCH", path, keyHeader(key), jsonBody(`{"description":%q}`, long)), 400, "invalid_field")
	wantError(t, h.do("PATCH", path, keyHeader(key), jsonBody(`{"url":"https://example.com/%s"}`, strings.Repeat("a", maxURLLen))), 400, "invalid_field")
	wantError(t, h.do("POST", "/api/v1/applications", keyHeader(key), jsonBody(`{"name":%q}`, strings.Repeat("n", 256))), 400, "invalid_field")
	wantError(t, h.do("POST", "/api/v1/users", keyHeader(key), jsonBody(`{"first_name":%q}`, strings.Repeat("n", 256))), 400, "invalid_field")
	// A body past the management limit is refused whole.
	wantError(t, h.do("POST", "/api/v1/users", keyHeader(key), jsonBody(`{"first_name":%q}`, strings.Repeat("n", jsonBodyBytes))), 413, "payload_too_large")
}
