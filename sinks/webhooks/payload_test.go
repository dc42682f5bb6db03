package webhooks

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

var t0 = time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)

func testBatch(n int) schemas.SampleBatch {
	daily := false
	samples := make([]schemas.Sample, n)
	for i := range samples {
		samples[i] = schemas.Sample{
			Time:         t0.Add(time.Duration(i) * time.Second),
			Value:        60 + float64(i%40),
			ZoneOffset:   60,
			IsDailyTotal: &daily,
		}
	}
	return schemas.SampleBatch{
		ID:         schemas.NameID("t1", "u1", "garmin", "samples", "batch-1"),
		Tenant:     "t1",
		UserID:     "u1",
		Source:     schemas.Source{Provider: "garmin", ID: "garmin:fr965", Device: "Forerunner 965"},
		SeriesType: "heart_rate",
		Unit:       "bpm",
		Version:    1,
		IngestedAt: t0.Add(time.Hour),
		Samples:    samples,
	}
}

// decode parses a message body into its envelope and data object.
func decode(t *testing.T, m Message) (envelope map[string]any, data map[string]any) {
	t.Helper()
	if err := json.Unmarshal(m.Body, &envelope); err != nil {
		t.Fatalf("message %s body is not JSON: %v\n%s", m.Type, err, m.Body)
	}
	if envelope["type"] != m.Type {
		t.Fatalf("body type = %v, message type = %q", envelope["type"], m.Type)
	}
	data, ok := envelope["data"].(map[string]any)
	if !ok {
		t.Fatalf("message %s has no data object: %s", m.Type, m.Body)
	}
	return envelope, data
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func checkKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := keys(m); !reflect.DeepEqual(got, want) {
		t.Fatalf("%s keys = %v, want %v", what, got, want)
	}
}

func TestSampleMessagesSingleChunkGolden(t *testing.T) {
	b := testBatch(2)
	b.Samples[1].Value = 61.5
	b.Samples[1].ZoneOffset = -330
	b.Samples[1].IsDailyTotal = nil
	msgs := SampleMessages(b)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	data := `{"user_id":"u1","provider":"garmin","series_type":"heart_rate","sample_count":2,` +
		`"start_time":"2024-03-10T07:00:00Z","end_time":"2024-03-10T07:00:01Z","samples":[` +
		`{"timestamp":"2024-03-10T07:00:00Z","zone_offset":"+01:00","type":"heart_rate","value":60,"unit":"bpm","source":{"provider":"garmin","device":"Forerunner 965"},"is_daily_total":false},` +
		`{"timestamp":"2024-03-10T07:00:01Z","zone_offset":"-05:30","type":"heart_rate","value":61.5,"unit":"bpm","source":{"provider":"garmin","device":"Forerunner 965"},"is_daily_total":null}]}`
	for i, event := range []string{"heart_rate.created", "series.heart_rate.created"} {
		m := msgs[i]
		want := `{"type":"` + event + `","timestamp":"2024-03-10T08:00:00Z","data":` + data + `}`
		if string(m.Body) != want {
			t.Fatalf("message %d body\n got %s\nwant %s", i, m.Body, want)
		}
		if m.Type != event || m.Tenant != "t1" || m.UserID != "u1" {
			t.Fatalf("message %d = {Type %q, Tenant %q, UserID %q}", i, m.Type, m.Tenant, m.UserID)
		}
		if !strings.HasPrefix(m.ID, "msg_") || strings.Contains(m.ID, ".") {
			t.Fatalf("message id %q is not msg_ without dots", m.ID)
		}
	}
}

