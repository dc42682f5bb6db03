package gateway

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/schemas"
)

// testClock is a clock that tests move by hand.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *testClock) now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func bearerHeader(tok string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + tok}
}

func jsonBody(format string, args ...any) []byte { return []byte(fmt.Sprintf(format, args...)) }

// pairOf checks a token answer's shape and returns access and refresh tokens.
func pairOf(t *testing.T, r response) (string, string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("token answer: %d %s", r.status, r.rawBody)
	}
	access, _ := r.body["access_token"].(string)
	refresh, _ := r.body["refresh_token"].(string)
	if access == "" || !strings.HasPrefix(refresh, "rt-") || r.body["token_type"] != "bearer" || !(r.body["expires_in"].(float64) > 0 && r.body["expires_in"].(float64) <= 3600) {
		t.Fatalf("token answer %s lacks Open Wearables' shape", r.rawBody)
	}
	return access, refresh
}

func TestApplicationsAndSDKTokens(t *testing.T) {
	clock := newTestClock()
	h := start(t, nil, WithClock(clock.now))
	key, other := h.tenantKey("acme"), h.tenantKey("globex")
	user := h.createUser(key, `{}`)
	otherUser := h.createUser(key, `{}`)
	foreignUser := h.createUser(other, `{}`)
	sync, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}

	r := h.do("POST", "/api/v1/applications", keyHeader(key), []byte(`{"name":"iOS app"}`))
	if r.status != http.StatusCreated {
		t.Fatalf("create application: %d %s", r.status, r.rawBody)
	}
	appID, secret := r.body["app_id"].(string), r.body["app_secret"].(string)
	if !strings.HasPrefix(appID, "app_") || !strings.HasPrefix(secret, "secret_") {
		t.Fatalf("application answer %s", r.rawBody)
	}
	r = h.do("GET", "/api/v1/applications", keyHeader(key), nil)
	if r.status != 200 || strings.Contains(string(r.rawBody), secret) || !strings.Contains(string(r.rawBody), appID) {
		t.Fatalf("list applications: %d %s (the secret is shown only once)", r.status, r.rawBody)
	}
	if r = h.do("GET", "/api/v1/applications/"+appID, keyHeader(other), nil); r.status != 404 {
		t.Fatalf("another tenant's application: %d", r.status)
	}

	// Application credentials mint tokens for the tenant's users only.
	creds := jsonBody(`{"app_id":%q,"app_secret":%q}`, appID, secret)
	access, refresh := pairOf(t, h.do("POST", "/api/v1/users/"+user+"/token", nil, creds))
	wantError(t, h.do("POST", "/api/v1/users/"+foreignUser+"/token", nil, creds), 404, "not_found")
	wantError(t, h.do("POST", "/api/v1/users/"+user+"/token", nil, jsonBody(`{"app_id":%q,"app_secret":"secret_wrong"}`, appID)), 401, "unauthorized")
	wantError(t, h.do("POST", "/api/v1/users/"+user+"/token", nil, nil), 401, "unauthorized")
	// An API key mints them too.
	pairOf(t, h.do("POST", "/api/v1/users/"+user+"/token", keyHeader(key), nil))

	// The access token opens the SDK routes of its own user, nothing else.
	if r = h.do("POST", "/api/v1/sdk/users/"+user+"/sync", bearerHeader(access), sync); r.status != http.StatusAccepted {
		t.Fatalf("sync with an SDK token: %d %s", r.status, r.rawBody)
	}
	r = h.do("POST", "/api/v1/sdk/users/"+otherUser+"/sync", bearerHeader(access), sync)
	wantError(t, r, 403, "forbidden")
	if !strings.Contains(r.body["error"].(map[string]any)["message"].(string), "does not match") {
		t.Fatalf("403 message %s does not say why", r.rawBody)
	}
	wantError(t, h.do("GET", "/api/v1/users/"+user, bearerHeader(access), nil), 403, "forbidden")
	wantError(t, h.do("POST", "/api/v1/sdk/users/"+user+"/sync", bearerHeader(access[:len(access)-2]+"xx"), sync), 401, "invalid_token")
	// API keys still work on SDK routes, as Bearer too.
	if r = h.do("POST", "/api/v1/sdk/users/"+otherUser+"/sync", bearerHeader(key), sync); r.status != http.StatusAccepted {
		t.Fatalf("sync with an API key as bearer: %d %s", r.status, r.rawBody)
	}

	// Expired access tokens are refused with 401; the refresh token still works.
	clock.advance(time.Hour)
	wantError(t, h.do("POST", "/api/v1/sdk/users/"+user+"/sync", bearerHeader(access), sync), 401, "token_expired")
	access, refresh = pairOf(t, h.do("POST", "/api/v1/token/refresh", nil, jsonBody(`{"refresh_token":%q}`, refresh)))
	if r = h.do("POST", "/api/v1/sdk/users/"+user+"/sync", bearerHeader(access), sync); r.status != http.StatusAccepted {
		t.Fatalf("sync with a refreshed token: %d %s", r.status, r.rawBody)
	}

	// Rotating the secret retires the old one at once.
	r = h.do("POST", "/api/v1/applications/"+appID+"/rotate-secret", keyHeader(key), nil)
	newSecret, _ := r.body["app_secret"].(string)
	if r.status != 200 || newSecret == "" || newSecret == secret {
		t.Fatalf("rotate secret: %d %s", r.status, r.rawBody)
	}
	wantError(t, h.do("POST", "/api/v1/users/"+user+"/token", nil, creds), 401, "unauthorized")
	pairOf(t, h.do("POST", "/api/v1/users/"+user+"/token", nil, jsonBody(`{"app_id":%q,"app_secret":%q}`, appID, newSecret)))

	// Deleting the application ends its tokens.
	if r = h.do("DELETE", "/api/v1/applications/"+appID, keyHeader(key), nil); r.status != http.StatusNoContent {
		t.Fatalf("delete application: %d %s", r.status, r.rawBody)
	}
	wantError(t, h.do("POST", "/api/v1/sdk/users/"+user+"/sync", bearerHeader(access), sync), 401, "invalid_token")
	wantError(t, h.do("POST", "/api/v1/token/refresh", nil, jsonBody(`{"refresh_token":%q}`, refresh)), 401, "invalid_token")
}

