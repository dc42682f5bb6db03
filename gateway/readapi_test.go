package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

// readHarness is a gateway reading a fresh migrated ClickHouse database of
// the shared test server, with the tenants acme and globex.
type readHarness struct {
	*harness
	conn         driver.Conn
	acme, globex string // API keys
}

func startRead(t *testing.T) *readHarness {
	t.Helper()
	srv := chserver.TestServer(t)
	db := srv.NewDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := chsink.Connect(ctx, srv.Addr, db)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := chsink.Migrate(ctx, conn, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	h := start(t, nil, WithClickHouse(conn))
	return &readHarness{harness: h, conn: conn, acme: h.tenantKey("acme"), globex: h.tenantKey("globex")}
}

func (h *readHarness) write(rows chsink.Rows) {
	h.t.Helper()
	if err := chsink.NewWriter(h.conn).Write(context.Background(), rows); err != nil {
		h.t.Fatalf("Write: %v", err)
	}
}

func (h *readHarness) get(key, path string, params url.Values) response {
	h.t.Helper()
	if len(params) > 0 {
		path += "?" + params.Encode()
	}
	return h.do("GET", path, keyHeader(key), nil)
}

// localSample is a sample at the wall-clock time s, written with its offset.
func localSample(s string, v float64) schemas.Sample {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	_, off := t.Zone()
	return schemas.Sample{Time: t.UTC(), Value: v, ZoneOffset: int32(off / 60)}
}

func sampleRows(tenant, userID, seriesType, source string, samples ...schemas.Sample) schemas.SampleBatch {
	st, _ := schemas.LookupSeriesType(seriesType)
	return schemas.SampleBatch{ID: schemas.NameID(userID, seriesType, source), Tenant: tenant, UserID: userID,
		Source:     schemas.Source{Provider: strings.Split(source, ":")[0], ID: source, Name: "Connect", Device: "Forerunner 965", DeviceType: "watch"},
		SeriesType: seriesType, Unit: st.Unit, Version: 1, RawEventID: "raw-1", IngestedAt: time.Now().UTC(), Samples: samples}
}

// TestTimeseriesRoute reads back samples at a local-day boundary of -05:00
// in Open Wearables' page shape, pages through them with cursors, keeps
// other tenants out, and answers every bad parameter with a 400 naming it.
func TestTimeseriesRoute(t *testing.T) {
	h := startRead(t)
	jane := h.createUser(h.acme, `{"external_user_id": "jane"}`)
	joe := h.createUser(h.acme, `{"external_user_id": "joe"}`)
	h.write(chsink.Rows{Samples: []schemas.SampleBatch{
		sampleRows("acme", jane, "steps", "garmin:fr965",
			localSample("2026-01-14T10:00:00-05:00", 10), localSample("2026-01-14T23:30:00-05:00", 100), localSample("2026-01-15T00:30:00-05:00", 50)),
		sampleRows("acme", jane, "heart_rate", "garmin:fr965",
			localSample("2026-01-14T23:59:00-05:00", 60), localSample("2026-01-15T00:01:00-05:00", 80)),
		sampleRows("acme", joe, "steps", "garmin:fr965", localSample("2026-01-14T10:00:00-05:00", 999)),
	}})
	path := "/api/v1/users/" + jane + "/timeseries"
	day := url.Values{"start_time": {"2026-01-14T00:00:00-05:00"}, "end_time": {"2026-01-16T00:00:00-05:00"},
		"types": {"steps"}, "resolution": {"1day"}}

	r := h.get(h.acme, path, day)
	if r.status != http.StatusOK {
		t.Fatalf("timeseries: %d %s", r.status, r.rawBody)
	}
	var pg struct {
		Data []struct {
			Timestamp    string         `json:"timestamp"`
			ZoneOffset   string         `json:"zone_offset"`
			Type         string         `json:"type"`
			Value        float64        `json:"value"`
			Unit         string         `json:"unit"`
			Source       map[string]any `json:"source"`
			IsDailyTotal *bool          `json:"is_daily_total"`
		} `json:"data"`
		Pagination map[string]any `json:"pagination"`
		Metadata   map[string]any `json:"metadata"`
	}
	if err := json.Unmarshal(r.rawBody, &pg); err != nil {
		t.Fatal(err)
	}
	if len(pg.Data) != 2 || pg.Data[0].Timestamp != "2026-01-14T05:00:00Z" || pg.Data[0].Value != 110 || pg.Data[0].ZoneOffset != "-05:00" ||
		pg.Data[1].Timestamp != "2026-01-15T05:00:00Z" || pg.Data[1].Value != 50 || pg.Data[0].Unit != "count" || pg.Data[0].Type != "steps" {
		t.Fatalf("local days = %s", r.rawBody)
	}
	if s := pg.Data[0].Source; s["provider"] != "garmin" || s["source"] != "Connect" || s["device"] != "Forerunner 965" || s["device_type"] != "watch" || s["source_id"] != "garmin:fr965" {
		t.Fatalf("source = %v", s)
	}
	if p := pg.Pagination; p["next_cursor"] != nil || p["previous_cursor"] != nil || p["has_more"] != false || p["total_count"] != 2.0 {
		t.Fatalf("pagination = %v", p)
	}
	if m := pg.Metadata; m["resolution"] != "1day" || m["sample_count"] != 2.0 || m["start_time"] != "2026-01-14T00:00:00-05:00" {
		t.Fatalf("metadata = %v", m)
	}

	// Raw, two a page: every sample once, in order; types may repeat or be
	// comma-separated.
	raw := url.Values{"start_time": {"2026-01-14T00:00:00-05:00"}, "end_time": {"2026-01-16T00:00:00-05:00"},
		"types": {"heart_rate,steps"}, "limit": {"2"}}
	var values []float64
	var cursors []string
	for {
		r := h.get(h.acme, path, raw)
		if r.status != http.StatusOK {
			t.Fatalf("page: %d %s", r.status, r.rawBody)
		}
		for _, d := range r.body["data"].([]any) {
			values = append(values, d.(map[string]any)["value"].(float64))
		}
		next, _ := r.body["pagination"].(map[string]any)["next_cursor"].(string)
		if next == "" {
			break
		}
		cursors = append(cursors, next)
		raw.Set("cursor", next)
	}
	if want := []float64{60, 80, 10, 100, 50}; !slices.Equal(values, want) {
		t.Fatalf("raw pages = %v, want %v", values, want)
	}

	// Another tenant's user, and a user nobody has, are not found.
	wantError(t, h.get(h.globex, path, day), http.StatusNotFound, "not_found")
	wantError(t, h.get(h.acme, "/api/v1/users/"+schemas.NameID("nobody")+"/timeseries", day), http.StatusNotFound, "not_found")

	bad := func(param string, edit func(v url.Values)) {
		t.Helper()
		v := url.Values{}
		for k, vs := range day {
			v[k] = slices.Clone(vs)
		}
		edit(v)
		r := h.get(h.acme, path, v)
		wantError(t, r, http.StatusBadRequest, "invalid_query")
		if msg := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, param+":") {
			t.Fatalf("message %q does not name %s", msg, param)
		}
	}
	bad("types", func(v url.Values) { v.Add("types", "heartrate") })
	bad("end_time", func(v url.Values) { v.Set("end_time", "2026-01-13T00:00:00-05:00") })
	bad("end_time", func(v url.Values) { v.Set("end_time", "yesterday") })
	bad("start_time", func(v url.Values) { v.Del("start_time") })
	bad("start_time", func(v url.Values) { v.Set("start_time", "2026-01-14") })
	bad("resolution", func(v url.Values) { v.Set("resolution", "1week") })
	bad("limit", func(v url.Values) { v.Set("limit", "0") })
	bad("limit", func(v url.Values) { v.Set("limit", "10001") })
	bad("limit", func(v url.Values) { v.Set("limit", "ten") })
	bad("cursor", func(v url.Values) { v.Set("cursor", "%%%") })
	bad("cursor", func(v url.Values) { v.Set("cursor", cursors[0]) }) // raw's cursor on the 1day query
	// Joe's own request with Jane's cursor: a foreign cursor.
	raw.Set("cursor", cursors[0])
	r = h.get(h.acme, "/api/v1/users/"+joe+"/timeseries", raw)
	wantError(t, r, http.StatusBadRequest, "invalid_query")
	if msg := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, "cursor:") {
		t.Fatalf("foreign cursor answered %q", msg)
	}
	// A limit of 10,000 is allowed.
	v := url.Values{"start_time": {"2026-01-14T00:00:00Z"}, "end_time": {"2026-01-16T00:00:00Z"}, "limit": {"10000"}}
	if r := h.get(h.acme, path, v); r.status != http.StatusOK || len(r.body["data"].([]any)) != 5 {
		t.Fatalf("limit 10000: %d %s", r.status, r.rawBody)
	}
}

