package gateway

import (
	"net/http"
	"strings"
	"testing"
)

// A retention setting is per tenant, kept for ever by default, and a value
// out of range is a 400 naming the field.
func TestRetentionSettings(t *testing.T) {
	h := start(t, nil)
	acme, other := h.tenantKey("acme"), h.tenantKey("other")
	if r := h.do("GET", "/api/v1/settings/retention", keyHeader(acme), nil); r.status != http.StatusOK || r.body["raw_samples_days"] != nil {
		t.Fatalf("default: %d %s", r.status, r.rawBody)
	}
	if r := h.do("PUT", "/api/v1/settings/retention", keyHeader(acme), []byte(`{"raw_samples_days":90}`)); r.status != http.StatusOK || r.body["raw_samples_days"] != float64(90) {
		t.Fatalf("put: %d %s", r.status, r.rawBody)
	}
	if r := h.do("GET", "/api/v1/settings/retention", keyHeader(acme), nil); r.body["raw_samples_days"] != float64(90) {
		t.Fatalf("after put: %s", r.rawBody)
	}
	if r := h.do("GET", "/api/v1/settings/retention", keyHeader(other), nil); r.body["raw_samples_days"] != nil {
		t.Fatalf("another tenant sees %s", r.rawBody)
	}
	for _, body := range []string{`{"raw_samples_days":0}`, `{"raw_samples_days":36501}`, `{"raw_samples_days":-1}`, `{"raw_samples_days":1.5}`, `{"raw_samples_days":"90"}`, `{"rollup_days":3}`} {
		r := h.do("PUT", "/api/v1/settings/retention", keyHeader(acme), []byte(body))
		wantError(t, r, http.StatusBadRequest, "invalid_field")
		field := strings.Split(strings.Trim(body, "{}"), ":")[0]
		if msg := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, strings.Trim(field, `"`)+":") {
			t.Fatalf("PUT %s: message %q does not name the field", body, msg)
		}
	}
	if r := h.do("PUT", "/api/v1/settings/retention", keyHeader(acme), []byte(`{"raw_samples_days":null}`)); r.status != http.StatusOK || r.body["raw_samples_days"] != nil {
		t.Fatalf("back to for ever: %d %s", r.status, r.rawBody)
	}
}
