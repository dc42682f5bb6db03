package gateway

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

// TestSummaryRoutes reads the daily activity and sleep of a user at −05:00
// in Open Wearables' shapes, with the local day and the source of each
// metric, health scores by category, and answers a bad date with a 400
// naming it and another tenant's user with a 404.
func TestSummaryRoutes(t *testing.T) {
	h := startRead(t)
	jane := h.createUser(h.acme, `{"external_user_id": "jane"}`)
	score := 81.0
	h.write(chsink.Rows{
		Samples: []schemas.SampleBatch{
			sampleRows("acme", jane, "steps", "garmin:fr965",
				localSample("2026-01-14T10:00:00-05:00", 1000), localSample("2026-01-14T23:30:00-05:00", 234), localSample("2026-01-15T00:30:00-05:00", 50)),
			sampleRows("acme", jane, "heart_rate", "garmin:fr965", localSample("2026-01-14T23:59:00-05:00", 61), localSample("2026-01-14T12:00:00-05:00", 80)),
		},
		Summaries: []schemas.Summary{{ID: schemas.SummaryID("acme", jane, "garmin", "sleep", "s1"), Tenant: "acme", UserID: jane,
			Source: schemas.Source{Provider: "garmin", ID: "garmin:fr965"}, Category: "sleep", Date: "2026-01-14",
			RecordedAt: mustParse("2026-01-14T12:00:00Z"), ZoneOffset: -300, Value: &score, Qualifier: "GOOD", Version: 1,
			Components: []schemas.SummaryComponent{{Name: "duration", Value: &score}}}},
	})
	path := "/api/v1/users/" + jane + "/summaries/activity"
	days := url.Values{"start_date": {"2026-01-14"}, "end_date": {"2026-01-15"}}
	r := h.get(h.acme, path, days)
	if r.status != http.StatusOK {
		t.Fatalf("activity: %d %s", r.status, r.rawBody)
	}
	data := r.body["data"].([]any)
	if len(data) != 2 {
		t.Fatalf("activity days = %s", r.rawBody)
	}
	d14, d15 := data[0].(map[string]any), data[1].(map[string]any)
	hr := d14["heart_rate"].(map[string]any)
	if d14["date"] != "2026-01-14" || d14["steps"] != 1234.0 || d15["steps"] != 50.0 || hr["avg_bpm"] != 71.0 || hr["max_bpm"] != 80.0 ||
		d14["active_minutes"] != 2.0 || d14["source"].(map[string]any)["source_id"] != "garmin:fr965" ||
		d14["sources"].(map[string]any)["steps"].(map[string]any)["provider"] != "garmin" {
		t.Fatalf("activity = %s", r.rawBody)
	}
	if p := r.body["pagination"].(map[string]any); p["total_count"] != 2.0 || p["has_more"] != false {
		t.Fatalf("pagination = %v", p)
	}

	r = h.get(h.acme, "/api/v1/users/"+jane+"/health-scores", url.Values{"category": {"sleep"}, "start_date": {"2026-01-14"}})
	if r.status != http.StatusOK {
		t.Fatalf("health scores: %d %s", r.status, r.rawBody)
	}
	scores := r.body["data"].([]any)
	if len(scores) != 1 || scores[0].(map[string]any)["value"] != 81.0 || scores[0].(map[string]any)["zone_offset"] != "-05:00" ||
		scores[0].(map[string]any)["components"].(map[string]any)["duration"].(map[string]any)["value"] != 81.0 {
		t.Fatalf("health scores = %s", r.rawBody)
	}
	if r := h.get(h.acme, "/api/v1/users/"+jane+"/health-scores", url.Values{"category": {"recovery"}}); len(r.body["data"].([]any)) != 0 {
		t.Fatalf("recovery scores = %s", r.rawBody)
	}
	if r := h.get(h.acme, "/api/v1/users/"+jane+"/summaries/body", nil); r.status != http.StatusOK || string(r.rawBody) != "null" {
		t.Fatalf("body without data: %d %s", r.status, r.rawBody)
	}
	r = h.get(h.acme, "/api/v1/users/"+jane+"/summaries/data", nil)
	if r.status != http.StatusOK || r.body["total_data_points"] != 5.0 || r.body["series_type_counts"].(map[string]any)["steps"] != 3.0 {
		t.Fatalf("data summary: %d %s", r.status, r.rawBody)
	}

	wantError(t, h.get(h.globex, path, days), http.StatusNotFound, "not_found")
	for _, c := range []struct {
		route, param string
		v            url.Values
	}{
		{"activity", "end_date", url.Values{"start_date": {"2026-01-14"}, "end_date": {"2026-01-13"}}},
		{"sleep", "start_date", url.Values{"end_date": {"2026-01-14"}}},
		{"recovery", "start_date", url.Values{"start_date": {"14.01.2026"}, "end_date": {"2026-01-14"}}},
		{"activity", "end_date", url.Values{"start_date": {"2026-01-14"}, "end_date": {"2027-06-14"}}},
		{"body", "average_period", url.Values{"average_period": {"8"}}},
	} {
		r := h.get(h.acme, "/api/v1/users/"+jane+"/summaries/"+c.route, c.v)
		wantError(t, r, http.StatusBadRequest, "invalid_query")
		if msg := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, c.param+":") {
			t.Fatalf("%s %v: message %q does not name %s", c.route, c.v, msg, c.param)
		}
	}
	r = h.get(h.acme, "/api/v1/users/"+jane+"/health-scores", url.Values{"category": {"mood"}})
	wantError(t, r, http.StatusBadRequest, "invalid_query")
}

func mustParse(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
