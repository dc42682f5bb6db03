package main

// The Oura end-to-end test: a fake Oura plays the provider from the
// fixtures, and the real pipeline runs as in `wearstream dev`, the ingest
// worker included. The worker subscribes to Oura's webhooks, which Oura
// checks with its handshake against the gateway; a user connects through
// the OAuth flow and the backfill reaches ClickHouse; a signed update
// notification is fetched and keeps the record's id with a higher version;
// a signed delete notification deletes the workout; the delete of a daily
// activity document deletes its score and the samples it came with.

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest/oura"
	"github.com/wearstream/wearstream/ingest/providertest"
)

func TestOuraEndToEnd(t *testing.T) {
	fake := providertest.Oura(t)
	s := startProviderStack(t, withFakes(fake), withWorkerTick(100*time.Millisecond),
		withEvents("connection.created", "sync.completed", "workout.created", "workout.updated", "workout.deleted", "summary.created",
			"summary.deleted", "series.deleted"))

	// The worker subscribes to every data and event type; Oura's
	// handshake reaches the gateway and is answered.
	waitFor(t, "oura webhook subscriptions", func() bool { return len(fake.Subscriptions()) == 15 })
	for _, sub := range fake.Subscriptions() {
		if sub.CallbackURL != s.api+"/api/v1/providers/oura/webhooks" {
			t.Fatalf("subscription %+v", sub)
		}
	}

	user := s.connect("oura", fake.Server)
	waitFor(t, "the oura backfill in clickhouse", func() bool {
		return count(t, s.conn, "workouts FINAL WHERE provider = 'oura'") == 3 && count(t, s.conn, "sleep FINAL WHERE provider = 'oura'") == 2 &&
			count(t, s.conn, "samples FINAL WHERE provider = 'oura' AND series_type = 'steps'") == 1 &&
			count(t, s.conn, "summaries_current WHERE provider = 'oura' AND category IN ('activity', 'readiness')") == 2
	})
	waitFor(t, "connection.created and workout.created", func() bool {
		// Oura's activity and readiness scores, and wearstream's own
		// sleep score (provider internal) of the night's main session.
		return s.rc.count("connection.created") == 1 && s.rc.count("workout.created") == 3 && s.rc.count("summary.created") == 3
	})
	var score *float64
	if err := s.conn.QueryRow(context.Background(), "SELECT value FROM summaries_current WHERE provider = 'oura' AND category = 'readiness'").Scan(&score); err != nil || score == nil || *score != 84 {
		t.Fatalf("oura readiness score = %v, %v", score, err)
	}

	post := func(body []byte) {
		t.Helper()
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		s.call("POST", "/api/v1/providers/oura/webhooks", body, map[string]string{
			"x-oura-timestamp": ts, "x-oura-signature": oura.Sign(fake.ClientSecret, ts, body),
		}, 200)
	}
	// A forged notification is refused.
	s.call("POST", "/api/v1/providers/oura/webhooks", []byte(`{}`), map[string]string{
		"x-oura-timestamp": strconv.FormatInt(time.Now().Unix(), 10), "x-oura-signature": strings.Repeat("00", 32),
	}, 401)

	// An update is fetched: same id, higher version.
	const updated = "8f9a5221-639e-4a85-81cb-4065ef23f979"
	before, _ := s.latest("workouts", "oura", updated)
	fake.Handle("GET", "/v2/usercollection/workout/"+updated, 200, []byte(`{"id":"`+updated+`","activity":"cycling","calories":333,`+
		`"day":"2026-01-14","distance":13500.5,"end_datetime":"2026-01-14T08:30:00.000-08:00","intensity":"hard","label":"Commute",`+
		`"source":"confirmed","start_datetime":"2026-01-14T07:45:00.000-08:00"}`))
	post([]byte(`{"event_type":"update","data_type":"workout","object_id":"` + updated + `","event_time":"2026-01-14T19:00:00+00:00","user_id":"` + providertest.OuraUserID + `"}`))
	waitFor(t, "the updated oura workout", func() bool {
		v, _ := s.latest("workouts", "oura", updated)
		return v > before
	})
	var kcal float64
	if err := s.conn.QueryRow(context.Background(), "SELECT calories_kcal FROM workouts FINAL WHERE provider = 'oura' AND provider_record_id = ?", updated).Scan(&kcal); err != nil || kcal != 333 {
		t.Fatalf("updated calories = %v, %v", kcal, err)
	}
	if n := count(t, s.conn, "workouts FINAL WHERE provider = 'oura'"); n != 3 {
		t.Fatalf("%d oura workouts after the update", n)
	}

	// A delete deletes the workout, under the same id.
	del := fake.Fixture("oura", "oura_webhook_delete.json", "")
	post(del)
	waitFor(t, "the deleted oura workout", func() bool {
		_, deleted := s.latest("workouts", "oura", "0f8a7d4e-31b2-4a9c-b6de-55c2a1e07f10")
		return deleted == 1
	})
	if n := count(t, s.conn, "workouts FINAL WHERE provider = 'oura' AND deleted = 0"); n != 2 {
		t.Fatalf("%d oura workouts left after the delete", n)
	}
	var ids uint64
	if err := s.conn.QueryRow(context.Background(), "SELECT uniqExact(id) FROM workouts WHERE provider = 'oura'").Scan(&ids); err != nil || ids != 3 {
		t.Fatalf("%d distinct oura workout ids, %v", ids, err)
	}
	waitFor(t, "workout.updated and workout.deleted", func() bool {
		return s.rc.count("workout.updated") == 1 && s.rc.count("workout.deleted") == 1
	})

	// The delete of a daily activity document takes its score, its daily
	// totals and its MET samples with it, and announces each series.
	if n := count(t, s.conn, "samples_current WHERE provider = 'oura' AND series_type IN ('steps', 'energy', 'distance_walking_running', 'active_time', 'average_met')"); n != 4+6 {
		t.Fatalf("%d oura activity samples before the delete, want 10", n)
	}
	post([]byte(`{"event_type":"delete","data_type":"daily_activity","object_id":"a1d2c3b4-e5f6-4a7b-8c9d-0e1f2a3b4c5d","event_time":"2026-01-14T19:05:00+00:00","user_id":"` + providertest.OuraUserID + `"}`))
	waitFor(t, "the deleted daily activity and its samples", func() bool {
		return count(t, s.conn, "summaries_current WHERE provider = 'oura' AND category = 'activity'") == 0 &&
			count(t, s.conn, "samples_current WHERE provider = 'oura' AND series_type IN ('steps', 'energy', 'distance_walking_running', 'active_time', 'average_met')") == 0
	})
	if n := count(t, s.conn, "samples_current WHERE provider = 'oura' AND series_type = 'heart_rate'"); n == 0 {
		t.Fatal("the daily activity delete took the heart rate samples too")
	}
	waitFor(t, "summary.deleted and series.deleted", func() bool {
		return s.rc.count("summary.deleted") == 1 && s.rc.count("series.deleted") == 5
	})
	s.rc.mu.Lock()
	for _, d := range s.rc.got["series.deleted"] {
		if d["provider"] != "oura" || d["user_id"] != user || d["start_time"] != "2026-01-14T12:00:00Z" || d["end_time"] != "2026-01-14T12:05:00.001Z" {
			s.rc.mu.Unlock()
			t.Fatalf("series.deleted = %v", d)
		}
	}
	s.rc.mu.Unlock()

	s.call("DELETE", "/api/v1/users/"+user+"/connections/oura", nil, nil, 204)
	s.rc.mu.Lock()
	defer s.rc.mu.Unlock()
	if s.rc.bad != 0 {
		t.Fatalf("%d deliveries failed verification", s.rc.bad)
	}
}
