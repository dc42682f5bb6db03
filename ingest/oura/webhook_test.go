package oura

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/ingest/providertest"
)

func signed(secret string, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	h := http.Header{}
	h.Set("X-Oura-Timestamp", ts)
	h.Set("X-Oura-Signature", Sign(secret, ts, body))
	return h
}

func TestVerify(t *testing.T) {
	body := ingesttest.ReadFixture(t, "oura_webhook.json")
	s := ingest.Settings{ClientSecret: "client-secret"}
	if err := Verify(s, signed("client-secret", time.Now(), body), body); err != nil {
		t.Fatal(err)
	}
	h := signed("client-secret", time.Now(), body)
	h.Set("X-Oura-Signature", strings.ToLower(h.Get("X-Oura-Signature")))
	if err := Verify(s, h, body); err != nil {
		t.Fatalf("lower-case hex: %v", err)
	}
	for name, h := range map[string]http.Header{
		"other secret": signed("other", time.Now(), body),
		"replayed":     signed("client-secret", time.Now().Add(-time.Hour), body),
		"unsigned":     {},
	} {
		if err := Verify(s, h, body); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	if Verify(s, signed("client-secret", time.Now(), body), append(body, ' ')) == nil {
		t.Error("a changed body verified")
	}
	if Verify(ingest.Settings{}, signed("", time.Now(), body), body) == nil {
		t.Error("verified without a client secret")
	}
}

func TestChallenge(t *testing.T) {
	want := ingesttest.ReadFixture(t, "oura_webhook_challenge_response.json")
	s := ingest.Settings{Extra: map[string]string{envVerificationToken: "tok"}}
	status, body, err := Challenge(s, url.Values{"verification_token": {"tok"}, "challenge": {"9f2c1a7e-5b3d-4e8f-a0c6-d41b7e92f3aa"}})
	if err != nil || status != 200 || !bytes.Equal(bytes.Join(bytes.Fields(body), nil), bytes.Join(bytes.Fields(want), nil)) {
		t.Fatalf("challenge = %d %s %v, want %s", status, body, err, want)
	}
	if _, _, err := Challenge(s, url.Values{"verification_token": {"wrong"}, "challenge": {"c"}}); err == nil {
		t.Fatal("a wrong token was answered")
	}
	if _, _, err := Challenge(ingest.Settings{}, url.Values{"verification_token": {""}, "challenge": {"c"}}); err == nil {
		t.Fatal("answered without a configured token")
	}
}

func TestParseWebhook(t *testing.T) {
	items, err := ParseWebhook(ingesttest.ReadFixture(t, "oura_webhook.json"))
	if err != nil || len(items) != 0 {
		t.Fatalf("daily_sleep (not subscribed) = %+v, %v", items, err)
	}
	create := []byte(`{"event_type":"update","data_type":"workout","object_id":"a/b","user_id":"u1"}`)
	items, err = ParseWebhook(create)
	if err != nil || len(items) != 1 || items[0].Job != ingest.JobFetch || items[0].URL != "/v2/usercollection/workout/a%2Fb" || items[0].ProviderUserID != "u1" {
		t.Fatalf("update = %+v, %v", items, err)
	}
	del := ingesttest.ReadFixture(t, "oura_webhook_delete.json")
	items, err = ParseWebhook(del)
	if err != nil || len(items) != 1 || items[0].Job != "" || !bytes.Equal(items[0].Body, del) || items[0].ProviderUserID != providertest.OuraUserID {
		t.Fatalf("delete = %+v, %v", items, err)
	}
	if _, err := ParseWebhook([]byte(`{"event_type":"create"}`)); err == nil {
		t.Fatal("a notification without ids parsed")
	}
}

// Subscribe creates every subscription through Oura's handshake, answered
// by the same Challenge the gateway answers with, and renews those about
// to expire.
func TestSubscribe(t *testing.T) {
	fake := providertest.Oura(t)
	settings := (&ingest.OAuth{Env: "OURA", Extra: []ingest.Setting{{Name: envVerificationToken}}}).Settings(func(k string) string { return fake.Settings()[k] })
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		status, body, err := Challenge(settings, r.URL.Query())
		if err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	defer callback.Close()
	s := &ingest.Session{Provider: provider, Settings: settings}
	ctx := context.Background()
	if err := Subscribe(ctx, s, callback.URL); err != nil {
		t.Fatal(err)
	}
	if got := len(fake.Subscriptions()); got != len(subscribedTypes)*len(eventTypes) {
		t.Fatalf("%d subscriptions", got)
	}
	if err := Subscribe(ctx, s, callback.URL); err != nil {
		t.Fatal(err)
	}
	for _, sub := range fake.Subscriptions() {
		if sub.Renewed != 0 {
			t.Fatalf("renewed %+v before it was due", sub)
		}
	}
	fake.Expire(48 * time.Hour)
	if err := Subscribe(ctx, s, callback.URL); err != nil {
		t.Fatal(err)
	}
	subs := fake.Subscriptions()
	if len(subs) != len(subscribedTypes)*len(eventTypes) {
		t.Fatalf("%d subscriptions after renewal", len(subs))
	}
	for _, sub := range subs {
		if sub.Renewed != 1 {
			t.Fatalf("not renewed: %+v", sub)
		}
	}
	// A callback that does not answer the handshake is refused.
	bad := &ingest.Session{Provider: provider, Settings: settings}
	bad.Settings.Extra = map[string]string{envVerificationToken: "other"}
	if err := Subscribe(ctx, bad, callback.URL+"/elsewhere"); err == nil {
		t.Fatal("subscribed a callback that failed the handshake")
	}
	// Webhooks not enabled: nothing is done.
	if err := Subscribe(ctx, &ingest.Session{Provider: provider}, callback.URL); err != nil {
		t.Fatal(err)
	}
}
