package main

// The Fitbit end-to-end test: a fake Fitbit plays the Web API from the
// fixtures, and the real pipeline runs as in `wearstream dev`. The
// subscriber verification is answered; a user connects with PKCE and is
// subscribed; the backfill's activities, sleep and daily values reach
// ClickHouse while every use of the short-lived token refreshes it (Fitbit
// refresh tokens are single-use, so a lost one would revoke the
// connection); a signed notification is fetched, a badly signed one
// refused, and userRevokedAccess revokes the connection.

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
	"github.com/wearstream/wearstream/ingest/fitbit"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/providertest"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/testenv"
)

func TestFitbitEndToEnd(t *testing.T) {
	fake := providertest.Fitbit(t)
	fake.ExpiresIn = 60 // inside the refresh margin: every use refreshes
	ch := chserver.TestServer(t)
	db := ch.NewDatabase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + ln.Addr().String()
	extra := map[string]string{"CLICKHOUSE_ADDR": ch.Addr, "CLICKHOUSE_DATABASE": db, "WEARSTREAM_PUBLIC_URL": api,
		"FITBIT_SUBSCRIBER_VERIFY_CODE": "verify-code-1"}
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

	// The subscriber verification.
	call("GET", "/api/v1/providers/fitbit/webhooks?verify=verify-code-1", nil, nil, 204)
	call("GET", "/api/v1/providers/fitbit/webhooks?verify=wrong", nil, nil, 404)

	rc := &receiver{t: t, got: map[string][]map[string]any{}, ids: map[string]int{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	ep := call("POST", "/api/v1/webhooks/endpoints", []byte(`{"url":"`+hook.URL+`/hook","filter_types":["connection.created","connection.revoked"]}`), nil, 201)["id"].(string)
	secret := call("GET", "/api/v1/webhooks/endpoints/"+ep+"/secret", nil, nil, 200)["key"].(string)
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()

	// Connect with PKCE; the user is subscribed and the backfill runs.
	jane := call("POST", "/api/v1/users", []byte(`{"email":"jane@example.com"}`), nil, 201)["id"].(string)
	auth := call("GET", "/api/v1/oauth/fitbit/authorize?user_id="+jane+"&redirect_uri="+url.QueryEscape("https://app.example/done"), nil, nil, 200)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(fake.Consent(auth["authorization_url"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "status=success") {
		t.Fatalf("callback redirected to %s", loc)
	}
	if subs := fake.Requests("/1/user/-/apiSubscriptions/" + jane + ".json"); len(subs) != 1 || subs[0].Method != "POST" {
		t.Fatalf("subscription requests %+v", subs)
	}
	waitFor(t, "the fitbit backfill in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'fitbit'") == 3 && count(t, conn, "sleep FINAL WHERE provider = 'fitbit'") == 2 &&
			count(t, conn, "samples FINAL WHERE provider = 'fitbit' AND series_type IN ('resting_heart_rate', 'heart_rate_variability_rmssd', 'oxygen_saturation', 'weight')") == 7
	})
	if fake.Issued() < 3 {
		t.Fatalf("fitbit tokens issued = %d: not refreshed on use", fake.Issued())
	}

	// A notification: fetched by collection and date; a bad signature is refused.
	before := len(fake.Requests("/1/user/-/activities/list.json"))
	note := []byte(`[{"collectionType":"activities","date":"2024-01-15","ownerId":"228S74","ownerType":"user","subscriptionId":"` + jane + `"}]`)
	call("POST", "/api/v1/providers/fitbit/webhooks", note, map[string]string{"X-Fitbit-Signature": "AAAA" + fitbit.Sign(fake.ClientSecret, note)[4:]}, 401)
	call("POST", "/api/v1/providers/fitbit/webhooks", note, map[string]string{"X-Fitbit-Signature": fitbit.Sign(fake.ClientSecret, note)}, 200)
	waitFor(t, "the notified activities fetched", func() bool {
		return len(fake.Requests("/1/user/-/activities/list.json")) > before
	})
	if got := fake.Requests("/1/user/-/activities/list.json"); got[len(got)-1].Query.Get("afterDate") != "2024-01-14" {
		t.Fatalf("activities fetched with %v", got[len(got)-1].Query)
	}

	// The user revokes access at Fitbit.
	revoke := []byte(`[{"collectionType":"userRevokedAccess","date":"2024-01-16","ownerId":"228S74","ownerType":"user","subscriptionId":"` + jane + `"}]`)
	call("POST", "/api/v1/providers/fitbit/webhooks", revoke, map[string]string{"X-Fitbit-Signature": fitbit.Sign(fake.ClientSecret, revoke)}, 200)
	waitFor(t, "connection.revoked", func() bool { return rc.count("connection.revoked") == 1 })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r := rc.got["connection.revoked"][0]; r["reason"] != jobs.ReasonDeregistration || r["provider"] != "fitbit" {
		t.Fatalf("connection.revoked = %v", r)
	}
}
