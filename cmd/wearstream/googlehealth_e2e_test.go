package main

// The Google Health API end-to-end test: a fake Google Health API plays
// the provider from the fixtures, and the real pipeline runs as in
// `wearstream dev`. Google's endpoint verification succeeds with the
// secret and fails without it; a user connects under google_health (not
// google, the SDK path) and the backfill's exercise, sleep, steps and heart
// rate reach ClickHouse; a notification is fetched over its interval.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/ingest/providertest"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/testenv"
)

func TestGoogleHealthEndToEnd(t *testing.T) {
	fake := providertest.GoogleHealth(t)
	ch := chserver.TestServer(t)
	db := ch.NewDatabase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + ln.Addr().String()
	extra := map[string]string{"CLICKHOUSE_ADDR": ch.Addr, "CLICKHOUSE_DATABASE": db, "WEARSTREAM_PUBLIC_URL": api}
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

	call := func(method, path string, body []byte, headers map[string]string, want int) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, api+path, bytes.NewReader(body))
		req.Header.Set("X-API-Key", key)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
		}
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return out
	}

	// Google's endpoint verification: with the secret, then without.
	verification := fake.Fixture("googlehealth", "google_health_verification.json", "")
	call("POST", "/api/v1/providers/google_health/webhooks", verification, map[string]string{"Authorization": providertest.WebhookSecret}, 200)
	call("POST", "/api/v1/providers/google_health/webhooks", verification, nil, 401)

	// Connect; the backfill lists every data type.
	jane := call("POST", "/api/v1/users", []byte(`{"email":"jane@example.com"}`), nil, 201)["id"].(string)
	auth := call("GET", "/api/v1/oauth/google_health/authorize?user_id="+jane+"&redirect_uri="+url.QueryEscape("https://app.example/done"), nil, nil, 200)
	authURL := auth["authorization_url"].(string)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(fake.Consent(authURL))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "status=success") {
		t.Fatalf("callback redirected to %s", loc)
	}
	waitFor(t, "the google health backfill in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'google_health'") == 2 && count(t, conn, "sleep FINAL WHERE provider = 'google_health'") == 2 &&
			count(t, conn, "samples FINAL WHERE provider = 'google_health'") == 5
	})
	if n := count(t, conn, "workouts FINAL WHERE provider = 'google'"); n != 0 {
		t.Fatalf("%d workouts under google, the SDK provider", n)
	}

	// A notification: its interval is fetched.
	before := len(fake.Requests("/v4/users/me/dataTypes/steps/dataPoints"))
	note := fake.Fixture("googlehealth", "google_health_webhook.json", "")
	call("POST", "/api/v1/providers/google_health/webhooks", note, map[string]string{"Authorization": "Bearer " + providertest.WebhookSecret}, 200)
	waitFor(t, "the notified interval fetched", func() bool {
		return len(fake.Requests("/v4/users/me/dataTypes/steps/dataPoints")) > before
	})
	got := fake.Requests("/v4/users/me/dataTypes/steps/dataPoints")
	if f := got[len(got)-1].Query.Get("filter"); f != `interval.start_time >= "2026-01-14T08:00:00Z" AND interval.start_time < "2026-01-14T09:00:01Z"` {
		t.Fatalf("filter %q", f)
	}
}
