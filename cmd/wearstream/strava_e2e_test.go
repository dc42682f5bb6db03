package main

// The Strava end-to-end test: a fake Strava plays the provider from the
// fixtures, and the real pipeline runs as in `wearstream dev`. The webhook
// handshake is answered; an athlete connects and the backfill's activities
// reach ClickHouse; a second athlete is refused (STRAVA_MAX_ATHLETES is 1);
// a created activity is fetched with its streams, an update keeps its id,
// a delete removes it from FINAL queries, and a deauthorisation revokes
// the connection.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/providertest"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/testenv"
)

func TestStravaEndToEnd(t *testing.T) {
	fake := providertest.Strava(t)
	ch := chserver.TestServer(t)
	db := ch.NewDatabase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + ln.Addr().String()
	extra := map[string]string{"CLICKHOUSE_ADDR": ch.Addr, "CLICKHOUSE_DATABASE": db, "WEARSTREAM_PUBLIC_URL": api,
		"STRAVA_WEBHOOK_VERIFY_TOKEN": "verify-me", "STRAVA_SUBSCRIPTION_ID": "120475"}
	for k, v := range fake.Settings() {
		extra[k] = v
	}
	env := testenv.Start(t, extra).Env
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, err := connectClickHouse(ctx, env.Config, env.Logger)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	key, err := bootstrap(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{
		func(ctx context.Context) error { return gateway.New(env, gateway.WithClickHouse(conn)).Serve(ctx, ln) },
		func(ctx context.Context) error { return process(ctx, env) },
		func(ctx context.Context) error { return sink(ctx, env, conn) },
		func(ctx context.Context) error { return deliver(ctx, env) },
		func(ctx context.Context) error { return ingestWorker(ctx, env) },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("component stopped: %v", err)
			}
		}()
	}
	defer wg.Wait()
	defer cancel()

	call := func(method, path string, body []byte, want int) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, api+path, bytes.NewReader(body))
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
		}
		return raw
	}
	object := func(raw []byte) map[string]any {
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return out
	}
	connect := func(user string) string {
		t.Helper()
		auth := object(call("GET", "/api/v1/oauth/strava/authorize?user_id="+user+"&redirect_uri="+url.QueryEscape("https://app.example/done"), nil, 200))
		authURL := auth["authorization_url"].(string)
		if !strings.Contains(authURL, "scope="+url.QueryEscape("read,activity:read_all,profile:read_all")) {
			t.Fatalf("authorisation URL %s: scopes not comma-separated", authURL)
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Get(fake.Consent(authURL))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header.Get("Location")
	}

	// The subscription handshake.
	if got := object(call("GET", "/api/v1/providers/strava/webhooks?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=verify-me", nil, 200)); got["hub.challenge"] != "abc123" {
		t.Fatalf("challenge answer %v", got)
	}
	call("GET", "/api/v1/providers/strava/webhooks?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=guess", nil, 401)

	rc := &receiver{t: t, got: map[string][]map[string]any{}, ids: map[string]int{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	ep := object(call("POST", "/api/v1/webhooks/endpoints", []byte(`{"url":"`+hook.URL+`/hook","filter_types":["connection.created","connection.revoked"]}`), 201))["id"].(string)
	secret := object(call("GET", "/api/v1/webhooks/endpoints/"+ep+"/secret", nil, 200))["key"].(string)
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()

	// Connect; the backfill lists the athlete's activities.
	jane := object(call("POST", "/api/v1/users", []byte(`{"email":"jane@example.com"}`), 201))["id"].(string)
	if loc := connect(jane); !strings.Contains(loc, "status=success") {
		t.Fatalf("callback redirected to %s", loc)
	}
	waitFor(t, "the strava backfill in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'strava'") == 3
	})

	// One athlete per deployment by default.
	john := object(call("POST", "/api/v1/users", []byte(`{"email":"john@example.com"}`), 201))["id"].(string)
	fake.SetTokenExtra("athlete", map[string]any{"id": 999001})
	if loc := connect(john); !strings.Contains(loc, "status=error") || !strings.Contains(loc, "error=account_limit") {
		t.Fatalf("a second athlete: redirected to %s", loc)
	}
	if len(fake.Requests("/oauth/deauthorize")) != 1 {
		t.Fatal("the refused athlete was not deauthorised at strava")
	}

	// A new activity: fetched with its streams.
	event := func(aspect string) []byte {
		return []byte(`{"aspect_type":"` + aspect + `","event_time":1768389602,"object_id":15551234567,"object_type":"activity","owner_id":134815,"subscription_id":120475,"updates":{}}`)
	}
	call("POST", "/api/v1/providers/strava/webhooks", event("create"), 200)
	waitFor(t, "the new activity and its streams", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'strava' AND deleted = 0") == 4 &&
			count(t, conn, "samples FINAL WHERE provider = 'strava' AND series_type = 'heart_rate'") == 6
	})
	// An update (the athlete renamed it): the same workout, a newer version.
	renamed := bytes.Replace(fake.Fixture("strava", "strava_activity.json", ""), []byte("Lunch trail run"), []byte("Renamed run"), 1)
	fake.Handle("GET", "/activities/15551234567", 200, renamed)
	call("POST", "/api/v1/providers/strava/webhooks", event("update"), 200)
	waitFor(t, "the updated activity", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider_record_id = '15551234567' AND name = 'Renamed run'") == 1
	})
	if n := count(t, conn, "workouts FINAL WHERE provider = 'strava'"); n != 4 {
		t.Fatalf("after the update: %d workouts, want 4", n)
	}
	// A delete: the workout disappears.
	call("POST", "/api/v1/providers/strava/webhooks", event("delete"), 200)
	waitFor(t, "the deleted activity gone", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'strava' AND deleted = 0") == 3
	})
	// Another subscription's event is refused.
	call("POST", "/api/v1/providers/strava/webhooks", bytes.Replace(event("create"), []byte("120475"), []byte("999"), 1), 401)

	// Deauthorisation revokes the connection.
	call("POST", "/api/v1/providers/strava/webhooks", fake.Fixture("strava", "strava_webhook_deauth.json", ""), 200)
	waitFor(t, "connection.revoked", func() bool { return rc.count("connection.revoked") == 1 })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r := rc.got["connection.revoked"][0]; r["reason"] != jobs.ReasonDeregistration || r["provider"] != "strava" || r["user_id"] != jane {
		t.Fatalf("connection.revoked = %v", r)
	}
}
