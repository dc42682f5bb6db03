package main

// The provider end-to-end test: fake Polar and Suunto servers play the
// providers from the fixtures (authorisation page, token endpoint, REST
// API), and the real pipeline runs as in `wearstream dev`, the ingest
// worker included. A user connects Polar through the OAuth flow; the
// backfill's workouts and sleep reach ClickHouse and a signed webhook. A
// user connects Suunto with short-lived tokens, which the worker refreshes;
// a signed 24/7 sleep webhook reaches ClickHouse; disconnecting is
// announced as connection.revoked.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/providertest"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/testenv"
)

func TestProvidersEndToEnd(t *testing.T) {
	polar, suunto, garmin := providertest.Polar(t), providertest.Suunto(t), providertest.Garmin(t)
	suunto.ExpiresIn = 60 // inside the refresh margin: every use refreshes
	ch := chserver.TestServer(t)
	db := ch.NewDatabase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + ln.Addr().String()
	extra := map[string]string{"CLICKHOUSE_ADDR": ch.Addr, "CLICKHOUSE_DATABASE": db, "WEARSTREAM_PUBLIC_URL": api}
	for _, f := range []*providertest.Server{polar, suunto, garmin} {
		for k, v := range f.Settings() {
			extra[k] = v
		}
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
	connect := func(provider, user string, fake *providertest.Server) {
		t.Helper()
		auth := call("GET", "/api/v1/oauth/"+provider+"/authorize?user_id="+user+"&redirect_uri="+url.QueryEscape("https://app.example/done"), nil, nil, 200)
		callback := fake.Consent(auth["authorization_url"].(string))
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := client.Get(callback)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "status=success") {
			t.Fatalf("callback: %d to %s", res.StatusCode, loc)
		}
	}

	rc := &receiver{t: t, got: map[string][]map[string]any{}, ids: map[string]int{}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	ep := call("POST", "/api/v1/webhooks/endpoints", []byte(`{"url":"`+hook.URL+`/hook","filter_types":["connection.created","connection.revoked","sync.completed","workout.created","sleep.created"]}`), nil, 201)["id"].(string)
	secret := call("GET", "/api/v1/webhooks/endpoints/"+ep+"/secret", nil, nil, 200)["key"].(string)
	rc.mu.Lock()
	rc.secret = secret
	rc.mu.Unlock()

	// Polar: connect, backfill, ClickHouse, webhooks.
	jane := call("POST", "/api/v1/users", []byte(`{"email":"jane@example.com"}`), nil, 201)["id"].(string)
	connect("polar", jane, polar)
	waitFor(t, "polar workouts and sleep in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'polar'") == 1 && count(t, conn, "sleep FINAL WHERE provider = 'polar'") >= 1 &&
			count(t, conn, "samples FINAL WHERE provider = 'polar'") > 0
	})
	var recordID string
	if err := conn.QueryRow(ctx, "SELECT provider_record_id FROM workouts FINAL WHERE provider = 'polar'").Scan(&recordID); err != nil || recordID != "2AC312F" {
		t.Fatalf("polar workout id = %q, %v", recordID, err)
	}
	waitFor(t, "polar webhooks", func() bool {
		return rc.count("connection.created") == 1 && rc.count("sync.completed") >= 1 && rc.count("workout.created") >= 1
	})

	// Suunto: connect with expiring tokens; the worker refreshes them.
	john := call("POST", "/api/v1/users", []byte(`{"email":"john@example.com"}`), nil, 201)["id"].(string)
	connect("suunto", john, suunto)
	waitFor(t, "the suunto backfill", func() bool { return count(t, conn, "workouts FINAL WHERE provider = 'suunto'") >= 1 })
	if suunto.Issued() < 2 {
		t.Fatalf("suunto tokens issued = %d: no refresh", suunto.Issued())
	}
	sleepHook := suunto.Fixture("suunto", "suunto_webhook_247_sleep.json", "")
	call("POST", "/api/v1/providers/suunto/webhooks", sleepHook, map[string]string{"X-HMAC-SHA256-Signature": ingest.SignHMAC(providertest.WebhookSecret, sleepHook)}, 200)
	waitFor(t, "suunto sleep in clickhouse", func() bool { return count(t, conn, "sleep FINAL WHERE provider = 'suunto'") >= 1 })

	// Garmin: connect (PKCE), then a push of activities: the body names two
	// Garmin users; only the connected one's three workouts are kept.
	ann := call("POST", "/api/v1/users", []byte(`{"email":"ann@example.com"}`), nil, 201)["id"].(string)
	connect("garmin", ann, garmin)
	push := garmin.Fixture("garmin", "garmin_push_activities.json", "")
	call("POST", "/api/v1/providers/garmin/webhooks", push, map[string]string{"garmin-client-id": garmin.ClientID}, 200)
	waitFor(t, "garmin workouts in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'garmin' AND user_id = toUUID('"+ann+"')") == 3
	})
	var garminType string
	if err := conn.QueryRow(ctx, "SELECT type FROM workouts FINAL WHERE provider = 'garmin' AND provider_record_id = '21047282990'").Scan(&garminType); err != nil || garminType != "running" {
		t.Fatalf("garmin workout type = %q, %v", garminType, err)
	}
	waitFor(t, "garmin workout webhooks", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		n := 0
		for _, w := range rc.got["workout.created"] {
			if w["user_id"] == ann {
				n++
			}
		}
		return n == 3
	})

	// Garmin activity files: the notification names a callback URL; the
	// worker fetches the FIT file and the FIT normaliser turns it into a
	// workout with its samples (the FIT SDK's example activity, shipped by
	// the decoder's module).
	if fitFile := fitExample(t); fitFile != nil {
		garmin.Handle("GET", "/wellness-api/rest/activityFile", 200, fitFile)
		files := garmin.Fixture("garmin", "garmin_push_activity_files.json", providertest.GarminHost)
		call("POST", "/api/v1/providers/garmin/webhooks", files, map[string]string{"garmin-client-id": garmin.ClientID}, 200)
		waitFor(t, "the garmin activity file in clickhouse", func() bool {
			return count(t, conn, "workouts FINAL WHERE user_id = toUUID('"+ann+"') AND type = 'stand_up_paddleboarding'") == 1 &&
				count(t, conn, "samples FINAL WHERE user_id = toUUID('"+ann+"') AND series_type = 'heart_rate'") > 0
		})
	}

	call("DELETE", "/api/v1/users/"+john+"/connections/suunto", nil, nil, 204)
	waitFor(t, "connection.revoked", func() bool { return rc.count("connection.revoked") == 1 })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.bad != 0 {
		t.Fatalf("%d deliveries failed verification", rc.bad)
	}
	if r := rc.got["connection.revoked"][0]; r["reason"] != jobs.ReasonUserDisconnected || r["provider"] != "suunto" || r["user_id"] != john {
		t.Fatalf("connection.revoked = %v", r)
	}
}

// fitExample returns the FIT SDK's example activity from the decoder
// module's test files, or nil (the check is skipped) when the module's
// directory cannot be found.
func fitExample(t *testing.T) []byte {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/muktihari/fit").Output()
	if err != nil {
		t.Logf("no FIT example: %v", err)
		return nil
	}
	b, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "testdata", "from_official_sdk", "Activity.fit"))
	if err != nil {
		t.Logf("no FIT example: %v", err)
		return nil
	}
	return b
}
