package main

// The Strava end-to-end test: a fake Strava plays the provider from the
// fixtures, and the real pipeline runs as in `wearstream dev`. The webhook
// handshake is answered; an athlete connects and the backfill's activities
// reach ClickHouse; a second athlete is refused (STRAVA_MAX_ATHLETES is 1);
// a created activity is fetched with its streams, an update keeps its id,
// a delete removes it and its stream samples from the current views, and a
// deauthorisation revokes
// the connection.

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/providertest"
)

func TestStravaEndToEnd(t *testing.T) {
	fake := providertest.Strava(t)
	s := startProviderStack(t, withSettings(map[string]string{"STRAVA_WEBHOOK_VERIFY_TOKEN": "verify-me", "STRAVA_SUBSCRIPTION_ID": "120475"}),
		withFakes(fake), withEvents("connection.created", "connection.revoked"))
	call, conn, rc := s.call, s.conn, s.rc
	connect := func(user string) string {
		t.Helper()
		authURL := s.authorize("strava", user)
		if !strings.Contains(authURL, "scope="+url.QueryEscape("read,activity:read_all,profile:read_all")) {
			t.Fatalf("authorisation URL %s: scopes not comma-separated", authURL)
		}
		return s.consent(fake, authURL).Header.Get("Location")
	}

	// The subscription handshake.
	if got := call("GET", "/api/v1/providers/strava/webhooks?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=verify-me", nil, nil, 200); got["hub.challenge"] != "abc123" {
		t.Fatalf("challenge answer %v", got)
	}
	call("GET", "/api/v1/providers/strava/webhooks?hub.mode=subscribe&hub.challenge=abc123&hub.verify_token=guess", nil, nil, 401)

	// Connect; the backfill lists the athlete's activities.
	jane := s.user("jane@example.com")
	if loc := connect(jane); !strings.Contains(loc, "status=success") {
		t.Fatalf("callback redirected to %s", loc)
	}
	waitFor(t, "the strava backfill in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'strava'") == 3
	})

	// One athlete per deployment by default.
	john := s.user("john@example.com")
	fake.SetTokenExtra("athlete", map[string]any{"id": 999001})
	if loc := connect(john); !strings.Contains(loc, "status=error") || !strings.Contains(loc, "error=account_limit") {
		t.Fatalf("a second athlete: redirected to %s", loc)
	}
	if len(fake.Requests("/oauth/deauthorize")) != 1 {
		t.Fatal("the refused athlete was not deauthorised at strava")
	}

	// A new activity: fetched with its streams.
	event := func(aspect string) []byte {
		return []byte(`{"aspect_type":"` + aspect + `","event_time":1768389602,"object_id":15551234567,"object_type":"activity","owner_id":134815,"subscription_id":120475,"updates":{}}`)
	}
	call("POST", "/api/v1/providers/strava/webhooks", event("create"), nil, 200)
	waitFor(t, "the new activity and its streams", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'strava' AND deleted = 0") == 4 &&
			count(t, conn, "samples FINAL WHERE provider = 'strava' AND series_type = 'heart_rate'") == 6
	})
	// An update (the athlete renamed it): the same workout, a newer version.
	renamed := bytes.Replace(fake.Fixture("strava", "strava_activity.json", ""), []byte("Lunch trail run"), []byte("Renamed run"), 1)
	fake.Handle("GET", "/activities/15551234567", 200, renamed)
	call("POST", "/api/v1/providers/strava/webhooks", event("update"), nil, 200)
	waitFor(t, "the updated activity", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider_record_id = '15551234567' AND name = 'Renamed run'") == 1
	})
	if n := count(t, conn, "workouts FINAL WHERE provider = 'strava'"); n != 4 {
		t.Fatalf("after the update: %d workouts, want 4", n)
	}
	// A delete: the workout and its stream samples disappear.
	call("POST", "/api/v1/providers/strava/webhooks", event("delete"), nil, 200)
	waitFor(t, "the deleted activity gone", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'strava' AND deleted = 0") == 3 &&
			count(t, conn, "samples_current WHERE provider = 'strava' AND series_type = 'heart_rate'") == 0
	})
	// Another subscription's event is refused.
	call("POST", "/api/v1/providers/strava/webhooks", bytes.Replace(event("create"), []byte("120475"), []byte("999"), 1), nil, 401)

	// Deauthorisation revokes the connection.
	call("POST", "/api/v1/providers/strava/webhooks", fake.Fixture("strava", "strava_webhook_deauth.json", ""), nil, 200)
	waitFor(t, "connection.revoked", func() bool { return rc.count("connection.revoked") == 1 })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r := rc.got["connection.revoked"][0]; r["reason"] != jobs.ReasonDeregistration || r["provider"] != "strava" || r["user_id"] != jane {
		t.Fatalf("connection.revoked = %v", r)
	}
}