// TestEventRoutes reads workouts and sleep in Open Wearables' shapes, by
// local day, and keeps other tenants out.
func TestEventRoutes(t *testing.T) {
	h := startRead(t)
	jane := h.createUser(h.acme, `{"external_user_id": "jane"}`)
	start := localSample("2026-05-31T22:30:00-05:00", 0)
	kcal, dist := 512.5, 10012.0
	src := schemas.Source{Provider: "garmin", ID: "garmin:fr965", Device: "Forerunner 965"}
	ride := schemas.Workout{ID: schemas.RecordID("acme", jane, "garmin", "workout", "w1"), Tenant: "acme", UserID: jane, Source: src,
		Type: "cycling", Name: "Night ride", StartTime: start.Time, EndTime: start.Time.Add(time.Hour), ZoneOffset: -300, DurationSeconds: 3600,
		CaloriesKcal: &kcal, DistanceMeters: &dist, Version: 1, RawEventID: "raw-1", IngestedAt: time.Now().UTC()}
	run := ride
	run.ID, run.Type, run.Name = schemas.RecordID("acme", jane, "garmin", "workout", "w2"), "running", ""
	run.StartTime, run.EndTime = run.StartTime.Add(48*time.Hour), run.EndTime.Add(48*time.Hour)
	night := schemas.Sleep{ID: schemas.RecordID("acme", jane, "garmin", "sleep", "s1"), Tenant: "acme", UserID: jane, Source: src,
		StartTime: start.Time.Add(2 * time.Hour), EndTime: start.Time.Add(10 * time.Hour), ZoneOffset: -300, DurationSeconds: 8 * 3600,
		SleepDurationSeconds: 7 * 3600, InBedSeconds: 8 * 3600, Stages: &schemas.SleepStages{DeepMinutes: 90, RemMinutes: 100, LightMinutes: 230, AwakeMinutes: 60},
		Intervals: []schemas.SleepInterval{{Stage: "deep", Start: start.Time.Add(2 * time.Hour), End: start.Time.Add(3 * time.Hour)}},
		Version:   1, RawEventID: "raw-1", IngestedAt: time.Now().UTC()}
	h.write(chsink.Rows{Workouts: []schemas.Workout{ride, run}, Sleep: []schemas.Sleep{night}})

	path := "/api/v1/users/" + jane + "/events/"
	r := h.get(h.acme, path+"workouts", url.Values{"start_date": {"2026-05-31"}, "end_date": {"2026-05-31"}})
	if r.status != http.StatusOK {
		t.Fatalf("workouts: %d %s", r.status, r.rawBody)
	}
	data := r.body["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("workouts on 31 May = %s", r.rawBody)
	}
	w := data[0].(map[string]any)
	checkKeys(t, w, "id", "type", "name", "start_time", "end_time", "zone_offset", "duration_seconds", "source", "calories_kcal",
		"distance_meters", "avg_heart_rate_bpm", "max_heart_rate_bpm", "avg_pace_sec_per_km", "elevation_gain_meters")
	if w["id"] != ride.ID || w["start_time"] != "2026-06-01T03:30:00Z" || w["zone_offset"] != "-05:00" || w["calories_kcal"] != 512.5 ||
		w["name"] != "Night ride" || w["avg_heart_rate_bpm"] != nil {
		t.Fatalf("workout = %v", w)
	}
	r = h.get(h.acme, path+"workouts", url.Values{"record_type": {"run"}, "limit": {"1"}})
	if data := r.body["data"].([]any); len(data) != 1 || data[0].(map[string]any)["id"] != run.ID || r.body["pagination"].(map[string]any)["has_more"] != false {
		t.Fatalf("record_type=run: %s", r.rawBody)
	}

	r = h.get(h.acme, path+"sleep", url.Values{"start_date": {"2026-06-01"}, "end_date": {"2026-06-01"}})
	if r.status != http.StatusOK || len(r.body["data"].([]any)) != 1 {
		t.Fatalf("sleep on 1 June: %d %s", r.status, r.rawBody)
	}
	s := r.body["data"].([]any)[0].(map[string]any)
	checkKeys(t, s, "id", "start_time", "end_time", "zone_offset", "source", "duration_seconds", "sleep_duration_seconds",
		"efficiency_percent", "stages", "sleep_stage_intervals", "is_nap")
	if st := s["stages"].(map[string]any); st["deep_minutes"] != 90.0 || len(s["sleep_stage_intervals"].([]any)) != 1 || s["is_nap"] != false {
		t.Fatalf("sleep = %v", s)
	}

	wantError(t, h.get(h.globex, path+"workouts", nil), http.StatusNotFound, "not_found")
	wantError(t, h.get(h.globex, path+"sleep", nil), http.StatusNotFound, "not_found")
	for _, c := range []struct{ param, value string }{{"start_date", "31/05/2026"}, {"end_date", "2026-13-01"}, {"limit", "0"}, {"cursor", "x"}} {
		r := h.get(h.acme, path+"workouts", url.Values{c.param: {c.value}})
		wantError(t, r, http.StatusBadRequest, "invalid_query")
		if msg := r.body["error"].(map[string]any)["message"].(string); !strings.HasPrefix(msg, c.param+":") {
			t.Fatalf("%s=%s answered %q", c.param, c.value, msg)
		}
	}
	wantError(t, h.get(h.acme, path+"sleep", url.Values{"start_date": {"2026-06-02"}, "end_date": {"2026-06-01"}}), http.StatusBadRequest, "invalid_query")
}

