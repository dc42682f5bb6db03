package main

// The Google Health API end-to-end test: a fake Google Health API plays
// the provider from the fixtures, and the real pipeline runs as in
// `wearstream dev`. Google's endpoint verification succeeds with the
// secret and fails without it; a user connects under google_health (not
// google, the SDK path) and the backfill's exercise, sleep, steps and heart
// rate reach ClickHouse; a notification is fetched over its interval.

import (
	"strings"
	"testing"

	"github.com/wearstream/wearstream/ingest/providertest"
)

func TestGoogleHealthEndToEnd(t *testing.T) {
	fake := providertest.GoogleHealth(t)
	s := startProviderStack(t, withFakes(fake))
	call, conn := s.call, s.conn

	// Google's endpoint verification: with the secret, then without.
	verification := fake.Fixture("googlehealth", "google_health_verification.json", "")
	call("POST", "/api/v1/providers/google_health/webhooks", verification, map[string]string{"Authorization": providertest.WebhookSecret}, 200)
	call("POST", "/api/v1/providers/google_health/webhooks", verification, nil, 401)

	// Connect; the backfill lists every data type.
	jane := s.user("jane@example.com")
	res := s.consent(fake, s.authorize("google_health", jane))
	if loc := res.Header.Get("Location"); !strings.Contains(loc, "status=success") {
		t.Fatalf("callback redirected to %s", loc)
	}
	waitFor(t, "the google health backfill in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'google_health'") == 2 && count(t, conn, "sleep FINAL WHERE provider = 'google_health'") == 2 &&
			count(t, conn, "samples FINAL WHERE provider = 'google_health'") == 5
	})
	if n := count(t, conn, "workouts FINAL WHERE provider = 'google'"); n != 0 {
		t.Fatalf("%d workouts under google, the SDK provider", n)
	}

	// A notification: its interval is fetched.
	before := len(fake.Requests("/v4/users/me/dataTypes/steps/dataPoints"))
	note := fake.Fixture("googlehealth", "google_health_webhook.json", "")
	call("POST", "/api/v1/providers/google_health/webhooks", note, map[string]string{"Authorization": "Bearer " + providertest.WebhookSecret}, 200)
	waitFor(t, "the notified interval fetched", func() bool {
		return len(fake.Requests("/v4/users/me/dataTypes/steps/dataPoints")) > before
	})
	got := fake.Requests("/v4/users/me/dataTypes/steps/dataPoints")
	if f := got[len(got)-1].Query.Get("filter"); f != `interval.start_time >= "2026-01-14T08:00:00Z" AND interval.start_time < "2026-01-14T09:00:01Z"` {
		t.Fatalf("filter %q", f)
	}
}
