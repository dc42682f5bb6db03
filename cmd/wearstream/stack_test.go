package main

// The stack the provider end-to-end tests share: a ClickHouse test
// database, the gateway, processor, sink, delivery and an ingest worker run
// as in `wearstream dev`, with the fake providers' settings, a signed
// webhook receiver and helpers for the API and the OAuth flow.

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
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/providertest"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/testenv"
)

// providerStack is the whole pipeline with fake providers.
type providerStack struct {
	t    *testing.T
	api  string
	key  string
	conn driver.Conn
	env  *app.Env
	rc   *receiver // nil without events
}

// stackConfig is what the options of startProviderStack set.
type stackConfig struct {
	settings []map[string]string
	events   []string
	worker   []jobs.Option
}

// stackOption changes the stack startProviderStack runs.
type stackOption func(*stackConfig)

// withSettings adds settings; later maps override earlier ones.
func withSettings(settings ...map[string]string) stackOption {
	return func(c *stackConfig) { c.settings = append(c.settings, settings...) }
}

// settingser is a fake provider: it has settings for the stack.
type settingser interface{ Settings() map[string]string }

// withFakes adds the settings of each fake provider.
func withFakes(fakes ...settingser) stackOption {
	return func(c *stackConfig) {
		for _, f := range fakes {
			c.settings = append(c.settings, f.Settings())
		}
	}
}

// withEvents runs a webhook receiver subscribed to events.
func withEvents(events ...string) stackOption {
	return func(c *stackConfig) { c.events = append(c.events, events...) }
}

// withWorkerTick sets the ingest worker's tick.
func withWorkerTick(d time.Duration) stackOption {
	return func(c *stackConfig) { c.worker = append(c.worker, jobs.WithTick(d)) }
}

// startProviderStack runs gateway, processor, sink, delivery and an ingest
// worker with the given settings, and a webhook receiver when events are
// given.
func startProviderStack(t *testing.T, opts ...stackOption) *providerStack {
	var cfg stackConfig
	for _, o := range opts {
		o(&cfg)
	}
	ch := chserver.TestServer(t)
	db := ch.NewDatabase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	api := "http://" + ln.Addr().String()
	extra := map[string]string{"CLICKHOUSE_ADDR": ch.Addr, "CLICKHOUSE_DATABASE": db, "WEARSTREAM_PUBLIC_URL": api}
	for _, settings := range cfg.settings {
		for k, v := range settings {
			extra[k] = v
		}
	}
	env := testenv.Start(t, extra).Env
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := connectClickHouse(ctx, env.Config, env.Logger)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	key, err := bootstrap(ctx, env)
	if err != nil {
		cancel()
		conn.Close()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, run := range []func(context.Context) error{
		func(ctx context.Context) error { return serveGateway(ctx, env, ln, conn) },
		func(ctx context.Context) error { return process(ctx, env) },
		func(ctx context.Context) error { return sink(ctx, env, conn) },
		func(ctx context.Context) error { return deliver(ctx, env) },
		func(ctx context.Context) error { return ingestWorker(ctx, env, cfg.worker...) },
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
	s := &providerStack{t: t, api: api, key: key, conn: conn, env: env}
	if len(cfg.events) == 0 {
		return s
	}
	s.rc = &receiver{t: t, got: map[string][]map[string]any{}, ids: map[string]int{}}
	hook := httptest.NewServer(s.rc)
	t.Cleanup(hook.Close)
	types, _ := json.Marshal(cfg.events)
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
	checkOpenAPI(s.t, req, resp, raw)
	if resp.StatusCode != want {
		s.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return out
}

// user creates a user with email and returns its id.
func (s *providerStack) user(email string) string {
	s.t.Helper()
	return s.call("POST", "/api/v1/users", []byte(`{"email":"`+email+`"}`), nil, 201)["id"].(string)
}

// authorize starts the OAuth flow of provider for user and returns the
// provider's authorisation URL.
func (s *providerStack) authorize(provider, user string) string {
	s.t.Helper()
	auth := s.call("GET", "/api/v1/oauth/"+provider+"/authorize?user_id="+user+"&redirect_uri="+url.QueryEscape("https://app.example/done"), nil, nil, 200)
	return auth["authorization_url"].(string)
}

// consent gives the fake's consent to authURL and sends the callback to
// the gateway without following its redirect; the body is closed.
func (s *providerStack) consent(fake *providertest.Server, authURL string) *http.Response {
	s.t.Helper()
	callback := fake.Consent(authURL)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(callback)
	if err != nil {
		s.t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// connectUser runs the OAuth flow of provider for user and checks that it
// succeeds.
func (s *providerStack) connectUser(provider, user string, fake *providertest.Server) {
	s.t.Helper()
	res := s.consent(fake, s.authorize(provider, user))
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "status=success") {
		s.t.Fatalf("callback: %d to %s", res.StatusCode, loc)
	}
}

// connect runs the OAuth flow of provider for a new user and returns its id.
func (s *providerStack) connect(provider string, fake *providertest.Server) string {
	s.t.Helper()
	user := s.user(provider + "@example.com")
	s.connectUser(provider, user, fake)
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
