package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

type harness struct {
	t     *testing.T
	stack *testenv.Stack
	url   string
	gw    *Gateway
}

func start(t *testing.T, extra map[string]string, opts ...Option) *harness {
	t.Helper()
	st := testenv.Start(t, extra)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	gw := New(st.Env, opts...)
	go func() { defer close(done); _ = gw.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return &harness{t: t, stack: st, url: "http://" + ln.Addr().String(), gw: gw}
}

// tenantKey creates a tenant and returns an API key of it.
func (h *harness) tenantKey(tenant string) string {
	h.t.Helper()
	ctx := context.Background()
	tb := h.stack.Env.Tables
	if err := tb.Tenants.Put(ctx, tenant, schemas.Tenant{ID: tenant, Name: tenant, CreatedAt: time.Now()}); err != nil {
		h.t.Fatal(err)
	}
	key := secrets.NewAPIKey()
	if err := tb.APIKeys.Put(ctx, secrets.Hash(key), schemas.APIKey{Hash: secrets.Hash(key), ID: "key_" + tenant, Tenant: tenant, Role: "admin", CreatedAt: time.Now()}); err != nil {
		h.t.Fatal(err)
	}
	return key
}

type response struct {
	status  int
	header  http.Header
	body    map[string]any
	rawBody []byte
}

func (h *harness) do(method, path string, headers map[string]string, body []byte) response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.url+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	checkOpenAPI(h.t, req, resp, raw)
	r := response{status: resp.StatusCode, header: resp.Header, rawBody: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func keyHeader(key string) map[string]string { return map[string]string{"X-API-Key": key} }

// wantError checks status and the {"error": {"code", "message"}} shape.
func wantError(t *testing.T, r response, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.rawBody)
	}
	e, _ := r.body["error"].(map[string]any)
	if e == nil || e["code"] != code || e["message"] == "" {
		t.Fatalf("error body = %s, want code %q and a message", r.rawBody, code)
	}
}

func (h *harness) createUser(key string, body string) string {
	h.t.Helper()
	r := h.do("POST", "/api/v1/users", keyHeader(key), []byte(body))
	if r.status != http.StatusCreated {
		h.t.Fatalf("create user: %d %s", r.status, r.rawBody)
	}
	return r.body["id"].(string)
}

func TestUsersAndTenantIsolation(t *testing.T) {
	h := start(t, nil)
	keyA, keyB := h.tenantKey("acme"), h.tenantKey("globex")

	id := h.createUser(keyA, `{"external_user_id":"ext-1","email":"jane@example.com","first_name":"Jane","last_name":"Doe"}`)
	r := h.do("GET", "/api/v1/users/"+id, keyHeader(keyA), nil)
	if r.status != 200 || r.body["email"] != "jane@example.com" || r.body["external_user_id"] != "ext-1" {
		t.Fatalf("get own user: %d %s", r.status, r.rawBody)
	}
	// The Open Wearables header works too.
	r = h.do("GET", "/api/v1/users/"+id, map[string]string{"X-Open-Wearables-API-Key": keyA}, nil)
	if r.status != 200 {
		t.Fatalf("get with X-Open-Wearables-API-Key: %d", r.status)
	}
	// Another tenant's key cannot see the user, nor list it.
	wantError(t, h.do("GET", "/api/v1/users/"+id, keyHeader(keyB), nil), 404, "not_found")
	r = h.do("GET", "/api/v1/users", keyHeader(keyB), nil)
	if r.status != 200 || r.body["total"].(float64) != 0 {
		t.Fatalf("tenant B lists A's users: %s", r.rawBody)
	}
	wantError(t, h.do("POST", "/api/v1/sdk/users/"+id+"/sync", keyHeader(keyB), []byte(`{"provider":"apple","data":{}}`)), 404, "not_found")

	// Paging.
	h.createUser(keyA, ``)
	h.createUser(keyA, `{}`)
	r = h.do("GET", "/api/v1/users?limit=2&page=1", keyHeader(keyA), nil)
	if r.status != 200 || r.body["total"].(float64) != 3 || len(r.body["items"].([]any)) != 2 || r.body["has_next"] != true || r.body["pages"].(float64) != 2 {
		t.Fatalf("page 1: %s", r.rawBody)
	}
	r = h.do("GET", "/api/v1/users?limit=2&page=2", keyHeader(keyA), nil)
	if len(r.body["items"].([]any)) != 1 || r.body["has_prev"] != true {
		t.Fatalf("page 2: %s", r.rawBody)
	}
	wantError(t, h.do("GET", "/api/v1/users?limit=1000", keyHeader(keyA), nil), 400, "invalid_query")
	wantError(t, h.do("POST", "/api/v1/users", keyHeader(keyA), []byte(`{"external_user_id":"ext-1"}`)), 409, "conflict")
	wantError(t, h.do("POST", "/api/v1/users", keyHeader(keyA), []byte(`{"email":"nope"}`)), 400, "invalid_field")
	wantError(t, h.do("POST", "/api/v1/users", keyHeader(keyA), []byte(`{"email":`)), 400, "invalid_json")
}

