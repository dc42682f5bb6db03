package gateway

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/providertest"
)

// subscriptionsAnswer is GET …/webhooks/subscriptions.
type subscriptionsAnswer struct {
	Registration  registrationView      `json:"registration"`
	Subscriptions []ingest.Subscription `json:"subscriptions"`
	ListError     *string               `json:"list_error"`
}

func (h *harness) subscriptions(key, provider string) subscriptionsAnswer {
	h.t.Helper()
	r := h.do("GET", "/api/v1/providers/"+provider+"/webhooks/subscriptions", keyHeader(key), nil)
	var a subscriptionsAnswer
	if r.status != http.StatusOK || json.Unmarshal(r.rawBody, &a) != nil {
		h.t.Fatalf("subscriptions: %d %s", r.status, r.rawBody)
	}
	return a
}

// TestPolarWebhookRegisteredWhenSwitchedToWebhookMode: switching Polar to
// webhook mode records the switch and registers its webhook in the
// background; while Polar refuses, the failure shows in the subscriptions
// route and is retried; once Polar accepts, the signature secret it issued
// is stored encrypted and checks Polar's webhooks (no POLAR_WEBHOOK_SECRET
// is set); registering again changes nothing; the webhook can be moved
// and deleted through the routes.
func TestPolarWebhookRegisteredWhenSwitchedToWebhookMode(t *testing.T) {
	polar := providertest.Polar(t)
	settings := polar.Settings()
	delete(settings, "POLAR_WEBHOOK_SECRET")
	polar.Handle("POST", "/v3/webhooks", http.StatusBadRequest, []byte(`{"error":"the webhook url did not answer the ping"}`))
	h := startWithWorker(t, []jobs.Option{jobs.WithRegistrationRetry(10 * time.Millisecond)}, settings)
	key := h.tenantKey("acme")
	hook := polar.Fixture("polar", "polar_webhook.json", providertest.PolarHost)
	sign := func(secret string) map[string]string {
		return map[string]string{"Polar-Webhook-Signature": ingest.SignHMAC(secret, hook)}
	}
	wantError(t, h.do("POST", "/api/v1/providers/polar/webhooks", sign(providertest.PolarWebhookSecret), hook), http.StatusUnauthorized, "unauthorized")
	if a := h.subscriptions(key, "polar"); a.Registration.Status != "not_registered" || a.Registration.Wanted {
		t.Fatalf("before the switch: %+v", a)
	}

	if r := h.do("PUT", "/api/v1/oauth/providers/polar", keyHeader(key), []byte(`{"live_sync_mode":"webhook"}`)); r.status != http.StatusOK || r.body["live_sync_mode"] != "webhook" {
		t.Fatalf("switch: %d %s", r.status, r.rawBody)
	}
	var a subscriptionsAnswer
	eventually(t, "the refusal retried", func() bool {
		a = h.subscriptions(key, "polar")
		return a.Registration.Status == "failed" && a.Registration.Attempts >= 2
	})
	if a.Registration.Error == nil || !strings.Contains(*a.Registration.Error, "did not answer the ping") || !a.Registration.Wanted {
		t.Fatalf("the refusal is not visible: %+v", a.Registration)
	}
	if v, _ := providerIn(t, h.do("GET", "/api/v1/oauth/providers", keyHeader(key), nil), "polar"); v.LiveSyncMode != "webhook" {
		t.Fatal("the refused registration undid the mode switch")
	}

	providertest.AcceptPolarWebhooks(polar)
	eventually(t, "the registration", func() bool {
		a = h.subscriptions(key, "polar")
		return a.Registration.Status == "registered"
	})
	webhookURL := h.url + "/api/v1/providers/polar/webhooks"
	if !a.Registration.HasSecret || a.Registration.Attempts != 0 || len(a.Subscriptions) != 1 || a.Subscriptions[0].CallbackURL != webhookURL {
		t.Fatalf("registered: %+v", a)
	}
	if reg, _ := h.stack.Env.Tables.Registrations.Get("polar"); bytes.Contains(reg.SecretEnc, []byte(providertest.PolarWebhookSecret)) {
		t.Fatal("the webhook secret is stored in the clear")
	}
	if r := h.do("POST", "/api/v1/providers/polar/webhooks", sign(providertest.PolarWebhookSecret), hook); r.status != http.StatusOK {
		t.Fatalf("a webhook signed with the issued secret: %d %s", r.status, r.rawBody)
	}
	wantError(t, h.do("POST", "/api/v1/providers/polar/webhooks", sign(providertest.WebhookSecret), hook), http.StatusUnauthorized, "unauthorized")

	// Registering again keeps the one webhook.
	r := h.do("POST", "/api/v1/providers/polar/webhooks/subscriptions", keyHeader(key), nil)
	if r.status != http.StatusCreated || len(h.subscriptions(key, "polar").Subscriptions) != 1 {
		t.Fatalf("again: %d %s", r.status, r.rawBody)
	}
	id := a.Subscriptions[0].ID
	path := "/api/v1/providers/polar/webhooks/subscriptions/" + id
	if r := h.do("GET", path, keyHeader(key), nil); r.status != http.StatusOK || r.body["id"] != id {
		t.Fatalf("get: %d %s", r.status, r.rawBody)
	}
	wantError(t, h.do("PUT", path, keyHeader(key), []byte(`{"callback_url":"ftp://x"}`)), http.StatusBadRequest, "invalid_callback_url")
	if r := h.do("PUT", path, keyHeader(key), []byte(`{"callback_url":"https://wear.example.com/api/v1/providers/polar/webhooks"}`)); r.status != http.StatusOK || r.body["callback_url"] != "https://wear.example.com/api/v1/providers/polar/webhooks" {
		t.Fatalf("put: %d %s", r.status, r.rawBody)
	}
	if r := h.do("DELETE", path, keyHeader(key), nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.rawBody)
	}
	wantError(t, h.do("DELETE", path, keyHeader(key), nil), http.StatusNotFound, "not_found")
	wantError(t, h.do("GET", path, keyHeader(key), nil), http.StatusNotFound, "not_found")
	if got := h.subscriptions(key, "polar").Subscriptions; len(got) != 0 {
		t.Fatalf("after delete: %+v", got)
	}
	wantError(t, h.do("GET", "/api/v1/providers/nope/webhooks/subscriptions", keyHeader(key), nil), http.StatusNotFound, "not_found")
}