// TestRefreshRotationUnderConcurrency is Open Wearables issue #1379: an
// app refreshing the same token from several places at once must not lose
// its session.
func TestRefreshRotationUnderConcurrency(t *testing.T) {
	clock := newTestClock()
	h := start(t, nil, WithClock(clock.now))
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	_, refresh := pairOf(t, h.do("POST", "/api/v1/users/"+user+"/token", keyHeader(key), nil))

	const n = 16
	var wg sync.WaitGroup
	answers := make([]response, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = h.do("POST", "/api/v1/token/refresh", nil, jsonBody(`{"refresh_token":%q}`, refresh))
		}()
	}
	wg.Wait()
	access, next := pairOf(t, answers[0])
	for i, r := range answers {
		a, rt := pairOf(t, r)
		if a != access || rt != next {
			t.Fatalf("refresh %d answered another pair: every concurrent refresh must get the same one", i)
		}
	}
	if next == refresh {
		t.Fatal("the refresh token was not rotated")
	}

	// Within the grace window the old token still answers with that pair.
	clock.advance(20 * time.Second)
	if a, rt := pairOf(t, h.do("POST", "/api/v1/token/refresh", nil, jsonBody(`{"refresh_token":%q}`, refresh))); a != access || rt != next {
		t.Fatal("a refresh inside the grace window answered another pair")
	}
	// After it, the old token is refused and the new one works.
	clock.advance(11 * time.Second)
	wantError(t, h.do("POST", "/api/v1/token/refresh", nil, jsonBody(`{"refresh_token":%q}`, refresh)), 401, "invalid_token")
	_, third := pairOf(t, h.do("POST", "/api/v1/token/refresh", nil, jsonBody(`{"refresh_token":%q}`, next)))
	if r := h.do("POST", "/api/v1/sdk/users/"+user+"/sync", bearerHeader(access), []byte(`{"provider":"apple","data":{}}`)); r.status != http.StatusAccepted {
		t.Fatalf("the rotated access token: %d %s", r.status, r.rawBody)
	}

	// Revoking: 204, then the token is gone.
	if r := h.do("POST", "/api/v1/token/revoke", nil, jsonBody(`{"refresh_token":%q}`, third)); r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.rawBody)
	}
	wantError(t, h.do("POST", "/api/v1/token/refresh", nil, jsonBody(`{"refresh_token":%q}`, third)), 401, "invalid_token")
	wantError(t, h.do("POST", "/api/v1/token/revoke", nil, jsonBody(`{"refresh_token":%q}`, third)), 404, "not_found")
	wantError(t, h.do("POST", "/api/v1/token/refresh", nil, []byte(`{}`)), 400, "invalid_field")

	// Refresh tokens expire.
	_, late := pairOf(t, h.do("POST", "/api/v1/users/"+user+"/token", keyHeader(key), nil))
	clock.advance(h.stack.Env.Config.SDKRefreshTokenTTL)
	wantError(t, h.do("POST", "/api/v1/token/refresh", nil, jsonBody(`{"refresh_token":%q}`, late)), 401, "invalid_token")

	// Stored records hold hashes only.
	h.stack.Env.Tables.RefreshTokens.Range(func(k string, rt schemas.RefreshToken) bool {
		if strings.HasPrefix(k, "rt-") || strings.Contains(k, refresh) {
			t.Errorf("refresh token stored in clear under %q", k)
		}
		return true
	})
}

