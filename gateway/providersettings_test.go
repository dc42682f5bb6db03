package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/providertest"
)

// providerIn returns provider name of a GET /oauth/providers answer.
func providerIn(t *testing.T, r response, name string) (providerView, bool) {
	t.Helper()
	var list []providerView
	if err := json.Unmarshal(r.rawBody, &list); err != nil {
		t.Fatalf("providers: %d %s", r.status, r.rawBody)
	}
	for _, v := range list {
		if v.Name == name {
			return v, true
		}
	}
	return providerView{}, false
}

// TestProviderSettingsPerTenant: a tenant's PUTs change what GET
// /oauth/providers shows to its keys only; a disabled provider is refused
// for connection and its webhooks are answered and dropped for the tenant;
// modes a provider cannot run in are refused naming why.
func TestProviderSettingsPerTenant(t *testing.T) {
	polar := providertest.Polar(t)
	h := startWithProviders(t, polar)
	key := h.tenantKey("acme")
	other := h.tenantKey("globex")
	user := h.createUser(key, `{}`)
	h.connect(key, "polar", user, polar)
	h.runDone(key, user, "backfill", 1)

	v, ok := providerIn(t, h.do("GET", "/api/v1/oauth/providers", nil, nil), "polar")
	if !ok || !v.IsEnabled || v.LiveSyncMode != "pull" || !v.LiveSyncConfigurable || v.IconURL != h.url+"/static/provider-icons/polar.svg" {
		t.Fatalf("polar by default = %+v", v)
	}
	if g, _ := providerIn(t, h.do("GET", "/api/v1/oauth/providers", nil, nil), "garmin"); g.LiveSyncConfigurable || g.LiveSyncMode != "webhook" {
		t.Fatalf("garmin = %+v", g)
	}

	put := func(provider, body string) response {
		return h.do("PUT", "/api/v1/oauth/providers/"+provider, keyHeader(key), []byte(body))
	}
	wantError(t, put("nope", `{"is_enabled":false}`), http.StatusNotFound, "not_found")
	wantError(t, put("garmin", `{"live_sync_mode":"pull"}`), http.StatusBadRequest, "unsupported_live_sync_mode")
	wantError(t, put("apple", `{"live_sync_mode":"webhook"}`), http.StatusBadRequest, "unsupported_live_sync_mode")
	wantError(t, put("polar", `{"live_sync_mode":"push"}`), http.StatusBadRequest, "invalid_live_sync_mode")
	wantError(t, put("polar", `{"data_granularity":"hourly"}`), http.StatusBadRequest, "unsupported_data_granularity")
	if r := put("garmin", `{"live_sync_mode":"pull"}`); !bytes.Contains(r.rawBody, []byte("garmin is not polled")) {
		t.Fatalf("the refusal does not say why: %s", r.rawBody)
	}

	r := put("polar", `{"is_enabled":false,"live_sync_mode":"webhook"}`)
	if r.status != http.StatusOK || r.body["is_enabled"] != false || r.body["live_sync_mode"] != "webhook" {
		t.Fatalf("put: %d %s", r.status, r.rawBody)
	}
	mine := h.do("GET", "/api/v1/oauth/providers", keyHeader(key), nil)
	if v, _ := providerIn(t, mine, "polar"); v.IsEnabled || v.LiveSyncMode != "webhook" {
		t.Fatalf("acme sees polar as %+v", v)
	}
	if _, ok := providerIn(t, h.do("GET", "/api/v1/oauth/providers?enabled_only=true", keyHeader(key), nil), "polar"); ok {
		t.Fatal("enabled_only lists a disabled provider")
	}
	if v, _ := providerIn(t, h.do("GET", "/api/v1/oauth/providers?enabled_only=true", keyHeader(other), nil), "polar"); !v.IsEnabled || v.LiveSyncMode != "pull" {
		t.Fatalf("another tenant sees polar as %+v", v)
	}
	wantError(t, h.do("GET", "/api/v1/oauth/providers", keyHeader("sk-not-a-key"), nil), http.StatusUnauthorized, "unauthorized")

	// Disabled: not offered for connection, webhooks dropped for the tenant.
	wantError(t, h.do("GET", "/api/v1/oauth/polar/authorize?user_id="+user, keyHeader(key), nil), http.StatusBadRequest, "provider_disabled")
	hook := polar.Fixture("polar", "polar_webhook.json", providertest.PolarHost)
	r = h.do("POST", "/api/v1/providers/polar/webhooks", map[string]string{"Polar-Webhook-Signature": ingest.SignHMAC(providertest.WebhookSecret, hook)}, hook)
	if r.status != http.StatusOK || r.body["accepted"] != float64(0) || r.body["disabled"] != float64(1) {
		t.Fatalf("webhook while disabled: %d %s", r.status, r.rawBody)
	}

	// The bulk form checks every name before saving any.
	wantError(t, h.do("PUT", "/api/v1/oauth/providers", keyHeader(key), []byte(`{"providers":{"polar":true,"nope":true}}`)), http.StatusNotFound, "not_found")
	if v, _ := providerIn(t, h.do("GET", "/api/v1/oauth/providers", keyHeader(key), nil), "polar"); v.IsEnabled {
		t.Fatal("a refused bulk update enabled polar")
	}
	r = h.do("PUT", "/api/v1/oauth/providers", keyHeader(key), []byte(`{"providers":{"polar":true}}`))
	if v, _ := providerIn(t, r, "polar"); r.status != http.StatusOK || !v.IsEnabled || v.LiveSyncMode != "webhook" {
		t.Fatalf("bulk: %d %s", r.status, r.rawBody)
	}
	r = h.do("POST", "/api/v1/providers/polar/webhooks", map[string]string{"Polar-Webhook-Signature": ingest.SignHMAC(providertest.WebhookSecret, hook)}, hook)
	if r.status != http.StatusOK || r.body["accepted"] != float64(1) {
		t.Fatalf("webhook once enabled again: %d %s", r.status, r.rawBody)
	}
	if r := h.do("GET", "/api/v1/users/"+user+"/connections", keyHeader(key), nil); !bytes.Contains(r.rawBody, []byte(`"live_sync_mode":"webhook","icon_url":"`+h.url+`/static/provider-icons/polar.svg"`)) {
		t.Fatalf("connections do not show the tenant's mode: %s", r.rawBody)
	}
	// The accepted webhook is a run of its user (the dropped one is not).
	if runs := h.runDone(key, user, "webhook", 1); len(runs) != 1 || runs[0]["provider"] != "polar" || runs[0]["items_processed"] != float64(1) {
		t.Fatalf("webhook runs = %v", runs)
	}
}
