package main

// The Oura end-to-end test: a fake Oura plays the provider from the
// fixtures, and the real pipeline runs as in `wearstream dev`, the ingest
// worker included. The worker subscribes to Oura's webhooks, which Oura
// checks with its handshake against the gateway; a user connects through
// the OAuth flow and the backfill reaches ClickHouse; a signed update
// notification is fetched and keeps the record's id with a higher version;
// a signed delete notification deletes the workout.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/oura"
	"github.com/wearstream/wearstream/ingest/providertest"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/testenv"
)

// providerStack is the whole pipeline with fake providers.
type providerStack struct {
	t    *testing.T
	api  string
	key  string
	conn driver.Conn
	rc   *receiver
}

// startProviderStack runs gateway, processor, sink, delivery and an ingest
// worker with the fake providers' settings, and a webhook receiver for
// events.
func startProviderStack(t *testing.T, settings map[string]string, events ...string) *providerStack {
	ch := chserver.TestServer(t)
	db := ch.NewDatabase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + ln.Addr().String()
	extra := map[string]string{"CLICKHOUSE_ADDR": ch.Addr, "CLICKHOUSE_DATABASE": db, "WEARSTREAM_PUBLIC_URL": api}
	for k, v := range settings {
		extra[k] = v
	}
	env := testenv.Start(t, extra).Env
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := connectClickHouse(ctx, env.Config, env.Logger)
	if err != nil {
		t.Fatal(err)
	}
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
		func(ctx context.Context) error { return ingestWorker(ctx, env, jobs.WithTick(100*time.Millisecond)) },
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("component stopped: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		conn.Close()
	})
	s := &providerStack{t: t, api: api, key: key, conn: conn}
	s.rc = &receiver{t: t, got: map[string][]map[string]any{}, ids: map[string]int{}}
	hook := httptest.NewServer(s.rc)
	t.Cleanup(hook.Close)
	types, _ := json.Marshal(events)
	ep := s.call("POST", "/api/v1/webhooks/endpoints", []byte(`{"url":"`+hook.URL+`/hook","filter_types":`+string(types)+`}`), nil, 201)["id"].(string)
	secret := s.call("GET", "/api/v1/webhooks/endpoints/"+ep+"/secret", nil, nil, 200)["key"].(string)
	s.rc.mu.Lock()
	s.rc.secret = secret
	s.rc.mu.Unlock()
	return s
}

// call sends one API request with the admin key and checks its status.
func (s *providerStack) call(method, path string, body []byte, headers map[string]string, want int) map[string]any {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.api+path, bytes.NewReader(body))
	req.Header.Set("X-API-Key", s.key)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// connect runs the OAuth flow of provider for a new user and returns its id.
func (s *providerStack) connect(provider string, fake *providertest.Server) string {
	s.t.Helper()
	user := s.call("POST", "/api/v1/users", []byte(`{"email":"`+provider+`@example.com"}`), nil, 201)["id"].(string)
	auth := s.call("GET", "/api/v1/oauth/"+provider+"/authorize?user_id="+user+"&redirect_uri="+url.QueryEscape("https://app.example/done"), nil, nil, 200)
	callback := fake.Consent(auth["authorization_url"].(string))
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(callback)
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "status=success") {
		s.t.Fatalf("callback: %d to %s", res.StatusCode, loc)
	}
	return user
}

// latest is the newest revision of a record: its version and deleted flag.
func (s *providerStack) latest(table, provider, recordID string) (version uint64, deleted uint8) {
	s.t.Helper()
	err := s.conn.QueryRow(context.Background(), "SELECT max(version), argMax(deleted, version) FROM "+table+
		" WHERE provider = ? AND provider_record_id = ?", provider, recordID).Scan(&version, &deleted)
	if err != nil {
		s.t.Fatalf("latest %s %s: %v", table, recordID, err)
	}
	return version, deleted
}