func TestSampleMessagesChunks(t *testing.T) {
	b := testBatch(5001)
	msgs := SampleMessages(b)
	if len(msgs) != 6 {
		t.Fatalf("got %d messages, want 3 chunks x 2 events", len(msgs))
	}
	again := SampleMessages(b)
	ids := map[string]bool{}
	wantSizes := []int{2500, 2500, 1}
	for i, m := range msgs {
		chunk := i / 2
		wantType := []string{"heart_rate.created", "series.heart_rate.created"}[i%2]
		if m.Type != wantType {
			t.Fatalf("message %d type = %q, want %q", i, m.Type, wantType)
		}
		if m.ID != again[i].ID || string(m.Body) != string(again[i].Body) {
			t.Fatalf("message %d differs between two calls", i)
		}
		if ids[m.ID] {
			t.Fatalf("message %d reuses id %s", i, m.ID)
		}
		ids[m.ID] = true
		if m.ID != MessageID(wantType, b.ID, b.Version, chunk) {
			t.Fatalf("message %d id = %s, want MessageID(%s, record, 1, %d)", i, m.ID, wantType, chunk)
		}

		env, data := decode(t, m)
		checkKeys(t, "envelope", env, "type", "timestamp", "data")
		checkKeys(t, "data", data, "user_id", "provider", "series_type", "sample_count",
			"start_time", "end_time", "samples", "chunk_index", "total_chunks")
		if data["sample_count"] != 5001.0 || data["total_chunks"] != 3.0 || data["chunk_index"] != float64(chunk) {
			t.Fatalf("message %d counts = %v/%v/%v", i, data["sample_count"], data["chunk_index"], data["total_chunks"])
		}
		samples := data["samples"].([]any)
		if len(samples) != wantSizes[chunk] {
			t.Fatalf("chunk %d has %d samples, want %d", chunk, len(samples), wantSizes[chunk])
		}
		first := b.Samples[chunk*2500].Time
		last := b.Samples[chunk*2500+wantSizes[chunk]-1].Time
		if data["start_time"] != first.Format(time.RFC3339) || data["end_time"] != last.Format(time.RFC3339) {
			t.Fatalf("chunk %d bounds = %v..%v, want %v..%v", chunk, data["start_time"], data["end_time"], first, last)
		}
		s := samples[0].(map[string]any)
		checkKeys(t, "sample", s, "timestamp", "zone_offset", "type", "value", "unit", "source", "is_daily_total")
		checkKeys(t, "sample source", s["source"].(map[string]any), "provider", "device")
	}

	// A new version of the batch is a new logical event.
	b.Version = 2
	if SampleMessages(b)[0].ID == msgs[0].ID {
		t.Fatalf("version 2 reuses the id of version 1")
	}
}

func TestSampleMessagesNone(t *testing.T) {
	f := func(seriesType string, n int) {
		t.Helper()
		b := testBatch(n)
		b.SeriesType = seriesType
		if msgs := SampleMessages(b); len(msgs) != 0 {
			t.Fatalf("SampleMessages(%s, %d samples) = %d messages, want none", seriesType, n, len(msgs))
		}
	}
	for _, st := range []string{"running_vertical_ratio", "running_stance_time_balance", "elevation", "latitude", "longitude", "air_temperature"} {
		f(st, 3)
	}
	f("no_such_type", 3)
	f("heart_rate", 0)
}

func TestSampleMessagesUnitFromCatalog(t *testing.T) {
	b := testBatch(1)
	b.SeriesType, b.Unit = "steps", ""
	b.Source.Device = ""
	_, data := decode(t, SampleMessages(b)[0])
	s := data["samples"].([]any)[0].(map[string]any)
	if s["unit"] != "count" || s["source"].(map[string]any)["device"] != nil {
		t.Fatalf("sample = %v, want unit count and device null", s)
	}
}

func TestZoneOffset(t *testing.T) {
	f := func(minutes int32, want string) {
		t.Helper()
		if got := zoneOffset(minutes); got != want {
			t.Fatalf("zoneOffset(%d) = %q, want %q", minutes, got, want)
		}
	}
	f(0, "+00:00")
	f(60, "+01:00")
	f(-300, "-05:00")
	f(-330, "-05:30")
	f(345, "+05:45")
	f(840, "+14:00")
	f(-720, "-12:00")
}

