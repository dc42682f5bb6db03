package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/ingest/providertest"
)

// backfillWhen waits until the user's garmin backfill satisfies cond.
func (h *harness) backfillWhen(key, user string, cond func(backfillView) bool) backfillView {
	h.t.Helper()
	var b backfillView
	eventually(h.t, "the garmin backfill state", func() bool {
		r := h.do("GET", "/api/v1/providers/garmin/users/"+user+"/backfill/status", keyHeader(key), nil)
		if r.status != http.StatusOK {
			return false
		}
		b = backfillView{}
		return json.Unmarshal(r.rawBody, &b) == nil && cond(b)
	})
	return b
}

func typeStatus(b backfillView, name string) string {
	for _, t := range b.Types {
		if t.Type == name {
			return t.Status
		}
	}
	return ""
}

// runOf returns the user's run of id.
func (h *harness) runOf(key, user, id string) map[string]any {
	for _, r := range h.runs(key, user) {
		if r["run_id"] == id {
			return r
		}
	}
	return nil
}

// TestGarminBackfillIsDoneOnlyWhenPushed: Garmin's 202 makes a type
// triggered, not done; a push of the type makes it a success while the
// run waits for the others; a cancel ends the run as failed and cancels
// what waits; a type retried by hand is requested again under a new run,
// which completes once its push arrives.
func TestGarminBackfillIsDoneOnlyWhenPushed(t *testing.T) {
	garmin := providertest.Garmin(t)
	polar := providertest.Polar(t)
	h := startWithWorker(t, []jobs.Option{jobs.WithBackfillTimeout(time.Hour)}, garmin.Settings(), polar.Settings())
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	h.connect(key, "garmin", user, garmin)

	b := h.backfillWhen(key, user, func(b backfillView) bool { return b.Summary["triggered"] == 14 })
	first := b.RunID
	if b.OverallStatus != "in_progress" || b.MaxAttempts != 2 || h.runOf(key, user, first)["status"] != "in_progress" {
		t.Fatalf("after the requests: %+v, run %v", b, h.runOf(key, user, first))
	}

	push := garmin.Fixture("garmin", "garmin_push_dailies.json", "")
	if r := h.do("POST", "/api/v1/providers/garmin/webhooks", map[string]string{"garmin-client-id": garmin.ClientID}, push); r.status != http.StatusOK {
		t.Fatalf("push: %d %s", r.status, r.rawBody)
	}
	b = h.backfillWhen(key, user, func(b backfillView) bool { return typeStatus(b, "dailies") == "success" })
	if b.Summary["triggered"] != 13 || h.runOf(key, user, first)["status"] != "in_progress" {
		t.Fatalf("after the dailies push: %+v", b)
	}

	wantError(t, h.do("POST", "/api/v1/providers/garmin/users/"+user+"/backfill/nope/retry", keyHeader(key), nil), http.StatusNotFound, "not_found")
	wantError(t, h.do("GET", "/api/v1/providers/polar/users/"+user+"/backfill/status", keyHeader(key), nil), http.StatusBadRequest, "no_backfill_state")
	if r := h.do("POST", "/api/v1/providers/garmin/users/"+user+"/backfill/cancel", keyHeader(key), nil); r.status != http.StatusAccepted {
		t.Fatalf("cancel: %d %s", r.status, r.rawBody)
	}
	b = h.backfillWhen(key, user, func(b backfillView) bool { return b.OverallStatus == "cancelled" })
	if b.Summary["cancelled"] != 13 || typeStatus(b, "dailies") != "success" {
		t.Fatalf("after cancel: %+v", b)
	}
	if run := h.runOf(key, user, first); run["status"] != "failed" || run["error"] != "cancelled" {
		t.Fatalf("cancelled run = %v", run)
	}
	wantError(t, h.do("POST", "/api/v1/providers/garmin/users/"+user+"/backfill/cancel", keyHeader(key), nil), http.StatusConflict, "not_running")

	r := h.do("POST", "/api/v1/providers/garmin/users/"+user+"/backfill/sleeps/retry", keyHeader(key), nil)
	second, _ := r.body["run_id"].(string)
	if r.status != http.StatusAccepted || second == "" || second == first {
		t.Fatalf("retry: %d %s", r.status, r.rawBody)
	}
	b = h.backfillWhen(key, user, func(b backfillView) bool { return typeStatus(b, "sleeps") == "triggered" && b.RunID == second })
	if b.OverallStatus != "retry_in_progress" || len(garmin.Requests("/wellness-api/rest/backfill/sleeps")) != 2 {
		t.Fatalf("after retry: %+v", b)
	}
	sleeps := []byte(`{"sleeps":[{"userId":"garmin_user_123","summaryId":"s-1","calendarDate":"2026-01-10","startTimeInSeconds":1768000000,"durationInSeconds":28800}]}`)
	if r := h.do("POST", "/api/v1/providers/garmin/webhooks", map[string]string{"garmin-client-id": garmin.ClientID}, sleeps); r.status != http.StatusOK {
		t.Fatalf("sleeps push: %d %s", r.status, r.rawBody)
	}
	b = h.backfillWhen(key, user, func(b backfillView) bool { return b.OverallStatus == "complete" })
	if typeStatus(b, "sleeps") != "success" {
		t.Fatalf("after the sleeps push: %+v", b)
	}
	if run := h.runOf(key, user, second); run["status"] != "success" || !strings.HasPrefix(run["message"].(string), "2 of 14 types delivered") {
		t.Fatalf("retry run = %v", run)
	}
}

// TestGarminBackfillTimesOutRetriesOnceAndFails: with no push at all, each
// type times out, is requested once more, times out again and fails; the
// backfill completes and its run fails.
func TestGarminBackfillTimesOutRetriesOnceAndFails(t *testing.T) {
	garmin := providertest.Garmin(t)
	h := startWithWorker(t, []jobs.Option{jobs.WithBackfillTimeout(time.Millisecond)}, garmin.Settings())
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	h.connect(key, "garmin", user, garmin)

	b := h.backfillWhen(key, user, func(b backfillView) bool { return b.OverallStatus == "complete" })
	for _, ty := range b.Types {
		if ty.Status != "failed" || ty.Attempts != 2 || ty.Error == nil {
			t.Fatalf("type %+v, want failed after 2 attempts", ty)
		}
	}
	if n := len(garmin.Requests("/wellness-api/rest/backfill/hrv")); n != 2 {
		t.Fatalf("hrv requested %d times, want 2", n)
	}
	if run := h.runOf(key, user, b.RunID); run["status"] != "failed" || !strings.HasPrefix(run["message"].(string), "0 of 14 types delivered; failed: ") {
		t.Fatalf("run = %v", run)
	}
}