// TestMetaRoutes serves the catalog without authentication.
func TestMetaRoutes(t *testing.T) {
	h := start(t, nil)
	r := h.do("GET", "/api/v1/meta/series-types", nil, nil)
	types := r.body["data"].([]any)
	if r.status != http.StatusOK || len(types) != len(schemas.SeriesTypes()) {
		t.Fatalf("series types: %d, %d types", r.status, len(types))
	}
	byName := map[string]map[string]any{}
	for _, s := range types {
		byName[s.(map[string]any)["name"].(string)] = s.(map[string]any)
	}
	if w := byName["weight"]; w["unit"] != "kg" || w["aggregation"] != "last" || w["id"] != 41.0 || w["category"] != "body" {
		t.Fatalf("weight = %v", w)
	}
	if s := byName["steps"]; s["aggregation"] != "sum" || s["webhook_event_type"] != "steps.created" {
		t.Fatalf("steps = %v", s)
	}
	r = h.do("GET", "/api/v1/meta/workout-types", nil, nil)
	if r.status != http.StatusOK || len(r.body["data"].([]any)) != 117 {
		t.Fatalf("workout types: %d %s", r.status, r.rawBody)
	}
}

func checkKeys(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Fatalf("key %q missing from %v", k, m)
		}
	}
}
