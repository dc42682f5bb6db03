package main

// The Google Health API end-to-end test: a fake Google Health API plays
// the provider from the fixtures, and the real pipeline runs as in
// `wearstream dev`. Google's endpoint verification succeeds with the
// secret and fails without it; a user connects under google_health (not
// google, the SDK path) and the backfill's exercise, sleep, steps and heart
// rate reach ClickHouse; a notification is fetched over its interval; a
// DELETE of exercise over a workout's interval removes the workout from
// workouts_current and sends workout.deleted.

import (
	"strings"
	"testing"

	"github.com/wearstream/wearstream/ingest/providertest"
)

func TestGoogleHealthEndToEnd(t *testing.T) {
	fake := providertest.GoogleHealth(t)
	s := startProviderStack(t, withFakes(fake), withEvents("workout.deleted"))
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

	// A DELETE names an interval: the workout starting in it goes.
	del := []byte(`[{"data": {"healthUserId": "` + providertest.GoogleHealthUserID + `", "operation": "DELETE", "dataType": "exercise",
		"intervals": [{"physicalTimeInterval": {"startTime": "2026-01-13T17:00:00Z", "endTime": "2026-01-13T17:45:00Z"}}]}}]`)
	call("POST", "/api/v1/providers/google_health/webhooks", del, map[string]string{"Authorization": providertest.WebhookSecret}, 200)
	waitFor(t, "the deleted workout gone and workout.deleted sent", func() bool {
		return count(t, conn, "workouts_current WHERE provider = 'google_health'") == 1 && s.rc.count("workout.deleted") == 1
	})
	if n := count(t, conn, "workouts_current WHERE provider = 'google_health' AND start_time = '2026-01-13 17:00:00'"); n != 0 {
		t.Fatalf("the deleted workout is still current (%d rows)", n)
	}
}