func TestAuthentication(t *testing.T) {
	h := start(t, nil)
	wantError(t, h.do("GET", "/api/v1/users", nil, nil), 401, "unauthorized")
	wantError(t, h.do("GET", "/api/v1/users", keyHeader("sk-nope"), nil), 401, "unauthorized")
	wantError(t, h.do("GET", "/api/v1/nothing-here", keyHeader(h.tenantKey("acme")), nil), 404, "not_found")
	wantError(t, h.do("GET", "/nothing-here", nil, nil), 404, "not_found")
	if r := h.do("GET", "/healthz", nil, nil); r.status != 200 {
		t.Fatalf("healthz: %d", r.status)
	}
	if r := h.do("GET", "/readyz", nil, nil); r.status != 200 || r.body["ready"] != true {
		t.Fatalf("readyz: %d %s", r.status, r.rawBody)
	}
	r := h.do("GET", "/api/v1/webhooks/event-types", nil, nil)
	if r.status != 200 || !strings.Contains(string(r.rawBody), `"series.heart_rate.created"`) {
		t.Fatalf("event types: %d", r.status)
	}
}

func TestSDKSync(t *testing.T) {
	h := start(t, map[string]string{"WEARSTREAM_MAX_BODY_BYTES": "65536"})
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	body, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/sdk/users/" + id + "/sync"

	r := h.do("POST", path, keyHeader(key), body)
	if r.status != http.StatusAccepted || r.body["user_id"] != id {
		t.Fatalf("sync: %d %s", r.status, r.rawBody)
	}
	// The 202 means the raw record is in Kafka, byte for byte.
	raw := h.consumeRaw("apple", 1)[0]
	if !bytes.Equal(raw.Body, body) || raw.UserID != id || raw.Tenant != "acme" || raw.Kind != "sdk" || raw.ID != r.body["raw_event_id"] {
		t.Fatalf("raw event = %+v", raw)
	}

	wantError(t, h.do("POST", path, keyHeader(key), []byte(`{"provider": "apple", "data": `)), 400, "invalid_body")
	wantError(t, h.do("POST", path, keyHeader(key), []byte(`{"provider": "nokia", "data": {}}`)), 400, "invalid_provider")
	wantError(t, h.do("POST", "/api/v1/sdk/users/00000000-0000-0000-0000-000000000000/sync", keyHeader(key), body), 404, "not_found")
	wantError(t, h.do("POST", path, nil, body), 401, "unauthorized")
	big := []byte(fmt.Sprintf(`{"provider":"apple","data":{},"pad":"%s"}`, strings.Repeat("x", 70000)))
	wantError(t, h.do("POST", path, keyHeader(key), big), 413, "payload_too_large")
}

func TestSDKSyncAnswers503WhenKafkaIsDown(t *testing.T) {
	h := start(t, nil, WithProduceTimeout(2*time.Second))
	key := h.tenantKey("acme")
	id := h.createUser(key, `{}`)
	h.stack.Kafka.Close()
	r := h.do("POST", "/api/v1/sdk/users/"+id+"/sync", keyHeader(key), []byte(`{"provider":"apple","data":{"records":[]}}`))
	wantError(t, r, 503, "unavailable")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
}

func (h *harness) consumeRaw(provider string, n int) []schemas.RawEvent {
	h.t.Helper()
	env := h.stack.Env
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(env.Topics.Raw(provider)), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		h.t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []schemas.RawEvent
	for len(out) < n {
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			h.t.Fatalf("got %d raw events, want %d", len(out), n)
		}
		f.EachRecord(func(r *kgo.Record) {
			var ev schemas.RawEvent
			if err := env.Serde.Decode(r.Value, &ev); err != nil {
				h.t.Fatal(err)
			}
			out = append(out, ev)
		})
	}
	return out
}
