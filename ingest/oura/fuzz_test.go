package oura

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func FuzzNormalize(f *testing.F) {
	ingesttest.SeedFixtures(f, fixtures...)
	f.Add([]byte(`{"data":[{"id":"a","activity":"running","start_datetime":"2026-01-14T07:00:00+01:00","end_datetime":"2026-01-14T08:00:00+01:00","distance":"10000"}],"next_token":"x"}`))
	f.Add([]byte(`{"id":"s","type":"long_sleep","bedtime_start":"2026-01-13T23:00:00+01:00","bedtime_end":"2026-01-14T07:00:00+01:00","sleep_phase_30_sec":"41234x","heart_rate":{"interval":60,"items":[null,50],"timestamp":"2026-01-13T23:00:00+01:00"}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Normalize(testContext(), body)
		if err != nil {
			return
		}
		ingesttest.CheckBatches(t, recs.Samples)
		ingesttest.CheckWorkouts(t, recs.Workouts)
		ingesttest.CheckSleep(t, live(recs.Sleep))
		ingesttest.CheckIntervals(t, live(recs.Sleep))
	})
}

func FuzzParseWebhook(f *testing.F) {
	ingesttest.SeedFixtures(f, "oura_webhook.json", "oura_webhook_delete.json")
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
				s := &ingest.Session{Provider: provider, Settings: ingest.Settings{APIURL: "https://api.ouraring.com"}}
				if u, err := s.URL(it.URL, nil); err != nil || u[:len("https://api.ouraring.com/v2/usercollection/")] != "https://api.ouraring.com/v2/usercollection/" {
					t.Fatalf("fetch URL %q leaves the API: %v", it.URL, err)
				}
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add("1768400000", "AB", []byte(`{}`))
	f.Fuzz(func(t *testing.T, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set("X-Oura-Timestamp", ts)
		h.Set("X-Oura-Signature", sig)
		if Verify(ingest.Settings{ClientSecret: "secret"}, h, body) == nil && sig != Sign("secret", ts, body) &&
			sig != lower(Sign("secret", ts, body)) {
			t.Fatalf("verified a wrong signature %q", sig)
		}
		_, _, _ = Challenge(ingest.Settings{Extra: map[string]string{envVerificationToken: "tok"}}, url.Values{"verification_token": {ts}, "challenge": {sig}})
	})
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
