package gateway

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

// startWithClickHouse is start with the delivery and audit logs on a fresh,
// migrated database of the test ClickHouse server.
func startWithClickHouse(t *testing.T) (*harness, driver.Conn) {
	t.Helper()
	srv := chserver.TestServer(t)
	db := srv.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := chsink.Connect(ctx, srv.Addr, db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := chsink.Migrate(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	return start(t, nil, WithClickHouse(conn)), conn
}

// TestLogIteratorsAndTimeBoundsAreValidated: a crafted iterator or time
// bound is a 400 that names the parameter, never a 5xx or the database's
// words; a bound past what the log can hold means "no bound".
func TestLogIteratorsAndTimeBoundsAreValidated(t *testing.T) {
	h, conn := startWithClickHouse(t)
	key := h.tenantKey("acme")
	r := h.do("POST", "/api/v1/webhooks/endpoints", keyHeader(key), []byte(`{"url":"https://example.com/h"}`))
	if r.status != http.StatusCreated {
		t.Fatalf("create endpoint: %d %s", r.status, r.rawBody)
	}
	ep := r.body["id"].(string)
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var attempts []schemas.Attempt
	for i, id := range []string{"msg_a", "msg_b"} {
		attempts = append(attempts, schemas.Attempt{ID: "att-" + id, MessageID: id, Tenant: "acme", EndpointID: ep, EventType: "workout.created",
			Attempt: 1, Trigger: "scheduled", StatusCode: 200, Success: true, AttemptedAt: at.Add(time.Duration(i) * time.Minute), Payload: []byte(`{}`)})
	}
	if err := chsink.NewWriter(conn).Write(context.Background(), chsink.Rows{Attempts: attempts}); err != nil {
		t.Fatal(err)
	}

	lists := []string{"/api/v1/webhooks/messages", "/api/v1/webhooks/endpoints/" + ep + "/attempts", "/api/v1/audit"}
	get := func(path string, q url.Values) response {
		t.Helper()
		r := h.do("GET", path+"?"+q.Encode(), keyHeader(key), nil)
		if r.status >= 500 || strings.Contains(string(r.rawBody), "DB::") || strings.Contains(string(r.rawBody), "Code:") {
			t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), r.status, r.rawBody)
		}
		return r
	}
	wantNamed := func(r response, param string) {
		t.Helper()
		wantError(t, r, http.StatusBadRequest, "invalid_field")
		if msg := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, param+":") {
			t.Fatalf("message %q does not name %s", msg, param)
		}
	}
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	badIterators := []string{
		"OTk5OTk5OTk5OTk5OTk5OTkuMC54", // the probe's: 99999999999999999.0.x
		enc("-1.0.x"), enc("4294967296.0.x"), enc("100.1000.x"), enc("100.0.x' OR 1=1 --"), enc("100.0."),
		enc("100.0." + strings.Repeat("a", 65)), "not base64!", strings.Repeat("A", 200), enc("1.2"),
	}
	for _, path := range lists {
		for _, it := range badIterators {
			wantNamed(get(path, url.Values{"iterator": {it}}), "iterator")
		}
		wantNamed(get(path, url.Values{"after": {"9999-12-31T23:59:59Z"}}), "after")
		wantNamed(get(path, url.Values{"before": {"1960-01-01T00:00:00Z"}}), "before")
		wantNamed(get(path, url.Values{"before": {"2026-01-01T00:00:00Z"}, "after": {"2026-02-01T00:00:00Z"}}), "before")
		wantNamed(get(path, url.Values{"before": {"tomorrow"}}), "before")
		wantNamed(get(path, url.Values{"limit": {"100000"}}), "limit")
	}
	for _, path := range lists[:2] {
		// No upper bound: the year 9999 means "everything".
		r := get(path, url.Values{"before": {"9999-12-31T23:59:59Z"}, "after": {"0001-01-01T00:00:00Z"}})
		if data, _ := r.body["data"].([]any); r.status != 200 || len(data) != 2 {
			t.Fatalf("GET %s with far bounds: %d %s, want both attempts", path, r.status, r.rawBody)
		}
		// A real iterator still pages.
		r = get(path, url.Values{"limit": {"1"}})
		it, _ := r.body["iterator"].(string)
		if r.status != 200 || it == "" {
			t.Fatalf("first page of %s: %d %s", path, r.status, r.rawBody)
		}
		r = get(path, url.Values{"limit": {"1"}, "iterator": {it}})
		if data, _ := r.body["data"].([]any); r.status != 200 || len(data) != 1 || r.body["done"] != true {
			t.Fatalf("second page of %s: %d %s", path, r.status, r.rawBody)
		}
	}
}

