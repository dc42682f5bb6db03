package main

// The provider end-to-end test: fake Polar and Suunto servers play the
// providers from the fixtures (authorisation page, token endpoint, REST
// API), and the real pipeline runs as in `wearstream dev`, the ingest
// worker included. A user connects Polar through the OAuth flow; the
// backfill's workouts and sleep reach ClickHouse and a signed webhook. A
// user connects Suunto with short-lived tokens, which the worker refreshes;
// a signed 24/7 sleep webhook reaches ClickHouse; disconnecting is
// announced as connection.revoked.

import (
	"context"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/providertest"
)

func TestProvidersEndToEnd(t *testing.T) {
	polar, suunto, garmin := providertest.Polar(t), providertest.Suunto(t), providertest.Garmin(t)
	suunto.ExpiresIn = 60 // inside the refresh margin: every use refreshes
	s := startProviderStack(t, withFakes(polar, suunto, garmin),
		withEvents("connection.created", "connection.revoked", "sync.completed", "workout.created", "sleep.created"))
	call, conn, rc, ctx := s.call, s.conn, s.rc, context.Background()

	// Polar: connect, backfill, ClickHouse, webhooks.
	jane := s.user("jane@example.com")
	s.connectUser("polar", jane, polar)
	waitFor(t, "polar workouts and sleep in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'polar'") == 1 && count(t, conn, "sleep FINAL WHERE provider = 'polar'") == 1 &&
			count(t, conn, "samples FINAL WHERE provider = 'polar'") == 36
	})
	var recordID string
	if err := conn.QueryRow(ctx, "SELECT provider_record_id FROM workouts FINAL WHERE provider = 'polar'").Scan(&recordID); err != nil || recordID != "2AC312F" {
		t.Fatalf("polar workout id = %q, %v", recordID, err)
	}
	waitFor(t, "polar webhooks", func() bool {
		return rc.count("connection.created") == 1 && rc.count("sync.completed") == 1 && rc.count("workout.created") == 1
	})

	// Suunto: connect with expiring tokens; the worker refreshes them.
	john := s.user("john@example.com")
	s.connectUser("suunto", john, suunto)
	waitFor(t, "the suunto backfill", func() bool { return count(t, conn, "workouts FINAL WHERE provider = 'suunto'") == 1 })
	if suunto.Issued() < 2 {
		t.Fatalf("suunto tokens issued = %d: no refresh", suunto.Issued())
	}
	sleepHook := suunto.Fixture("suunto", "suunto_webhook_247_sleep.json", "")
	call("POST", "/api/v1/providers/suunto/webhooks", sleepHook, map[string]string{"X-HMAC-SHA256-Signature": ingest.SignHMAC(providertest.WebhookSecret, sleepHook)}, 200)
	waitFor(t, "suunto sleep in clickhouse", func() bool { return count(t, conn, "sleep FINAL WHERE provider = 'suunto'") == 2 })

	// Garmin: connect (PKCE), then a push of activities: the body names two
	// Garmin users; only the connected one's three workouts are kept.
	ann := s.user("ann@example.com")
	s.connectUser("garmin", ann, garmin)
	push := garmin.Fixture("garmin", "garmin_push_activities.json", "")
	call("POST", "/api/v1/providers/garmin/webhooks", push, map[string]string{"garmin-client-id": garmin.ClientID}, 200)
	waitFor(t, "garmin workouts in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE provider = 'garmin' AND user_id = toUUID('"+ann+"')") == 3
	})
	var garminType string
	if err := conn.QueryRow(ctx, "SELECT type FROM workouts FINAL WHERE provider = 'garmin' AND provider_record_id = '21047282990'").Scan(&garminType); err != nil || garminType != "running" {
		t.Fatalf("garmin workout type = %q, %v", garminType, err)
	}
	waitFor(t, "garmin workout webhooks", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		n := 0
		for _, w := range rc.got["workout.created"] {
			if w["user_id"] == ann {
				n++
			}
		}
		return n == 3
	})

	// Garmin activity files: the notification names a callback URL; the
	// worker fetches the FIT file and the FIT normaliser turns it into a
	// workout with its samples (the FIT SDK's example activity, shipped by
	// the decoder's module: 3,601 heart-rate samples).
	fitFile := ingesttest.FITCorpus(t, "from_official_sdk/Activity.fit")
	garmin.Handle("GET", "/wellness-api/rest/activityFile", 200, fitFile)
	files := garmin.Fixture("garmin", "garmin_push_activity_files.json", providertest.GarminHost)
	call("POST", "/api/v1/providers/garmin/webhooks", files, map[string]string{"garmin-client-id": garmin.ClientID}, 200)
	waitFor(t, "the garmin activity file in clickhouse", func() bool {
		return count(t, conn, "workouts FINAL WHERE user_id = toUUID('"+ann+"') AND type = 'stand_up_paddleboarding'") == 1 &&
			count(t, conn, "samples FINAL WHERE user_id = toUUID('"+ann+"') AND series_type = 'heart_rate'") == 3601
	})

	call("DELETE", "/api/v1/users/"+john+"/connections/suunto", nil, nil, 204)
	waitFor(t, "connection.revoked", func() bool { return rc.count("connection.revoked") == 1 })
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.bad != 0 {
		t.Fatalf("%d deliveries failed verification", rc.bad)
	}
	if r := rc.got["connection.revoked"][0]; r["reason"] != jobs.ReasonUserDisconnected || r["provider"] != "suunto" || r["user_id"] != john {
		t.Fatalf("connection.revoked = %v", r)
	}
}