// TestOuraSubscriptionRoutes: Oura's subscriptions (one per data type and
// event) are listed, renewed, moved and deleted through the routes against
// the fake's API; a provider without a registration API is refused.
func TestOuraSubscriptionRoutes(t *testing.T) {
	oura := providertest.Oura(t)
	garmin := providertest.Garmin(t)
	h := startWithSettings(t, oura.Settings(), garmin.Settings())
	key := h.tenantKey("acme")
	wantError(t, h.do("GET", "/api/v1/providers/garmin/webhooks/subscriptions", keyHeader(key), nil), http.StatusBadRequest, "no_registration_api")

	// The worker subscribes at start (Oura's Maintain); registering again
	// by hand changes nothing.
	eventually(t, "the worker's subscriptions", func() bool { return len(oura.Subscriptions()) == 15 })
	r := h.do("POST", "/api/v1/providers/oura/webhooks/subscriptions", keyHeader(key), nil)
	if r.status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.status, r.rawBody)
	}
	a := h.subscriptions(key, "oura")
	if len(a.Subscriptions) != 15 || a.Registration.Status != "registered" || len(oura.Subscriptions()) != 15 {
		t.Fatalf("oura subscriptions: %d listed, %d held, %+v", len(a.Subscriptions), len(oura.Subscriptions()), a.Registration)
	}
	if r := h.do("POST", "/api/v1/providers/oura/webhooks/subscriptions/renew", keyHeader(key), nil); r.status != http.StatusOK {
		t.Fatalf("renew: %d %s", r.status, r.rawBody)
	}
	for _, s := range oura.Subscriptions() {
		if s.Renewed == 0 {
			t.Fatalf("not renewed: %+v", s)
		}
	}
	id := a.Subscriptions[0].ID
	path := "/api/v1/providers/oura/webhooks/subscriptions/" + id
	if r := h.do("PUT", path, keyHeader(key), []byte(`{"callback_url":"https://wear.example.com/api/v1/oura/webhooks"}`)); r.status != http.StatusOK || r.body["callback_url"] != "https://wear.example.com/api/v1/oura/webhooks" {
		t.Fatalf("put: %d %s", r.status, r.rawBody)
	}
	if r := h.do("DELETE", path, keyHeader(key), nil); r.status != http.StatusNoContent || len(oura.Subscriptions()) != 14 {
		t.Fatalf("delete: %d %s", r.status, r.rawBody)
	}
	wantError(t, h.do("PUT", path, keyHeader(key), []byte(`{"callback_url":"https://x.example/"}`)), http.StatusNotFound, "not_found")
}

// TestStravaSubscriptionWhenSwitchedToWebhookMode: Strava's one push
// subscription is created in the background once a tenant switches Strava
// to webhook mode, after Strava's handshake reached the gateway; it cannot
// be moved, only deleted.
func TestStravaSubscriptionWhenSwitchedToWebhookMode(t *testing.T) {
	strava := providertest.Strava(t)
	settings := strava.Settings()
	settings["STRAVA_WEBHOOK_VERIFY_TOKEN"] = "strava-verify"
	h := startWithWorker(t, []jobs.Option{jobs.WithRegistrationRetry(10 * time.Millisecond)}, settings)
	key := h.tenantKey("acme")
	if r := h.do("PUT", "/api/v1/oauth/providers/strava", keyHeader(key), []byte(`{"live_sync_mode":"webhook"}`)); r.status != http.StatusOK {
		t.Fatalf("switch: %d %s", r.status, r.rawBody)
	}
	var a subscriptionsAnswer
	eventually(t, "the strava subscription", func() bool {
		a = h.subscriptions(key, "strava")
		return a.Registration.Status == "registered"
	})
	if len(a.Subscriptions) != 1 || a.Subscriptions[0].CallbackURL != h.url+"/api/v1/providers/strava/webhooks" {
		t.Fatalf("subscriptions = %+v", a)
	}
	path := "/api/v1/providers/strava/webhooks/subscriptions/" + a.Subscriptions[0].ID
	wantError(t, h.do("PUT", path, keyHeader(key), []byte(`{"callback_url":"https://x.example/hook"}`)), http.StatusBadRequest, "not_supported")
	if r := h.do("DELETE", path, keyHeader(key), nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.rawBody)
	}
	if got := h.subscriptions(key, "strava").Subscriptions; len(got) != 0 {
		t.Fatalf("after delete: %+v", got)
	}
}