func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	f := func(v float64) {
		t.Helper()
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal(%v): %v", v, err)
		}
		if got := appendFloat(nil, v); string(got) != string(want) {
			t.Fatalf("appendFloat(%v) = %s, want %s", v, got, want)
		}
	}
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, 72, 61.5, 0.1, 1.0 / 3, 1e-6, 1e-7, 1.5e-9,
		123456789.125, 1e20, 1e21, 1.7976931348623157e308, 5e-324, -36.6} {
		f(v)
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := appendFloat(nil, v); string(got) != "null" {
			t.Fatalf("appendFloat(%v) = %s, want null", v, got)
		}
	}
}

func testWorkout() schemas.Workout {
	calories, distance, avgHR, maxHR := 512.5, 10012.0, 148.0, 176.0
	return schemas.Workout{
		ID:              schemas.NameID("t1", "u1", "garmin", "workout", "w1"),
		Tenant:          "t1",
		UserID:          "u1",
		Source:          schemas.Source{Provider: "garmin", ID: "garmin", Device: "Forerunner 965"},
		Type:            "running",
		StartTime:       t0,
		EndTime:         t0.Add(3235 * time.Second),
		ZoneOffset:      120,
		DurationSeconds: 3235,
		CaloriesKcal:    &calories,
		DistanceMeters:  &distance,
		AvgHeartRateBPM: &avgHR,
		MaxHeartRateBPM: &maxHR,
		Version:         1,
		IngestedAt:      t0.Add(2 * time.Hour),
	}
}

func TestWorkoutMessagesGolden(t *testing.T) {
	w := testWorkout()
	msgs := WorkoutMessages(w)
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	want := `{"type":"workout.created","timestamp":"2024-03-10T09:00:00Z","data":{"id":"` + w.ID + `","user_id":"u1","type":"running",` +
		`"start_time":"2024-03-10T07:00:00Z","end_time":"2024-03-10T07:53:55Z","zone_offset":"+02:00","duration_seconds":3235,` +
		`"source":{"provider":"garmin","device":"Forerunner 965"},"calories_kcal":512.5,"distance_meters":10012,` +
		`"avg_heart_rate_bpm":148,"max_heart_rate_bpm":176,"avg_pace_sec_per_km":null,"elevation_gain_meters":null}}`
	if string(m.Body) != want {
		t.Fatalf("body\n got %s\nwant %s", m.Body, want)
	}
	if m.Type != schemas.EventWorkoutCreated || m.ID != MessageID(schemas.EventWorkoutCreated, w.ID, 1, 0) {
		t.Fatalf("message = {Type %q, ID %q}", m.Type, m.ID)
	}

	w.Deleted = true
	del := WorkoutMessages(w)[0]
	if del.Type != schemas.EventWorkoutDeleted || del.ID == m.ID {
		t.Fatalf("deleted workout message = {Type %q, ID %q}", del.Type, del.ID)
	}
	_, data := decode(t, del)
	if data["id"] != w.ID {
		t.Fatalf("deleted workout data id = %v", data["id"])
	}
}

// TestChangeEvents checks that the change the processor set picks the
// event: created, updated or deleted, and created for records without one.
func TestChangeEvents(t *testing.T) {
	f := func(change string, deleted bool, wantWorkout, wantSleep string) {
		t.Helper()
		w := testWorkout()
		w.Change, w.Deleted, w.Version = change, deleted, 7
		m := WorkoutMessages(w)[0]
		if m.Type != wantWorkout || m.ID != MessageID(wantWorkout, w.ID, 7, 0) {
			t.Fatalf("workout change %q deleted %v: message {Type %q, ID %q}, want %s", change, deleted, m.Type, m.ID, wantWorkout)
		}
		if env, _ := decode(t, m); env["type"] != wantWorkout {
			t.Fatalf("workout envelope type = %v, want %s", env["type"], wantWorkout)
		}
		s := schemas.Sleep{ID: w.ID, Tenant: w.Tenant, UserID: w.UserID, StartTime: t0, EndTime: t0.Add(time.Hour), Change: change, Deleted: deleted, Version: 7}
		if m := SleepMessages(s)[0]; m.Type != wantSleep {
			t.Fatalf("sleep change %q deleted %v: event %q, want %s", change, deleted, m.Type, wantSleep)
		}
	}
	f("", false, schemas.EventWorkoutCreated, schemas.EventSleepCreated)
	f(schemas.ChangeCreated, false, schemas.EventWorkoutCreated, schemas.EventSleepCreated)
	f(schemas.ChangeUpdated, false, schemas.EventWorkoutUpdated, schemas.EventSleepUpdated)
	f(schemas.ChangeDeleted, true, schemas.EventWorkoutDeleted, schemas.EventSleepDeleted)
	f("", true, schemas.EventWorkoutDeleted, schemas.EventSleepDeleted)
}

