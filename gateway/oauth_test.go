package gateway

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	_ "github.com/wearstream/wearstream/ingest/garmin"
	"github.com/wearstream/wearstream/ingest/jobs"
	_ "github.com/wearstream/wearstream/ingest/polar"
	"github.com/wearstream/wearstream/ingest/providertest"
	_ "github.com/wearstream/wearstream/ingest/suunto"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// startWithProviders starts the gateway and an ingest worker with the fake
// providers configured; the gateway's public URL is its own address.
func startWithProviders(t *testing.T, fakes ...*providertest.Server) *harness {
	t.Helper()
	settings := make([]map[string]string, len(fakes))
	for i, f := range fakes {
		settings[i] = f.Settings()
	}
	return startWithSettings(t, settings...)
}

// startWithSettings is startWithProviders with the variables of each fake
// (or any others) given as they are.
func startWithSettings(t *testing.T, settings ...map[string]string) *harness {
	t.Helper()
	return startWithWorker(t, nil, settings...)
}

// startWithWorker is startWithSettings with options of the ingest worker.
func startWithWorker(t *testing.T, opts []jobs.Option, settings ...map[string]string) *harness {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	extra := map[string]string{"WEARSTREAM_PUBLIC_URL": "http://" + ln.Addr().String(), "WEARSTREAM_POLL_INTERVAL": "1h"}
	for _, m := range settings {
		for k, v := range m {
			extra[k] = v
		}
	}
	st := testenv.Start(t, extra)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() { _ = New(st.Env).Serve(ctx, ln); done <- struct{}{} }()
	opts = append([]jobs.Option{jobs.WithTick(50 * time.Millisecond)}, opts...)
	go func() { _ = jobs.NewWorker(st.Env, opts...).Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
	return &harness{t: t, stack: st, url: "http://" + ln.Addr().String()}
}

// eventually waits for cond, failing the test after 30 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// connect runs the OAuth flow for userID and returns the redirect target.
func (h *harness) connect(key, provider, userID string, fake *providertest.Server) *url.URL {
	h.t.Helper()
	r := h.do("GET", "/api/v1/oauth/"+provider+"/authorize?user_id="+userID+"&redirect_uri="+url.QueryEscape("https://app.example/done"), keyHeader(key), nil)
	if r.status != http.StatusOK {
		h.t.Fatalf("authorize: %d %s", r.status, r.rawBody)
	}
	authURL, _ := r.body["authorization_url"].(string)
	if !strings.HasPrefix(authURL, fake.URL+"/oauth/authorize?") || r.body["state"] == "" {
		h.t.Fatalf("authorize answered %s", r.rawBody)
	}
	callback := fake.Consent(authURL)
	if !strings.HasPrefix(callback, h.url+"/api/v1/oauth/"+provider+"/callback?") {
		h.t.Fatalf("provider redirected to %s", callback)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(callback)
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("callback answered %d", res.StatusCode)
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	if loc.Host != "app.example" || loc.Query().Get("status") != "success" {
		h.t.Fatalf("callback redirected to %s", loc)
	}
	return loc
}

func (h *harness) connection(tenant, userID, provider string) schemas.Connection {
	c, _ := h.stack.Env.Tables.Connections.Get(schemas.ConnectionKey(tenant, userID, provider))
	return c
}

// runDone waits until the user's runs of source all ended, and returns them.
func (h *harness) runDone(key, userID, source string, n int) []map[string]any {
	h.t.Helper()
	var out []map[string]any
	eventually(h.t, source+" runs", func() bool {
		out = out[:0]
		for _, r := range h.runs(key, userID) {
			if r["source"] == source && r["status"] != "in_progress" {
				out = append(out, r)
			}
		}
		return len(out) >= n
	})
	return out
}

func findLifecycle(evs []schemas.Lifecycle, typ string) (schemas.Lifecycle, bool) {
	for _, e := range evs {
		if e.Type == typ {
			return e, true
		}
	}
	return schemas.Lifecycle{}, false
}

func TestProvidersList(t *testing.T) {
	polar := providertest.Polar(t)
	h := startWithProviders(t, polar)
	r := h.do("GET", "/api/v1/oauth/providers", nil, nil)
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.rawBody)
	}
	for _, want := range []string{`"name":"polar","display_name":"Polar","has_cloud_api":true,"is_configured":true,"is_enabled":true`, `"live_sync_mode":"pull","live_sync_configurable":true`,
		`"name":"garmin","display_name":"Garmin","has_cloud_api":true,"is_configured":false`, `"live_sync_mode":"webhook","live_sync_configurable":false`,
		`"rest_pull":true,"webhook_stream":false,"webhook_ping":true`,
		// The mobile SDKs need no credentials; Apple Health exports are files.
		`"name":"apple","display_name":"Apple Health","has_cloud_api":false,"is_configured":true`,
		`"client_sdk":true,"file_import":true}`} {
		if !bytes.Contains(r.rawBody, []byte(want)) {
			t.Errorf("providers lack %s: %s", want, r.rawBody)
		}
	}
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	wantError(t, h.do("GET", "/api/v1/oauth/garmin/authorize?user_id="+user, keyHeader(key), nil), http.StatusServiceUnavailable, "provider_not_configured")
	wantError(t, h.do("GET", "/api/v1/oauth/polar/authorize?user_id="+user, nil, nil), http.StatusUnauthorized, "unauthorized")
	wantError(t, h.do("GET", "/api/v1/oauth/polar/authorize?user_id="+user, keyHeader(h.tenantKey("globex")), nil), http.StatusNotFound, "not_found")
	wantError(t, h.do("GET", "/api/v1/oauth/nope/authorize?user_id="+user, keyHeader(key), nil), http.StatusNotFound, "not_found")
	wantError(t, h.do("GET", "/api/v1/oauth/polar/authorize?user_id="+user+"&redirect_uri=javascript:x", keyHeader(key), nil), http.StatusBadRequest, "invalid_redirect_uri")
	wantError(t, h.do("GET", "/api/v1/oauth/polar/callback?code=x&state=forged.state", nil, nil), http.StatusBadRequest, "invalid_state")
}

