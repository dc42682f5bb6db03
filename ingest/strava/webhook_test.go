package strava

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func TestChallenge(t *testing.T) {
	s := ingest.Settings{Extra: map[string]string{envVerifyToken: "STRAVA"}}
	q := url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"15f7d1a91c1f40f8a748fd134752feb3"}, "hub.verify_token": {"STRAVA"}}
	status, body, err := Challenge(s, q)
	if err != nil || status != http.StatusOK {
		t.Fatalf("challenge: %d, %v", status, err)
	}
	var got, want map[string]string
	_ = json.Unmarshal(body, &got)
	_ = json.Unmarshal(ingesttest.ReadFixture(t, "strava_webhook_challenge_response.json"), &want)
	if got["hub.challenge"] != want["hub.challenge"] {
		t.Errorf("answer %s, want %v", body, want)
	}
	q.Set("hub.verify_token", "other")
	if _, _, err := Challenge(s, q); err == nil {
		t.Error("a wrong verify token was accepted")
	}
	if _, _, err := Challenge(ingest.Settings{Extra: map[string]string{}}, url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"x"}}); err == nil {
		t.Error("an unset verify token was accepted")
	}
}

func TestParseWebhook(t *testing.T) {
	items, err := ParseWebhook(ingesttest.ReadFixture(t, "strava_webhook_create.json"))
	if err != nil || len(items) != 1 || items[0].Job != ingest.JobFetch || items[0].URL != "activities/15551234567" || items[0].ProviderUserID != "134815" {
		t.Fatalf("create: %+v, %v", items, err)
	}
	items, _ = ParseWebhook(ingesttest.ReadFixture(t, "strava_webhook_event.json"))
	if len(items) != 1 || items[0].Job != ingest.JobFetch || items[0].URL != "activities/1360128428" {
		t.Fatalf("update: %+v", items)
	}
	items, _ = ParseWebhook(ingesttest.ReadFixture(t, "strava_webhook_delete.json"))
	if len(items) != 1 || items[0].Body == nil || items[0].Job != "" {
		t.Fatalf("delete: %+v", items)
	}
	items, _ = ParseWebhook(ingesttest.ReadFixture(t, "strava_webhook_deauth.json"))
	if len(items) != 1 || items[0].Job != ingest.JobRevoke || items[0].ProviderUserID != "134815" {
		t.Fatalf("deauth: %+v", items)
	}
	items, _ = ParseWebhook([]byte(`{"object_type":"athlete","aspect_type":"update","owner_id":1,"object_id":1,"updates":{"authorized":"true"}}`))
	if len(items) != 0 {
		t.Fatalf("profile update: %+v", items)
	}
	if _, err := ParseWebhook([]byte(`{"object_type":"activity"}`)); err == nil {
		t.Fatal("an event without owner was read")
	}
}

func TestVerify(t *testing.T) {
	body := ingesttest.ReadFixture(t, "strava_webhook_create.json")
	if err := Verify(ingest.Settings{Extra: map[string]string{}}, nil, body); err != nil {
		t.Fatalf("without a subscription id: %v", err)
	}
	s := ingest.Settings{Extra: map[string]string{envSubscriptionID: "120475"}}
	if err := Verify(s, nil, body); err != nil {
		t.Fatal(err)
	}
	s.Extra[envSubscriptionID] = "999"
	if Verify(s, nil, body) == nil {
		t.Fatal("an event of another subscription verified")
	}
}

// A loopback Strava that holds push subscriptions and, like Strava, runs
// the callback's handshake before it creates one.
func TestSubscribe(t *testing.T) {
	var mu sync.Mutex
	subs := []Subscription{{ID: 1, CallbackURL: "https://old.example/hook"}}
	settings := ingest.Settings{ClientID: "cid", ClientSecret: "csecret", Extra: map[string]string{envVerifyToken: "vt"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.Form.Get("client_id") != "cid" || r.Form.Get("client_secret") != "csecret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/push_subscriptions":
			_ = json.NewEncoder(w).Encode(subs)
		case r.Method == http.MethodDelete && r.URL.Path == "/push_subscriptions/1":
			subs = nil
			w.WriteHeader(http.StatusNoContent)
		case r.Method == http.MethodPost && r.URL.Path == "/push_subscriptions":
			status, body, err := Challenge(settings, url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"c"}, "hub.verify_token": {r.Form.Get("verify_token")}})
			if err != nil || status != 200 || string(body) != `{"hub.challenge":"c"}` {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			subs = append(subs, Subscription{ID: 7, CallbackURL: r.Form.Get("callback_url")})
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id": 7}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	settings.APIURL = srv.URL
	s := &ingest.Session{Provider: provider, Settings: settings, HTTP: srv.Client()}
	id, err := Subscribe(context.Background(), s, "https://wear.example/api/v1/providers/strava/webhooks")
	if err != nil || id != 7 {
		t.Fatalf("Subscribe = %d, %v", id, err)
	}
	id, err = Subscribe(context.Background(), s, "https://wear.example/api/v1/providers/strava/webhooks")
	if err != nil || id != 7 || len(subs) != 1 {
		t.Fatalf("second Subscribe = %d, %v, %+v", id, err, subs)
	}
}

func FuzzNormalize(f *testing.F) {
	ingesttest.SeedFixtures(f, fixtures...)
	f.Add([]byte(`{"activity":{"id":"1","start_date":"2026-01-10T09:00:00Z","elapsed_time":"5"},"streams":{"time":{"data":[0,1e308]},"watts":{"data":[1,2]}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Normalize(testContext(), body)
		if err != nil {
			return
		}
		ingesttest.CheckBatches(t, recs.Samples)
		ingesttest.CheckWorkouts(t, recs.Workouts)
	})
}

func FuzzParseWebhook(f *testing.F) {
	ingesttest.SeedFixtures(f, "strava_webhook_create.json", "strava_webhook_event.json", "strava_webhook_deauth.json", "strava_webhook_delete.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseWebhook(body)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.ProviderUserID == "" || (it.Job == ingest.JobFetch && it.URL == "") {
				t.Fatalf("item %+v", it)
			}
		}
	})
}

func FuzzChallenge(f *testing.F) {
	f.Add("subscribe", "c", "vt", "vt")
	f.Fuzz(func(t *testing.T, mode, challenge, token, configured string) {
		s := ingest.Settings{Extra: map[string]string{envVerifyToken: configured}}
		_, _, err := Challenge(s, url.Values{"hub.mode": {mode}, "hub.challenge": {challenge}, "hub.verify_token": {token}})
		if err == nil && (configured == "" || token != configured) {
			t.Fatal("accepted a handshake with the wrong verify token")
		}
	})
}

// FuzzVerify: with a subscription configured, only events of that
// subscription pass.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"aspect_type":"create","object_type":"activity","object_id":1,"owner_id":2,"subscription_id":120475,"event_time":1516126040}`), "120475")
	f.Add([]byte(`{"subscription_id":"120475"}`), "120475")
	f.Add([]byte(`{}`), "")
	f.Fuzz(func(t *testing.T, body []byte, configured string) {
		s := ingest.Settings{Extra: map[string]string{envSubscriptionID: configured}}
		err := Verify(s, nil, body)
		if err == nil && strings.TrimSpace(configured) != "" {
			var e Event
			if json.Unmarshal(body, &e) != nil || string(e.SubscriptionID) != strings.TrimSpace(configured) {
				t.Fatalf("accepted %q for subscription %q", body, configured)
			}
		}
	})
}