func TestSleepMessages(t *testing.T) {
	efficiency := 91.5
	s := schemas.Sleep{
		ID:                   schemas.NameID("t1", "u1", "oura", "sleep", "s1"),
		Tenant:               "t1",
		UserID:               "u1",
		Source:               schemas.Source{Provider: "oura", ID: "oura"},
		StartTime:            t0,
		EndTime:              t0.Add(8 * time.Hour),
		ZoneOffset:           -240,
		DurationSeconds:      28800,
		SleepDurationSeconds: 26000,
		EfficiencyPercent:    &efficiency,
		Stages:               &schemas.SleepStages{AwakeMinutes: 40, LightMinutes: 240, DeepMinutes: 90, RemMinutes: 110},
		Intervals:            []schemas.SleepInterval{{Stage: "deep", Start: t0, End: t0.Add(time.Hour)}},
		IsNap:                false,
		Version:              3,
		IngestedAt:           t0.Add(9 * time.Hour),
	}
	m := SleepMessages(s)[0]
	if m.Type != schemas.EventSleepCreated || m.ID != MessageID(schemas.EventSleepCreated, s.ID, 3, 0) {
		t.Fatalf("message = {Type %q, ID %q}", m.Type, m.ID)
	}
	env, data := decode(t, m)
	if env["timestamp"] != "2024-03-10T16:00:00Z" {
		t.Fatalf("timestamp = %v", env["timestamp"])
	}
	checkKeys(t, "sleep data", data, "id", "user_id", "start_time", "end_time", "zone_offset", "duration_seconds",
		"sleep_duration_seconds", "source", "efficiency_percent", "stages", "sleep_stage_intervals", "is_nap")
	checkKeys(t, "stages", data["stages"].(map[string]any), "awake_minutes", "light_minutes", "deep_minutes", "rem_minutes")
	if data["zone_offset"] != "-04:00" || data["efficiency_percent"] != 91.5 || data["is_nap"] != false {
		t.Fatalf("sleep data = %v", data)
	}
	if data["source"].(map[string]any)["device"] != nil {
		t.Fatalf("unknown device = %v, want null", data["source"])
	}
	iv := data["sleep_stage_intervals"].([]any)[0].(map[string]any)
	if iv["stage"] != "deep" || iv["start_time"] != "2024-03-10T07:00:00Z" || iv["end_time"] != "2024-03-10T08:00:00Z" {
		t.Fatalf("interval = %v", iv)
	}

	s.Stages, s.Intervals, s.EfficiencyPercent, s.Deleted = nil, nil, nil, true
	m = SleepMessages(s)[0]
	_, data = decode(t, m)
	if m.Type != schemas.EventSleepDeleted || data["stages"] != nil || data["efficiency_percent"] != nil || data["sleep_stage_intervals"] != nil {
		t.Fatalf("deleted sleep = %s", m.Body)
	}
}