func TestPolarConnectBackfillWebhookSyncDisconnect(t *testing.T) {
	polar := providertest.Polar(t)
	h := startWithProviders(t, polar)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	h.connect(key, "polar", user, polar)

	c := h.connection("acme", user, "polar")
	if c.Status != schemas.ConnectionActive || c.ProviderUserID != "475" || bytes.Contains(c.AccessTokenEnc, []byte("access-1")) {
		t.Fatalf("connection = %+v", c)
	}
	if tok, err := jobs.OpenToken(h.stack.Env, c); err != nil || tok.AccessToken != "access-1" {
		t.Fatalf("token = %v, %v", tok, err)
	}
	if n := len(polar.Requests("/v3/users")); n != 1 {
		t.Fatalf("user registrations = %d", n)
	}
	r := h.do("GET", "/api/v1/users/"+user+"/connections", keyHeader(key), nil)
	if r.status != http.StatusOK || !bytes.Contains(r.rawBody, []byte(`"provider":"polar","provider_user_id":"475","status":"active"`)) || bytes.Contains(r.rawBody, []byte("access-1")) {
		t.Fatalf("connections: %d %s", r.status, r.rawBody)
	}

	// The backfill fetches every list, in windows, as one run.
	runs := h.runDone(key, user, "backfill", 1)
	if runs[0]["status"] != "success" || runs[0]["items_processed"].(float64) < 7 {
		t.Fatalf("backfill run = %v", runs[0])
	}
	if len(polar.Requests("/v3/users/activities")) < 4 || polar.Requests("/v3/exercises")[0].Query.Get("samples") != "true" {
		t.Fatalf("backfill requests = %v", polar.Requests(""))
	}
	raws := h.consumeRaw("polar", 7)
	if raws[0].Kind != "backfill" || raws[0].UserID != user || raws[0].ProviderUserID != "475" {
		t.Fatalf("raw event = %+v", raws[0])
	}

	// A notification must be signed; a signed one becomes a fetch.
	hook := polar.Fixture("polar", "polar_webhook.json", providertest.PolarHost)
	wantError(t, h.do("POST", "/api/v1/providers/polar/webhooks", map[string]string{"Polar-Webhook-Signature": ingest.SignHMAC("wrong", hook)}, hook), http.StatusUnauthorized, "unauthorized")
	wantError(t, h.do("POST", "/api/v1/providers/polar/webhooks", nil, hook), http.StatusUnauthorized, "unauthorized")
	if r := h.do("POST", "/api/v1/providers/polar/webhooks", nil, []byte(`{"event":"PING","timestamp":"2026-01-14T06:51:02Z"}`)); r.status != http.StatusOK {
		t.Fatalf("PING: %d %s", r.status, r.rawBody)
	}
	r = h.do("POST", "/api/v1/providers/polar/webhooks", map[string]string{"Polar-Webhook-Signature": ingest.SignHMAC(providertest.WebhookSecret, hook)}, hook)
	if r.status != http.StatusOK || r.body["accepted"] != float64(1) {
		t.Fatalf("webhook: %d %s", r.status, r.rawBody)
	}
	eventually(t, "the exercise fetch", func() bool { return len(polar.Requests("/v3/exercises/aQlC83")) == 1 })

	// Sync now polls from the cursor.
	r = h.do("POST", "/api/v1/providers/polar/users/"+user+"/sync", keyHeader(key), nil)
	if r.status != http.StatusAccepted || r.body["run_id"] == "" {
		t.Fatalf("sync: %d %s", r.status, r.rawBody)
	}
	if runs := h.runDone(key, user, "pull", 1); runs[0]["status"] != "success" {
		t.Fatalf("pull run = %v", runs[0])
	}

	// Disconnecting deregisters at Polar and revokes.
	if r := h.do("DELETE", "/api/v1/users/"+user+"/connections/polar", keyHeader(key), nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.rawBody)
	}
	if len(polar.Requests(fmt.Sprintf("/v3/users/%d", providertest.PolarUserID))) != 1 {
		t.Fatal("no deregistration at polar")
	}
	if c := h.connection("acme", user, "polar"); c.Status != schemas.ConnectionRevoked || c.Reason != jobs.ReasonUserDisconnected || len(c.AccessTokenEnc) != 0 {
		t.Fatalf("after delete: %+v", c)
	}
	wantError(t, h.do("DELETE", "/api/v1/users/"+user+"/connections/polar", keyHeader(key), nil), http.StatusNotFound, "not_found")
	evs := h.lifecycle(6) // created, backfill and pull started and completed, revoked
	if e, ok := findLifecycle(evs, schemas.EventConnectionCreated); !ok || e.ConnectionID != c.ID || e.Provider != "polar" {
		t.Fatalf("connection.created = %+v", e)
	}
	h.waitLifecycle(func(evs []schemas.Lifecycle) bool {
		e, ok := findLifecycle(evs, schemas.EventConnectionRevoked)
		return ok && e.Reason == jobs.ReasonUserDisconnected
	})
}

