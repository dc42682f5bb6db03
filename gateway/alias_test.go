package gateway

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	_ "github.com/wearstream/wearstream/ingest/oura"
	"github.com/wearstream/wearstream/ingest/providertest"
	_ "github.com/wearstream/wearstream/ingest/strava"
)

// TestOpenWearablesPaths: the paths Open Wearables' installs registered in
// the providers' portals reach the unified receiver of their provider,
// checks included; the health checks, the OAuth result pages and the
// provider icons answer.
func TestOpenWearablesPaths(t *testing.T) {
	garmin := providertest.Garmin(t)
	oura := providertest.Oura(t)
	strava := providertest.Strava(t).Settings()
	strava["STRAVA_WEBHOOK_VERIFY_TOKEN"] = "strava-verify"
	h := startWithSettings(t, garmin.Settings(), oura.Settings(), strava)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	h.connect(key, "garmin", user, garmin)

	push := garmin.Fixture("garmin", "garmin_push_dailies.json", "")
	for _, path := range []string{"/api/v1/garmin/webhooks/push", "/api/v1/garmin/webhooks/ping"} {
		wantError(t, h.do("POST", path, map[string]string{"garmin-client-id": "someone-else"}, push), http.StatusUnauthorized, "unauthorized")
		if r := h.do("POST", path, map[string]string{"garmin-client-id": garmin.ClientID}, push); r.status != http.StatusOK || r.body["accepted"] != float64(1) {
			t.Fatalf("%s: %d %s", path, r.status, r.rawBody)
		}
	}
	if raws := h.consumeRaw("garmin", 2); raws[1].UserID != user || raws[1].Kind != "webhook" {
		t.Fatalf("raw event = %+v", raws[1])
	}

	r := h.do("GET", "/api/v1/oura/webhooks?verification_token="+providertest.OuraVerificationToken+"&challenge=c-1", nil, nil)
	if r.status != http.StatusOK || r.body["challenge"] != "c-1" {
		t.Fatalf("oura challenge: %d %s", r.status, r.rawBody)
	}
	wantError(t, h.do("GET", "/api/v1/oura/webhooks?verification_token=wrong&challenge=c-1", nil, nil), http.StatusUnauthorized, "unauthorized")
	wantError(t, h.do("POST", "/api/v1/oura/webhooks", nil, []byte(`{"event_type":"create"}`)), http.StatusUnauthorized, "unauthorized")

	for _, path := range []string{"/api/v1/strava/webhook", "/api/v1/strava/webhooks"} {
		r := h.do("GET", path+"?hub.mode=subscribe&hub.challenge=s-1&hub.verify_token=strava-verify", nil, nil)
		if r.status != http.StatusOK || r.body["hub.challenge"] != "s-1" {
			t.Fatalf("%s challenge: %d %s", path, r.status, r.rawBody)
		}
		event := []byte(`{"aspect_type":"create","object_id":1,"object_type":"activity","owner_id":99,"subscription_id":1,"event_time":1700000000,"updates":{}}`)
		if r := h.do("POST", path, nil, event); r.status != http.StatusOK || r.body["unknown_users"] != float64(1) {
			t.Fatalf("%s event: %d %s", path, r.status, r.rawBody)
		}
	}

	for _, c := range []struct{ path, provider string }{
		{"/api/v1/oura/webhooks/health", "oura"}, {"/api/v1/strava/webhooks/health", "strava"}, {"/api/v1/strava/webhook/health", "strava"},
	} {
		r := h.do("GET", c.path, nil, nil)
		if r.status != http.StatusOK || r.body["status"] != "ok" || r.body["provider"] != c.provider || r.body["configured"] != true {
			t.Fatalf("%s: %d %s", c.path, r.status, r.rawBody)
		}
	}

	if r := h.do("GET", "/api/v1/oauth/success?provider=garmin&user_id="+user, nil, nil); r.status != http.StatusOK || r.body["status"] != "success" || r.body["user_id"] != user {
		t.Fatalf("success page: %d %s", r.status, r.rawBody)
	}
	if r := h.do("GET", "/api/v1/oauth/error?provider=garmin&error=access_denied", nil, nil); r.status != http.StatusBadRequest || r.body["status"] != "error" || r.body["error"] != "access_denied" {
		t.Fatalf("error page: %d %s", r.status, r.rawBody)
	}

	// Every provider users connect or upload from has an icon.
	for _, p := range ingest.All() {
		if !listed(p) {
			continue
		}
		r := h.do("GET", iconPath(p.Name), nil, nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/svg+xml" || !bytes.HasPrefix(r.rawBody, []byte("<svg ")) {
			t.Errorf("icon of %s: %d %s %.40s", p.Name, r.status, r.header.Get("Content-Type"), r.rawBody)
		}
	}
	for _, bad := range []string{"nope.svg", "polar.png", "..%2Fgateway.svg"} {
		if r := h.do("GET", "/static/provider-icons/"+bad, nil, nil); r.status != http.StatusNotFound || strings.Contains(string(r.rawBody), "<svg") {
			t.Errorf("icon %s: %d", bad, r.status)
		}
	}
}