func TestLifecycleMessages(t *testing.T) {
	f := func(l schemas.Lifecycle, want ...string) {
		t.Helper()
		l.ID, l.Tenant, l.UserID, l.Provider, l.OccurredAt = "l1", "t1", "u1", "garmin", t0
		msgs := LifecycleMessages(l)
		if len(msgs) != 1 {
			t.Fatalf("LifecycleMessages(%s) = %d messages, want 1", l.Type, len(msgs))
		}
		m := msgs[0]
		if m.Type != l.Type || m.ID != MessageID(l.Type, "l1", 0, 0) || m.Tenant != "t1" || m.UserID != "u1" {
			t.Fatalf("message = %+v", m)
		}
		env, data := decode(t, m)
		if env["timestamp"] != "2024-03-10T07:00:00Z" {
			t.Fatalf("timestamp = %v", env["timestamp"])
		}
		checkKeys(t, l.Type, data, want...)
		if data["user_id"] != "u1" || data["provider"] != "garmin" {
			t.Fatalf("%s data = %v", l.Type, data)
		}
	}
	f(schemas.Lifecycle{Type: "connection.created", ConnectionID: "c1"},
		"user_id", "provider", "connection_id", "connected_at")
	f(schemas.Lifecycle{Type: "connection.revoked", ConnectionID: "c1", Reason: "refresh_failed"},
		"user_id", "provider", "connection_id", "reason", "revoked_at")
	f(schemas.Lifecycle{Type: "sync.started", RunID: "run_1", SyncSource: "pull"},
		"user_id", "provider", "source", "run_id", "message", "metadata")
	f(schemas.Lifecycle{Type: "sync.completed", RunID: "run_1", SyncSource: "pull", Status: "success", ItemsProcessed: 7},
		"user_id", "provider", "source", "run_id", "status", "message", "items_processed", "metadata")
	f(schemas.Lifecycle{Type: "sync.failed", RunID: "run_1", SyncSource: "webhook", Error: "boom"},
		"user_id", "provider", "source", "run_id", "error", "message", "metadata")

	got := string(LifecycleMessages(schemas.Lifecycle{
		ID: "l1", Tenant: "t1", UserID: "u1", Type: "connection.revoked", Provider: "oura",
		OccurredAt: t0, ConnectionID: "c1", Reason: "user_disconnected",
	})[0].Body)
	want := `{"type":"connection.revoked","timestamp":"2024-03-10T07:00:00Z","data":{"user_id":"u1","provider":"oura",` +
		`"connection_id":"c1","reason":"user_disconnected","revoked_at":"2024-03-10T07:00:00Z"}}`
	if got != want {
		t.Fatalf("body\n got %s\nwant %s", got, want)
	}

	if msgs := LifecycleMessages(schemas.Lifecycle{ID: "l1", Type: "backfill.progress"}); len(msgs) != 0 {
		t.Fatalf("unknown lifecycle type gave %d messages", len(msgs))
	}
}

func TestExampleMessageEveryEventType(t *testing.T) {
	for _, et := range schemas.EventTypes() {
		m, err := ExampleMessage(et.Name, "t1", "u1")
		if err != nil {
			t.Fatalf("ExampleMessage(%s): %v", et.Name, err)
		}
		if m.Type != et.Name || m.Tenant != "t1" || m.UserID != "u1" || !strings.HasPrefix(m.ID, "msg_") {
			t.Fatalf("ExampleMessage(%s) = {ID %q, Type %q, Tenant %q, UserID %q}", et.Name, m.ID, m.Type, m.Tenant, m.UserID)
		}
		env, data := decode(t, m)
		if _, err := time.Parse(time.RFC3339, env["timestamp"].(string)); err != nil {
			t.Fatalf("ExampleMessage(%s) timestamp: %v", et.Name, err)
		}
		if uid, ok := data["user_id"]; !ok || uid != "u1" {
			t.Fatalf("ExampleMessage(%s) data user_id = %v", et.Name, uid)
		}
		if samples, ok := data["samples"].([]any); ok {
			s := samples[0].(map[string]any)
			if v, _ := s["value"].(float64); v == 0 {
				t.Fatalf("ExampleMessage(%s) sample value = %v, want a realistic value", et.Name, s["value"])
			}
		}
	}

	a, _ := ExampleMessage("heart_rate.created", "t1", "u1")
	b, _ := ExampleMessage("heart_rate.created", "t1", "u1")
	if a.ID == b.ID {
		t.Fatalf("two test sends share webhook-id %s", a.ID)
	}
	if _, err := ExampleMessage("no.such.event", "t1", "u1"); !errors.Is(err, ErrUnknownEventType) {
		t.Fatalf("ExampleMessage(unknown) error = %v, want ErrUnknownEventType", err)
	}
}