func TestOuraEndToEnd(t *testing.T) {
	fake := providertest.Oura(t)
	s := startProviderStack(t, fake.Settings(), "connection.created", "sync.completed", "workout.created", "workout.updated", "workout.deleted", "summary.created")

	// The worker subscribes to every data and event type; Oura's
	// handshake reaches the gateway and is answered.
	waitFor(t, "oura webhook subscriptions", func() bool { return len(fake.Subscriptions()) == 15 })
	for _, sub := range fake.Subscriptions() {
		if sub.CallbackURL != s.api+"/api/v1/providers/oura/webhooks" {
			t.Fatalf("subscription %+v", sub)
		}
	}

	user := s.connect("oura", fake.Server)
	waitFor(t, "the oura backfill in clickhouse", func() bool {
		return count(t, s.conn, "workouts FINAL WHERE provider = 'oura'") == 3 && count(t, s.conn, "sleep FINAL WHERE provider = 'oura'") == 2 &&
			count(t, s.conn, "samples FINAL WHERE provider = 'oura' AND series_type = 'steps'") == 1 &&
			count(t, s.conn, "summaries_current WHERE provider = 'oura' AND category IN ('activity', 'readiness')") == 2
	})
	waitFor(t, "connection.created and workout.created", func() bool {
		return s.rc.count("connection.created") == 1 && s.rc.count("workout.created") == 3 && s.rc.count("summary.created") == 2
	})
	var score *float64
	if err := s.conn.QueryRow(context.Background(), "SELECT value FROM summaries_current WHERE provider = 'oura' AND category = 'readiness'").Scan(&score); err != nil || score == nil || *score != 84 {
		t.Fatalf("oura readiness score = %v, %v", score, err)
	}

	post := func(body []byte) {
		t.Helper()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		s.call("POST", "/api/v1/providers/oura/webhooks", body, map[string]string{
			"x-oura-timestamp": ts, "x-oura-signature": oura.Sign(fake.ClientSecret, ts, body),
		}, 200)
	}
	// A forged notification is refused.
	s.call("POST", "/api/v1/providers/oura/webhooks", []byte(`{}`), map[string]string{
		"x-oura-timestamp": strconv.FormatInt(time.Now().Unix(), 10), "x-oura-signature": strings.Repeat("00", 32),
	}, 401)

	// An update is fetched: same id, higher version.
	const updated = "8f9a5221-639e-4a85-81cb-4065ef23f979"
	before, _ := s.latest("workouts", "oura", updated)
	fake.Handle("GET", "/v2/usercollection/workout/"+updated, 200, []byte(`{"id":"`+updated+`","activity":"cycling","calories":333,`+
		`"day":"2026-01-14","distance":13500.5,"end_datetime":"2026-01-14T08:30:00.000-08:00","intensity":"hard","label":"Commute",`+
		`"source":"confirmed","start_datetime":"2026-01-14T07:45:00.000-08:00"}`))
	post([]byte(`{"event_type":"update","data_type":"workout","object_id":"` + updated + `","event_time":"2026-01-14T19:00:00+00:00","user_id":"` + providertest.OuraUserID + `"}`))
	waitFor(t, "the updated oura workout", func() bool {
		v, _ := s.latest("workouts", "oura", updated)
		return v > before
	})
	var kcal float64
	if err := s.conn.QueryRow(context.Background(), "SELECT calories_kcal FROM workouts FINAL WHERE provider = 'oura' AND provider_record_id = ?", updated).Scan(&kcal); err != nil || kcal != 333 {
		t.Fatalf("updated calories = %v, %v", kcal, err)
	}
	if n := count(t, s.conn, "workouts FINAL WHERE provider = 'oura'"); n != 3 {
		t.Fatalf("%d oura workouts after the update", n)
	}

	// A delete deletes the workout, under the same id.
	del := fake.Fixture("oura", "oura_webhook_delete.json", "")
	post(del)
	waitFor(t, "the deleted oura workout", func() bool {
		_, deleted := s.latest("workouts", "oura", "0f8a7d4e-31b2-4a9c-b6de-55c2a1e07f10")
		return deleted == 1
	})
	if n := count(t, s.conn, "workouts FINAL WHERE provider = 'oura' AND deleted = 0"); n != 2 {
		t.Fatalf("%d oura workouts left after the delete", n)
	}
	var ids uint64
	if err := s.conn.QueryRow(context.Background(), "SELECT uniqExact(id) FROM workouts WHERE provider = 'oura'").Scan(&ids); err != nil || ids != 3 {
		t.Fatalf("%d distinct oura workout ids, %v", ids, err)
	}
	waitFor(t, "workout.updated and workout.deleted", func() bool {
		return s.rc.count("workout.updated") >= 1 && s.rc.count("workout.deleted") == 1
	})

	s.call("DELETE", "/api/v1/users/"+user+"/connections/oura", nil, nil, 204)
	s.rc.mu.Lock()
	defer s.rc.mu.Unlock()
	if s.rc.bad != 0 {
		t.Fatalf("%d deliveries failed verification", s.rc.bad)
	}
}