func TestInvitationCodes(t *testing.T) {
	clock := newTestClock()
	h := start(t, nil, WithClock(clock.now))
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)

	create := func() string {
		t.Helper()
		r := h.do("POST", "/api/v1/users/"+user+"/invitation-code", keyHeader(key), nil)
		code, _ := r.body["code"].(string)
		if r.status != http.StatusCreated || len(code) != 8 || r.body["user_id"] != user || r.body["expires_at"] == nil {
			t.Fatalf("create invitation code: %d %s", r.status, r.rawBody)
		}
		return code
	}
	first := create()
	second := create() // revokes the first
	wantError(t, h.do("POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":%q}`, first)), 400, "invalid_code")

	r := h.do("POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":%q}`, strings.ToLower(second[:4])+"-"+second[4:]))
	access, _ := pairOf(t, r)
	if r.body["user_id"] != user {
		t.Fatalf("redeem answer %s lacks the user", r.rawBody)
	}
	if r := h.do("POST", "/api/v1/sdk/users/"+user+"/sync", bearerHeader(access), []byte(`{"provider":"google"}`)); r.status != http.StatusAccepted {
		t.Fatalf("sync with a redeemed token: %d %s", r.status, r.rawBody)
	}
	// Single use.
	wantError(t, h.do("POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":%q}`, second)), 400, "invalid_code")
	// Expiring.
	third := create()
	clock.advance(h.stack.Env.Config.InvitationCodeTTL)
	wantError(t, h.do("POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":%q}`, third)), 400, "invalid_code")
	wantError(t, h.do("POST", "/api/v1/invitation-code/redeem", nil, []byte(`{}`)), 400, "invalid_field")
	// Codes are stored under a keyed hash only.
	h.stack.Env.Tables.InvitationCodes.Range(func(k string, ic schemas.InvitationCode) bool {
		if strings.Contains(k, third) {
			t.Errorf("code stored in clear under %q", k)
		}
		return true
	})
}

