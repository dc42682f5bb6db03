package whoop

import (
	"net/http"
	"strings"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func FuzzNormalize(f *testing.F) {
	ingesttest.SeedFixtures(f, fixtures...)
	f.Add([]byte(`{"records":[{"id":"a","sport_name":"hiit","start":"2026-01-14T07:00:00Z","end":"2026-01-14T08:00:00Z","timezone_offset":"+13:00","score_state":"SCORED","score":{"kilojoule":"x"}}],"next_token":"t"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Normalize(testContext(), body)
		if err != nil {
			return
		}
		ingesttest.CheckBatches(t, recs.Samples)
		ingesttest.CheckWorkouts(t, recs.Workouts)
		ingesttest.CheckSleep(t, live(recs.Sleep))
	})
}

func FuzzParseWebhook(f *testing.F) {
	ingesttest.SeedFixtures(f, "whoop_webhook.json", "whoop_webhook_recovery.json", "whoop_webhook_v1_legacy.json", "whoop_webhook_deleted.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseWebhook(body)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.ProviderUserID == "" || (it.Job == ingest.JobFetch) == (it.Body != nil) {
				t.Fatalf("item %+v", it)
			}
			if it.Job == ingest.JobFetch {
				s := &ingest.Session{Provider: provider, Settings: ingest.Settings{APIURL: "https://api.prod.whoop.com/developer"}}
				if u, err := s.URL(it.URL, nil); err != nil || !strings.HasPrefix(u, "https://api.prod.whoop.com/developer/v") {
					t.Fatalf("fetch URL %q leaves the API: %v", it.URL, err)
				}
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add("1768400000000", "AAAA", []byte(`{}`))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("X-WHOOP-Signature-Timestamp", ts)
		h.Set("X-WHOOP-Signature", sig)
		if Verify(ingest.Settings{ClientSecret: "secret"}, h, body) == nil && strings.TrimSpace(sig) != Sign("secret", strings.TrimSpace(ts), body) {
			t.Fatalf("verified a wrong signature %q", sig)
		}
	})
}
