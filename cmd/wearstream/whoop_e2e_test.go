package main

// The WHOOP end-to-end test: a fake WHOOP plays the provider from the
// fixtures with tokens that expire inside the refresh margin, so every use
// refreshes and spends the refresh token; the real pipeline runs as in
// `wearstream dev`. A user connects through the OAuth flow and the
// backfill reaches ClickHouse; a signed recovery notification is fetched
// through its sleep's cycle; a signed workout.deleted deletes the workout.

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest/providertest"
	"github.com/wearstream/wearstream/ingest/whoop"
)

func TestWhoopEndToEnd(t *testing.T) {
	fake := providertest.Whoop(t)
	fake.ExpiresIn = 60 // inside the refresh margin: every use refreshes
	s := startProviderStack(t, withFakes(fake), withWorkerTick(100*time.Millisecond),
		withEvents("connection.created", "workout.created", "workout.deleted", "connection.revoked"))

	user := s.connect("whoop", fake)
	waitFor(t, "the whoop backfill in clickhouse", func() bool {
		return count(t, s.conn, "workouts FINAL WHERE provider = 'whoop'") == 1 && count(t, s.conn, "sleep FINAL WHERE provider = 'whoop'") == 1 &&
			count(t, s.conn, "samples FINAL WHERE provider = 'whoop' AND series_type = 'heart_rate_variability_rmssd'") == 1 &&
			count(t, s.conn, "samples FINAL WHERE provider = 'whoop' AND series_type = 'energy'") == 1
	})
	var kcal float64
	if err := s.conn.QueryRow(context.Background(), "SELECT calories_kcal FROM workouts FINAL WHERE provider = 'whoop'").Scan(&kcal); err != nil || kcal < 375.08 || kcal > 375.09 {
		t.Fatalf("workout kcal = %v, %v (1569.34 kJ)", kcal, err)
	}
	// Every step refreshed the token and spent the refresh token: the
	// connection still works only if each new refresh token was kept.
	if fake.Issued() < 3 {
		t.Fatalf("whoop tokens issued = %d: no refresh", fake.Issued())
	}
	for _, path := range []string{"/v2/activity/workout", "/v2/cycle"} {
		if reqs := fake.Requests(path); len(reqs) < 2 || reqs[1].Query.Get("nextToken") != "page-2" {
			t.Fatalf("%s pages: %+v", path, reqs)
		}
	}

	postBody := func(body []byte) {
		t.Helper()
		ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
		s.call("POST", "/api/v1/providers/whoop/webhooks", body, map[string]string{
			"X-WHOOP-Signature-Timestamp": ts, "X-WHOOP-Signature": whoop.Sign(fake.ClientSecret, ts, body),
		}, 200)
	}
	post := func(fixture string) {
		t.Helper()
		postBody(fake.Fixture("whoop", fixture, ""))
	}
	post("whoop_webhook_recovery.json")
	waitFor(t, "the recovery fetched through its sleep's cycle", func() bool {
		return len(fake.Requests("/v2/activity/sleep/123e4567-e89b-12d3-a456-426614174000")) == 1 && len(fake.Requests("/v2/cycle/93845/recovery")) == 1
	})
	post("whoop_webhook_v1_legacy.json")
	waitFor(t, "the v1 workout id mapped", func() bool {
		return len(fake.Requests("/v2/activity/workout/ecfc6a15-4661-442f-a9a4-f160dd7afae8")) == 1
	})

	post("whoop_webhook_deleted.json")
	waitFor(t, "the deleted whoop workout", func() bool {
		_, deleted := s.latest("workouts", "whoop", "ecfc6a15-4661-442f-a9a4-f160dd7afae8")
		return deleted == 1
	})
	if n := count(t, s.conn, "workouts FINAL WHERE provider = 'whoop' AND deleted = 0"); n != 0 {
		t.Fatalf("%d whoop workouts left after the delete", n)
	}
	waitFor(t, "workout.deleted", func() bool { return s.rc.count("workout.deleted") == 1 })

	// A deleted recovery takes its score and the samples it came with.
	recovery := "summaries_current WHERE provider = 'whoop' AND category = 'recovery'"
	recoverySamples := "samples_current WHERE provider = 'whoop' AND series_type IN ('resting_heart_rate', 'heart_rate_variability_rmssd', 'oxygen_saturation', 'skin_temperature')"
	if count(t, s.conn, recovery) != 1 || count(t, s.conn, recoverySamples) == 0 {
		t.Fatalf("before the recovery delete: %d recoveries, %d samples", count(t, s.conn, recovery), count(t, s.conn, recoverySamples))
	}
	postBody([]byte(`{"user_id":10129,"id":"123e4567-e89b-12d3-a456-426614174000","type":"recovery.deleted","trace_id":"e1c2"}`))
	waitFor(t, "the deleted recovery and its samples", func() bool {
		return count(t, s.conn, recovery) == 0 && count(t, s.conn, recoverySamples) == 0
	})

	s.call("DELETE", "/api/v1/users/"+user+"/connections/whoop", nil, nil, 204)
	waitFor(t, "connection.revoked", func() bool { return s.rc.count("connection.revoked") == 1 })
	if len(fake.Requests("/v2/user/access")) != 1 {
		t.Fatal("the whoop access was not revoked at whoop")
	}
	s.rc.mu.Lock()
	defer s.rc.mu.Unlock()
	if s.rc.bad != 0 {
		t.Fatalf("%d deliveries failed verification", s.rc.bad)
	}
	if r := s.rc.got["connection.revoked"][0]; r["reason"] != "user_disconnected" {
		t.Fatalf("connection.revoked = %v (a refresh token was lost?)", r)
	}
}
