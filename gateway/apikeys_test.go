package gateway

import (
	"net/http"
	"testing"
)

// TestAPIKeys creates a read key through the API (shown once), lists it
// without its secret, revokes it so that it stops working, and keeps
// tenants apart: another tenant's key cannot be revoked, and an unknown
// role is refused.
func TestAPIKeys(t *testing.T) {
	h := start(t, nil)
	admin, other := h.tenantKey("acme"), h.tenantKey("globex")
	r := h.do("POST", "/api/v1/api-keys", keyHeader(admin), []byte(`{"name":"dashboard","role":"read"}`))
	if r.status != http.StatusCreated || r.body["role"] != "read" || r.body["key"] == nil {
		t.Fatalf("create: %d %s", r.status, r.rawBody)
	}
	key, id := r.body["key"].(string), r.body["id"].(string)
	if me := h.do("GET", "/api/v1/me", keyHeader(key), nil); me.status != http.StatusOK || me.body["role"] != "read" || me.body["tenant"] != "acme" {
		t.Fatalf("the new key: %d %s", me.status, me.rawBody)
	}
	wantError(t, h.do("POST", "/api/v1/api-keys", keyHeader(key), []byte(`{"role":"admin"}`)), http.StatusForbidden, "insufficient_role")
	wantError(t, h.do("POST", "/api/v1/api-keys", keyHeader(admin), []byte(`{"role":"root"}`)), http.StatusBadRequest, "invalid_field")

	list := h.do("GET", "/api/v1/api-keys", keyHeader(admin), nil)
	found := false
	for _, k := range list.body["data"].([]any) {
		k := k.(map[string]any)
		if _, leaked := k["key"]; leaked {
			t.Fatalf("the list shows a key: %s", list.rawBody)
		}
		found = found || k["id"] == id
	}
	if !found {
		t.Fatalf("the list lacks %s: %s", id, list.rawBody)
	}
	if l := h.do("GET", "/api/v1/api-keys", keyHeader(other), nil); len(l.body["data"].([]any)) != 1 {
		t.Fatalf("globex sees acme's keys: %s", l.rawBody)
	}

	wantError(t, h.do("DELETE", "/api/v1/api-keys/"+id, keyHeader(other), nil), http.StatusNotFound, "not_found")
	if d := h.do("DELETE", "/api/v1/api-keys/"+id, keyHeader(admin), nil); d.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", d.status, d.rawBody)
	}
	wantError(t, h.do("GET", "/api/v1/me", keyHeader(key), nil), http.StatusUnauthorized, "unauthorized")
	wantError(t, h.do("DELETE", "/api/v1/api-keys/"+id, keyHeader(admin), nil), http.StatusNotFound, "not_found")
}