// TestAuditLog makes changes through the API, runs the ClickHouse sink on
// the audit topic and reads them back at GET /api/v1/audit: who, what and
// when, no secret, admins only.
func TestAuditLog(t *testing.T) {
	h, conn := startWithClickHouse(t)
	admin := h.tenantKey("acme")
	member := h.roleKey("acme", "member")
	otherAdmin := h.tenantKey("globex")

	user := h.createUser(member, `{"external_user_id":"ext-9"}`)
	r := h.do("POST", "/api/v1/webhooks/endpoints", keyHeader(admin), []byte(`{"url":"https://example.com/h"}`))
	ep := r.body["id"].(string)
	epPath := "/api/v1/webhooks/endpoints/" + ep
	h.do("PATCH", epPath, keyHeader(admin), []byte(`{"description":"billing"}`))
	secret := h.do("POST", epPath+"/secret/rotate", keyHeader(admin), nil).body["key"].(string)
	h.do("POST", epPath+"/disable", keyHeader(admin), nil)
	h.do("DELETE", epPath, keyHeader(admin), nil)
	r = h.do("POST", "/api/v1/applications", keyHeader(admin), []byte(`{"name":"iOS"}`))
	app, appSecret := r.body["app_id"].(string), r.body["app_secret"].(string)
	h.do("DELETE", "/api/v1/applications/"+app, keyHeader(admin), nil)
	want := []string{"user.created", "endpoint.created", "endpoint.updated", "endpoint.secret_rotated", "endpoint.disabled", "endpoint.deleted", "application.created", "application.deleted"}

	env := h.stack.Env
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumerGroup("audit-test"), kgo.ConsumeTopics(env.Topics.Audit()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.DisableAutoCommit(), kgo.BlockRebalanceOnPoll())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	sink := chsink.New(chsink.Config{Client: cl, Writer: chsink.NewWriter(conn), BatchWait: 100 * time.Millisecond,
		Decode: func(_ string, v []byte) (any, error) { return env.Serde.DecodeNew(v) }})
	go func() { defer close(done); _ = sink.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; cl.Close() })
	eventually(t, "the audit events in ClickHouse", func() bool { return sink.Stats().AuditEvents >= uint64(len(want)) })

	r = h.do("GET", "/api/v1/audit?limit=250", keyHeader(admin), nil)
	if r.status != 200 {
		t.Fatalf("audit: %d %s", r.status, r.rawBody)
	}
	for _, s := range []string{secret, appSecret} {
		if strings.Contains(string(r.rawBody), s) {
			t.Fatalf("a secret is in the audit log: %s", r.rawBody)
		}
	}
	var got []string
	for _, e := range r.body["data"].([]any) {
		ev := e.(map[string]any)
		got = append(got, ev["action"].(string))
		wantActor := "key_acme"
		if ev["action"] == "user.created" {
			wantActor = "key_member_acme"
			if ev["target_id"] != user || ev["detail"].(map[string]any)["external_user_id"] != "ext-9" {
				t.Errorf("user.created = %v", ev)
			}
		}
		if ev["actor"] != wantActor || ev["client_address"] != "127.0.0.1" || ev["at"] == "" {
			t.Errorf("event %v: want actor %s from 127.0.0.1", ev, wantActor)
		}
	}
	// Changes made in the same millisecond have no order among them.
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("audit actions %v, want %v", got, want)
	}
	r = h.do("GET", "/api/v1/audit?action=endpoint.updated", keyHeader(admin), nil)
	if data := r.body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["detail"].(map[string]any)["description"] != "billing" {
		t.Fatalf("audit filtered by action: %s", r.rawBody)
	}
	wantError(t, h.do("GET", "/api/v1/audit", keyHeader(member), nil), http.StatusForbidden, "insufficient_role")
	if r := h.do("GET", "/api/v1/audit", keyHeader(otherAdmin), nil); r.status != 200 || len(r.body["data"].([]any)) != 0 {
		t.Fatalf("another tenant's admin sees: %s", r.rawBody)
	}
}