func TestSDKLogs(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	body := []byte(`{"sdkVersion":"1.4.0","provider":"apple","syncSessionId":"s-1","events":[
	 {"eventType":"historical_data_sync_start","timestamp":"2026-03-01T08:00:00Z","dataTypeCounts":[{"type":"HKQuantityTypeIdentifierStepCount","count":1200}],"timeRange":{"endDate":"2026-03-01T08:00:00Z"}},
	 {"eventType":"historical_data_type_sync_end","timestamp":"2026-03-01T08:01:00Z","dataType":"steps","success":true,"recordCount":1200,"durationMs":5300},
	 {"eventType":"device_state","timestamp":"2026-03-01T08:02:00+01:00","batteryLevel":0.83,"batteryState":"unplugged","isLowPowerMode":false,"thermalState":"nominal"}]}`)
	r := h.do("POST", "/api/v1/sdk/users/"+user+"/logs", keyHeader(key), body)
	if r.status != http.StatusAccepted || r.body["events"] != float64(3) {
		t.Fatalf("logs: %d %s", r.status, r.rawBody)
	}

	f := func(body, field string) {
		t.Helper()
		r := h.do("POST", "/api/v1/sdk/users/"+user+"/logs", keyHeader(key), []byte(body))
		wantError(t, r, 400, "invalid_field")
		if msg := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, field+":") {
			t.Errorf("%s: message %q does not name %s", body, msg, field)
		}
	}
	f(`{"sdkVersion":"1","events":[]}`, "events")
	f(`{"events":[{"eventType":"device_state","timestamp":"2026-03-01T08:00:00Z"}]}`, "sdkVersion")
	f(`{"sdkVersion":"1","events":[{"eventType":"reboot","timestamp":"2026-03-01T08:00:00Z"}]}`, "events[0].eventType")
	f(`{"sdkVersion":"1","events":[{"eventType":"device_state","timestamp":"2026-03-01T08:00:00Z"},{"eventType":"device_state"}]}`, "events[1].timestamp")
	f(`{"sdkVersion":"1","events":[{"eventType":"device_state","timestamp":"2026-03-01T08:00:00Z","batteryLevel":83}]}`, "events[0].batteryLevel")
	f(`{"sdkVersion":"1","events":[{"eventType":"historical_data_type_sync_end","timestamp":"2026-03-01T08:00:00Z","dataType":"steps"}]}`, "events[0].success")
	f(`{"sdkVersion":"1","provider":"fitbit","events":[{"eventType":"device_state","timestamp":"2026-03-01T08:00:00Z"}]}`, "provider")
	many := `{"sdkVersion":"1","events":[` + strings.Repeat(`{"eventType":"device_state","timestamp":"2026-03-01T08:00:00Z"},`, 100) + `{"eventType":"device_state","timestamp":"2026-03-01T08:00:00Z"}]}`
	f(many, "events")

	// The events are in Kafka, one record per event, keyed by the user.
	env := h.stack.Env
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(env.Topics.SDKLogs()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var got []schemas.SDKLogEvent
	for len(got) < 3 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("got %d log events, want 3", len(got))
		}
		fs.EachRecord(func(rec *kgo.Record) {
			var ev schemas.SDKLogEvent
			if err := env.Serde.Decode(rec.Value, &ev); err != nil {
				t.Fatal(err)
			}
			if string(rec.Key) != user {
				t.Errorf("log event keyed %q", rec.Key)
			}
			got = append(got, ev)
		})
	}
	if got[0].EventType != "historical_data_sync_start" || got[0].SDKVersion != "1.4.0" || got[0].Provider != "apple" ||
		got[0].AppID != "key:key_acme" || got[0].SessionID != "s-1" || got[2].OccurredAt != time.Date(2026, 3, 1, 7, 2, 0, 0, time.UTC) ||
		!strings.Contains(got[1].Event, `"recordCount":1200`) || got[0].BatchID != got[2].BatchID {
		t.Fatalf("log events %+v", got)
	}
}

// Two gateway processes redeeming one invitation code at the same moment:
// the claims meet in the log, and exactly one of them gets the tokens.
func TestInvitationCodeIsSingleUseAcrossGateways(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)

	// A second gateway with its own state store, on the same cluster.
	env2, err := app.Open(context.Background(), h.stack.Env.Config, h.stack.Env.Logger)
	if err != nil {
		t.Fatal(err)
	}
	defer env2.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = New(env2).Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	h2 := &harness{t: t, stack: h.stack, url: "http://" + ln.Addr().String()}

	for round := 0; round < 5; round++ {
		r := h.do("POST", "/api/v1/users/"+user+"/invitation-code", keyHeader(key), nil)
		code, _ := r.body["code"].(string)
		if r.status != http.StatusCreated || code == "" {
			t.Fatalf("create invitation code: %d %s", r.status, r.rawBody)
		}
		// The second gateway must know the code before the race starts.
		waitForCode := time.Now().Add(30 * time.Second)
		for env2.Tables.InvitationCodes.Len() < h.stack.Env.Tables.InvitationCodes.Len() && time.Now().Before(waitForCode) {
			time.Sleep(10 * time.Millisecond)
		}
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, g := range []*harness{h, h2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = g.do("POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":%q}`, code)).status
			}()
		}
		wg.Wait()
		ok := 0
		for _, s := range statuses {
			if s == http.StatusOK {
				ok++
			} else if s != http.StatusBadRequest {
				t.Fatalf("round %d: redeem answered %d", round, s)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: %d redemptions succeeded (statuses %v), want exactly 1", round, ok, statuses)
		}
	}
}