// waitLifecycle reads the lifecycle topic until cond holds.
func (h *harness) waitLifecycle(cond func([]schemas.Lifecycle) bool) {
	h.t.Helper()
	for n := 1; ; n++ {
		if cond(h.lifecycle(n)) {
			return
		}
	}
}

func TestGarminConnectPushPingDeregistration(t *testing.T) {
	garmin := providertest.Garmin(t)
	h := startWithProviders(t, garmin)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	h.connect(key, "garmin", user, garmin)
	c := h.connection("acme", user, "garmin")
	if c.ProviderUserID != "garmin_user_123" || len(c.Scopes) != 3 || len(c.RefreshTokenEnc) == 0 {
		t.Fatalf("connection = %+v", c)
	}
	// History is requested with the backfill API: 14 types, one 30-day
	// window; the run waits for the pushes (backfill_test.go).
	h.backfillWhen(key, user, func(b backfillView) bool { return b.Summary["triggered"] == 14 })
	if len(garmin.Requests("/wellness-api/rest/backfill/sleeps")) != 1 {
		t.Fatalf("backfill requests %v", garmin.Requests(""))
	}
	q := garmin.Requests("/wellness-api/rest/backfill/dailies")[0].Query
	if q.Get("summaryStartTimeInSeconds") == "" || q.Get("summaryEndTimeInSeconds") == "" {
		t.Fatalf("backfill query = %v", q)
	}

	// Pushes must name our client id.
	push := garmin.Fixture("garmin", "garmin_push_dailies.json", "")
	wantError(t, h.do("POST", "/api/v1/providers/garmin/webhooks", map[string]string{"garmin-client-id": "someone-else"}, push), http.StatusUnauthorized, "unauthorized")
	r := h.do("POST", "/api/v1/providers/garmin/webhooks", map[string]string{"garmin-client-id": garmin.ClientID}, push)
	if r.status != http.StatusOK || r.body["accepted"] != float64(1) || r.body["unknown_users"] != float64(1) {
		t.Fatalf("push: %d %s", r.status, r.rawBody)
	}
	raws := h.consumeRaw("garmin", 1)
	if raws[0].Kind != "webhook" || raws[0].UserID != user || bytes.Contains(raws[0].Body, []byte("garmin_user_456")) {
		t.Fatalf("push raw event = %+v", raws[0])
	}
	// A ping becomes fetches of its callback URLs, with the user's token.
	ping := garmin.Fixture("garmin", "garmin_ping.json", providertest.GarminHost)
	if r := h.do("POST", "/api/v1/providers/garmin/webhooks", map[string]string{"garmin-client-id": garmin.ClientID}, ping); r.status != http.StatusOK || r.body["accepted"] != float64(2) {
		t.Fatalf("ping: %d %s", r.status, r.rawBody)
	}
	raws = h.consumeRaw("garmin", 3)
	if raws[1].Kind != "poll" || !bytes.HasPrefix(raws[1].Body, []byte(`{"dailies":[`)) && !bytes.HasPrefix(raws[1].Body, []byte(`{"sleeps":[`)) {
		t.Fatalf("ping raw event = %s", raws[1].Body)
	}
	if garmin.Requests("/wellness-api/rest/dailies")[0].Query.Get("token") != "EXAMPLE_PULL_TOKEN" {
		t.Fatal("the callback's pull token was not sent")
	}
	// Permission changes update the scopes; a deregistration revokes.
	lifecycle := []byte(`{"userPermissionsChange":[{"userId":"garmin_user_123","permissions":["ACTIVITY_EXPORT"]}]}`)
	h.do("POST", "/api/v1/providers/garmin/webhooks", map[string]string{"garmin-client-id": garmin.ClientID}, lifecycle)
	eventually(t, "the permission change", func() bool { return len(h.connection("acme", user, "garmin").Scopes) == 1 })
	dereg := []byte(`{"deregistrations":[{"userId":"garmin_user_123"}]}`)
	h.do("POST", "/api/v1/providers/garmin/webhooks", map[string]string{"garmin-client-id": garmin.ClientID}, dereg)
	eventually(t, "the deregistration", func() bool { return h.connection("acme", user, "garmin").Status == schemas.ConnectionRevoked })
	if c := h.connection("acme", user, "garmin"); c.Reason != jobs.ReasonDeregistration {
		t.Fatalf("revoked with %q", c.Reason)
	}
	wantError(t, h.do("POST", "/api/v1/providers/garmin/users/"+user+"/sync", keyHeader(key), nil), http.StatusNotFound, "not_found")
}

