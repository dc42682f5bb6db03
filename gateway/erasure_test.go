package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// PATCH changes only the fields it names and checks them as create does;
// DELETE of another tenant's or an unknown user is 404 and changes
// nothing, a repeat of an erasure is 202, and an erased user is 404 on the
// user routes and gone from the list.
func TestPatchAndEraseUsers(t *testing.T) {
	h := start(t, nil)
	acme, other := h.tenantKey("acme"), h.tenantKey("other")
	jane := h.createUser(acme, `{"email":"jane@example.com","first_name":"Jane","external_user_id":"j1"}`)
	h.createUser(acme, `{"external_user_id":"j2"}`)
	theirs := h.createUser(other, `{"email":"x@example.com"}`)

	r := h.do("PATCH", "/api/v1/users/"+jane, keyHeader(acme), []byte(`{"last_name":"Doe","first_name":null}`))
	if r.status != http.StatusOK || r.body["last_name"] != "Doe" || r.body["first_name"] != nil || r.body["email"] != "jane@example.com" {
		t.Fatalf("patch: %d %s", r.status, r.rawBody)
	}
	f := func(body, field string, status int) {
		t.Helper()
		r := h.do("PATCH", "/api/v1/users/"+jane, keyHeader(acme), []byte(body))
		code := map[int]string{400: "invalid_field", 409: "conflict"}[status]
		wantError(t, r, status, code)
		if msg := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, field+":") {
			t.Fatalf("PATCH %s: message %q does not name %s", body, msg, field)
		}
	}
	f(`{"email":"not an address"}`, "email", 400)
	f(`{"first_name":"`+strings.Repeat("x", 256)+`"}`, "first_name", 400)
	f(`{"last_name":42}`, "last_name", 400)
	f(`{"nickname":"j"}`, "nickname", 400)
	f(`{"external_user_id":"j2"}`, "external_user_id", 409)
	wantError(t, h.do("PATCH", "/api/v1/users/"+theirs, keyHeader(acme), []byte(`{"last_name":"X"}`)), 404, "not_found")

	wantError(t, h.do("DELETE", "/api/v1/users/"+theirs, keyHeader(acme), nil), 404, "not_found")
	wantError(t, h.do("DELETE", "/api/v1/users/"+uuid.NewString(), keyHeader(acme), nil), 404, "not_found")
	if r := h.do("GET", "/api/v1/users/"+theirs, keyHeader(other), nil); r.status != http.StatusOK {
		t.Fatalf("the other tenant's user after a refused erasure: %d", r.status)
	}
	for range 2 {
		if r := h.do("DELETE", "/api/v1/users/"+jane, keyHeader(acme), nil); r.status != http.StatusAccepted || r.body["user_id"] != jane {
			t.Fatalf("erase: %d %s", r.status, r.rawBody)
		}
	}
	wantError(t, h.do("DELETE", "/api/v1/users/"+jane, keyHeader(other), nil), 404, "not_found")
	wantError(t, h.do("GET", "/api/v1/users/"+jane, keyHeader(acme), nil), 404, "not_found")
	wantError(t, h.do("PATCH", "/api/v1/users/"+jane, keyHeader(acme), []byte(`{}`)), 404, "not_found")
	wantError(t, h.do("DELETE", "/api/v1/users/"+jane+"/connections/garmin/data", keyHeader(acme), nil), 404, "not_found")
	if r := h.do("GET", "/api/v1/users", keyHeader(acme), nil); r.body["total"].(float64) != 1 {
		t.Fatalf("users after the erasure: %s", r.rawBody)
	}
}
