package gateway

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wearstream/wearstream/sinks/webhooks"
)

func TestEndpointPatchEnableAndRotation(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	other := h.tenantKey("globex")
	user := h.createUser(key, `{"email":"a@example.com"}`)

	var mu sync.Mutex
	var got []http.Header
	var bodies [][]byte
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r.Header.Clone()), append(bodies, b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hook.Close()

	r := h.do("POST", "/api/v1/webhooks/endpoints", keyHeader(key),
		[]byte(`{"url":"`+hook.URL+`","filter_types":["heart_rate.created","series.steps.created"],"user_id":"`+user+`"}`))
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.rawBody)
	}
	id := r.body["id"].(string)
	path := "/api/v1/webhooks/endpoints/" + id

	wantError(t, h.do("PATCH", path, keyHeader(key), []byte(`{"filter_types":["nope.created"]}`)), 400, "invalid_field")
	wantError(t, h.do("PATCH", path, keyHeader(key), []byte(`{"url":"ftp://example.com"}`)), 400, "invalid_field")
	wantError(t, h.do("PATCH", path, keyHeader(other), []byte(`{"description":"x"}`)), 404, "not_found")
	r = h.do("PATCH", path, keyHeader(key), []byte(`{"description":"renamed","user_id":null,"filter_types":[]}`))
	if r.status != 200 || r.body["description"] != "renamed" || r.body["user_id"] != nil || len(r.body["filter_types"].([]any)) != 0 || r.body["url"] != hook.URL {
		t.Fatalf("patch: %d %s", r.status, r.rawBody)
	}
	if r = h.do("POST", path+"/disable", keyHeader(key), nil); r.status != 200 || r.body["disabled"] != true {
		t.Fatalf("disable: %d %s", r.status, r.rawBody)
	}
	if r = h.do("POST", path+"/enable", keyHeader(key), nil); r.status != 200 || r.body["disabled"] != false {
		t.Fatalf("enable: %d %s", r.status, r.rawBody)
	}

	// Rotation: both secrets sign for 24 hours.
	old := h.do("GET", path+"/secret", keyHeader(key), nil).body["key"].(string)
	r = h.do("POST", path+"/secret/rotate", keyHeader(key), nil)
	if r.status != 200 {
		t.Fatalf("rotate: %d %s", r.status, r.rawBody)
	}
	fresh := r.body["key"].(string)
	if fresh == old || h.do("GET", path+"/secret", keyHeader(key), nil).body["key"] != fresh {
		t.Fatal("the secret did not change")
	}
	r = h.do("POST", path+"/test", keyHeader(key), []byte(`{"event_type":"sleep.created"}`))
	if r.status != 200 || r.body["success"] != true {
		t.Fatalf("test: %d %s", r.status, r.rawBody)
	}
	mu.Lock()
	hdr, body := got[len(got)-1], bodies[len(bodies)-1]
	mu.Unlock()
	if sigs := strings.Fields(hdr.Get("webhook-signature")); len(sigs) != 2 {
		t.Fatalf("webhook-signature %q, want two signatures during the overlap", hdr.Get("webhook-signature"))
	}
	for _, s := range []string{old, fresh} {
		if err := webhooks.Verify([]string{s}, hdr.Get("svix-id"), hdr.Get("svix-timestamp"), hdr.Get("svix-signature"), body, time.Now(), 0); err != nil {
			t.Fatalf("a receiver with one of the secrets cannot verify: %v", err)
		}
	}
	ep, _ := h.stack.Env.Tables.Endpoints.Get(id)
	secrets, err := webhooks.EndpointSecrets(h.stack.Env.Box, ep, time.Now().Add(SecretOverlap+time.Minute))
	if err != nil || len(secrets) != 1 || secrets[0] != fresh {
		t.Fatalf("after the overlap the secrets are %d, %v; want only the new one", len(secrets), err)
	}
	// Without ClickHouse the log API says so.
	wantError(t, h.do("GET", path+"/attempts", keyHeader(key), nil), 503, "unavailable")
}