func TestSuuntoRefreshWebhookAndRefreshFailure(t *testing.T) {
	suunto := providertest.Suunto(t)
	suunto.ExpiresIn = 60 // inside the refresh margin: every use refreshes
	h := startWithProviders(t, suunto)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	h.connect(key, "suunto", user, suunto)
	c := h.connection("acme", user, "suunto")
	if c.ProviderUserID != providertest.SuuntoUser || c.ProviderUsername != providertest.SuuntoUser {
		t.Fatalf("connection = %+v", c)
	}
	runs := h.runDone(key, user, "backfill", 1)
	if runs[0]["status"] != "success" || suunto.Issued() < 2 {
		t.Fatalf("backfill run = %v, tokens issued %d", runs[0], suunto.Issued())
	}
	if len(suunto.Requests("/247samples/sleep")) < 4 || len(suunto.Requests("/v3/workouts/")) != 1 {
		t.Fatalf("requests = %v", suunto.Requests(""))
	}

	for _, name := range []string{"suunto_webhook_247_sleep.json", "suunto_webhook_247_activity.json", "suunto_webhook_247_recovery.json", "suunto_webhook.json"} {
		body := suunto.Fixture("suunto", name, "")
		wantError(t, h.do("POST", "/api/v1/providers/suunto/webhooks", map[string]string{"X-HMAC-SHA256-Signature": strings.Repeat("0", 64)}, body), http.StatusUnauthorized, "unauthorized")
		r := h.do("POST", "/api/v1/providers/suunto/webhooks", map[string]string{"X-HMAC-SHA256-Signature": ingest.SignHMAC(providertest.WebhookSecret, body)}, body)
		if r.status != http.StatusOK || r.body["accepted"].(float64) < 1 {
			t.Fatalf("%s: %d %s", name, r.status, r.rawBody)
		}
	}
	eventually(t, "the workout fetch", func() bool { return len(suunto.Requests("/v3/workouts/67604889401b942184624cb8")) == 1 })

	// The provider stops refreshing: the next use revokes the connection.
	suunto.RejectRefresh()
	h.do("POST", "/api/v1/providers/suunto/users/"+user+"/sync", keyHeader(key), nil)
	eventually(t, "the revocation", func() bool { return h.connection("acme", user, "suunto").Status == schemas.ConnectionRevoked })
	if c := h.connection("acme", user, "suunto"); c.Reason != jobs.ReasonRefreshFailed {
		t.Fatalf("revoked with %q", c.Reason)
	}
	if runs := h.runDone(key, user, "pull", 1); runs[0]["status"] != "failed" {
		t.Fatalf("pull run = %v", runs[0])
	}
}
