package gateway

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

// TestPrioritiesPerTenant sets Oura before Garmin for one tenant: its
// daily steps and filtered sleep come from Oura, the other tenant keeps
// Open Wearables' defaults (Garmin before the unknown Oura); the data
// sources and coverage name both. Bad bodies are 400.
func TestPrioritiesPerTenant(t *testing.T) {
	h := startRead(t)
	jane := h.createUser(h.acme, `{"external_user_id": "jane"}`)
	joe := h.createUser(h.globex, `{"external_user_id": "joe"}`)
	night := func(tenant, user, provider, start, end string) schemas.Sleep {
		s, e := mustParse(start), mustParse(end)
		_, off := s.Zone()
		return schemas.Sleep{ID: schemas.RecordID(tenant, user, provider, "sleep", start), Tenant: tenant, UserID: user,
			Source: schemas.Source{Provider: provider, ID: provider + ":dev", DeviceType: "watch"}, StartTime: s.UTC(), EndTime: e.UTC(),
			ZoneOffset: int32(off / 60), DurationSeconds: e.Sub(s).Seconds(), SleepDurationSeconds: e.Sub(s).Seconds(), Version: 1}
	}
	var rows chsink.Rows
	for _, u := range []struct{ tenant, id string }{{"acme", jane}, {"globex", joe}} {
		rows.Samples = append(rows.Samples,
			sampleRows(u.tenant, u.id, "steps", "garmin:fr965", localSample("2026-01-14T10:00:00-05:00", 1000)),
			sampleRows(u.tenant, u.id, "steps", "oura:ring", localSample("2026-01-14T11:00:00-05:00", 900)))
		rows.Sleep = append(rows.Sleep,
			night(u.tenant, u.id, "garmin", "2026-01-13T23:00:00-05:00", "2026-01-14T07:00:00-05:00"),
			night(u.tenant, u.id, "oura", "2026-01-13T23:05:00-05:00", "2026-01-14T06:55:00-05:00"))
	}
	h.write(rows)

	r := h.do("PUT", "/api/v1/priorities/providers", keyHeader(h.acme), []byte(`{"priorities":[{"provider":"oura","priority":1},{"provider":"garmin","priority":7}]}`))
	if r.status != http.StatusOK {
		t.Fatalf("put: %d %s", r.status, r.rawBody)
	}
	items := h.get(h.acme, "/api/v1/priorities/providers", nil).body["items"].([]any)
	ranks := map[string]any{}
	for _, it := range items {
		ranks[it.(map[string]any)["provider"].(string)] = it.(map[string]any)["priority"]
	}
	if ranks["oura"] != 1.0 || ranks["garmin"] != 7.0 || ranks["apple"] != 1.0 || len(items) != 6 {
		t.Fatalf("acme's providers = %v", items)
	}
	if first := h.get(h.globex, "/api/v1/priorities/providers", nil).body["items"].([]any)[0].(map[string]any); first["provider"] != "apple" {
		t.Fatalf("globex's first provider = %v", first)
	}
	if r := h.do("PUT", "/api/v1/priorities/device-types/ring", keyHeader(h.acme), []byte(`{"priority":1}`)); r.status != http.StatusOK {
		t.Fatalf("put one: %d %s", r.status, r.rawBody)
	}

	days := url.Values{"start_date": {"2026-01-14"}, "end_date": {"2026-01-14"}}
	steps := func(key, user string) float64 {
		t.Helper()
		r := h.get(key, "/api/v1/users/"+user+"/summaries/activity", days)
		return r.body["data"].([]any)[0].(map[string]any)["steps"].(float64)
	}
	if a, g := steps(h.acme, jane), steps(h.globex, joe); a != 900 || g != 1000 {
		t.Fatalf("steps: acme %v (want Oura's 900), globex %v (want Garmin's 1000)", a, g)
	}
	sleepSource := func(key, user string, filter bool) []string {
		t.Helper()
		v := url.Values{"start_date": {"2026-01-14"}, "end_date": {"2026-01-14"}}
		if filter {
			v.Set("filter_by_priority", "true")
		}
		var out []string
		for _, s := range h.get(key, "/api/v1/users/"+user+"/events/sleep", v).body["data"].([]any) {
			out = append(out, s.(map[string]any)["source"].(map[string]any)["provider"].(string))
		}
		return out
	}
	if got := sleepSource(h.acme, jane, true); len(got) != 1 || got[0] != "oura" {
		t.Fatalf("acme filtered sleep = %v", got)
	}
	if got := sleepSource(h.globex, joe, true); len(got) != 1 || got[0] != "garmin" {
		t.Fatalf("globex filtered sleep = %v", got)
	}
	if got := sleepSource(h.acme, jane, false); len(got) != 2 {
		t.Fatalf("unfiltered sleep = %v", got)
	}

	dsr := h.get(h.acme, "/api/v1/users/"+jane+"/data-sources", nil)
	ds, _ := dsr.body["data"].([]any)
	// Garmin's and Oura's watch sources of the nights and of the steps;
	// a rank is provider × 100 + device type, here oura 1 and garmin 7.
	if len(ds) != 4 || ds[1].(map[string]any)["id"] != "garmin:fr965" || ds[1].(map[string]any)["record_count"] != 1.0 ||
		ds[1].(map[string]any)["priority"] != 701.0 || ds[3].(map[string]any)["id"] != "oura:ring" || ds[3].(map[string]any)["priority"] != 101.0 {
		t.Fatalf("data sources = %s", dsr.rawBody)
	}
	cov := h.get(h.acme, "/api/v1/meta/coverage", nil)
	if data := cov.body["data"].([]any); len(data) != 2 || data[1].(map[string]any)["samples"].(map[string]any)["steps"] != 1.0 ||
		data[1].(map[string]any)["sleep"].(map[string]any)["sleep"] != 1.0 {
		t.Fatalf("coverage = %s", cov.rawBody)
	}

	for _, body := range []string{`{}`, `{"priorities":[{"provider":"oura","priority":0}]}`, `{"priorities":[{"priority":3}]}`, `not json`} {
		wantError(t, h.do("PUT", "/api/v1/priorities/providers", keyHeader(h.acme), []byte(body)), http.StatusBadRequest, "invalid_body")
	}
	wantError(t, h.get(h.acme, "/api/v1/users/"+jane+"/events/sleep", url.Values{"filter_by_priority": {"yes"}}), http.StatusBadRequest, "invalid_query")
}
