package oura

import (
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

var fixtures = []string{
	"oura_sleep_response.json",
	"oura_workout_response.json",
	"oura_daily_activity.json",
	"oura_daily_readiness.json",
	"oura_daily_spo2.json",
	"oura_heartrate_response.json",
	"oura_webhook.json",
	"oura_webhook_delete.json",
	"oura_webhook_challenge_response.json",
}

func testContext() ingest.Context {
	return ingest.Context{
		Tenant: "tenant-1", UserID: "user-1", Provider: "oura", RawEventID: "raw-1",
		ReceivedAt: time.Date(2026, 1, 15, 7, 15, 5, 0, time.UTC),
	}
}

func normalize(t *testing.T, body string) ingest.Records {
	t.Helper()
	recs, err := Normalize(testContext(), []byte(body))
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	return recs
}

func batch(t *testing.T, recs ingest.Records, source, series string) schemas.SampleBatch {
	t.Helper()
	for _, b := range recs.Samples {
		if b.SeriesType == series && b.Source.ID == source {
			return b
		}
	}
	t.Fatalf("no %s batch from %s", series, source)
	return schemas.SampleBatch{}
}

func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			recs := normalize(t, string(ingesttest.ReadFixture(t, name)))
			ingesttest.GoldenRecords(t, name, recs)
			ingesttest.CheckBatches(t, recs.Samples)
			ingesttest.CheckWorkouts(t, recs.Workouts)
			ingesttest.CheckSleep(t, live(recs.Sleep))
			ingesttest.CheckIntervals(t, live(recs.Sleep))
		})
	}
}

func TestStableIDs(t *testing.T) {
	other := testContext()
	other.UserID = "user-2"
	ingesttest.CheckStableIDs(t, Normalize, testContext(), other, fixtures...)
}

// live drops deleted sessions, which carry only their id.
func live(s []schemas.Sleep) []schemas.Sleep {
	var out []schemas.Sleep
	for _, x := range s {
		if !x.Deleted {
			out = append(out, x)
		}
	}
	return out
}

func TestSleep(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "oura_sleep_response.json")))
	if len(recs.Sleep) != 2 || recs.Skipped["sleep of type rest"] != 1 {
		t.Fatalf("sleep = %d, skipped %v", len(recs.Sleep), recs.Skipped)
	}
	s := recs.Sleep[0]
	if s.ZoneOffset != -480 || !s.StartTime.Equal(time.Date(2026, 1, 14, 7, 10, 0, 0, time.UTC)) || s.IsNap ||
		s.SleepDurationSeconds != 26100 || s.InBedSeconds != 28500 || s.Stages.DeepMinutes != 90 || *s.EfficiencyPercent != 92 {
		t.Errorf("long sleep = %+v", s)
	}
	if s.ID != schemas.RecordID("tenant-1", "user-1", "oura", "sleep", "4b3c6f2a-8d1e-4c57-9a0b-7e2f5d1c9a33") {
		t.Errorf("sleep id %s", s.ID)
	}
	if len(s.Intervals) == 0 || s.Intervals[0].Stage != schemas.StageAwake || !s.Intervals[0].Start.Equal(s.StartTime) {
		t.Errorf("intervals %+v", s.Intervals)
	}
	if !recs.Sleep[1].IsNap {
		t.Error("late_nap is not a nap")
	}
	if b := batch(t, recs, "oura:daily", "resting_heart_rate"); b.Samples[0].Value != 47 {
		t.Errorf("resting heart rate %+v", b.Samples)
	}
	if b := batch(t, recs, "oura:ring", "heart_rate"); b.Samples[0].Value != 63 {
		t.Errorf("first heart rate %+v (the null gap is dropped)", b.Samples[0])
	}
	batch(t, recs, "oura:ring", "heart_rate_variability_rmssd")
	batch(t, recs, "oura:daily", "respiratory_rate")
}

func TestWorkouts(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "oura_workout_response.json")))
	if len(recs.Workouts) != 3 {
		t.Fatalf("workouts = %d", len(recs.Workouts))
	}
	w := recs.Workouts[0]
	if w.Type != "cycling" || w.DurationSeconds != 45*60 || *w.CaloriesKcal != 300 || *w.DistanceMeters != 13500.5 || w.ZoneOffset != -480 {
		t.Errorf("cycling = %+v", w)
	}
	if recs.Workouts[1].DistanceMeters != nil || recs.Workouts[1].Type != "walking" {
		t.Errorf("walking = %+v", recs.Workouts[1])
	}
	if recs.Workouts[2].Type != "strength_training" || recs.Workouts[2].Name != "Leg day" {
		t.Errorf("strength = %+v", recs.Workouts[2])
	}
	// Oura's documented example ends before it starts: skipped in a list.
	bad := `{"data":[{"id":"x","activity":"running","start_datetime":"2026-01-14T08:00:00+00:00","end_datetime":"2026-01-14T07:00:00+00:00"}]}`
	if recs := normalize(t, bad); len(recs.Workouts) != 0 || len(recs.Skipped) != 1 {
		t.Errorf("backwards workout: %+v", recs)
	}
}

func TestDaily(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "oura_daily_activity.json")))
	steps := batch(t, recs, "oura:daily", "steps")
	if s := steps.Samples[0]; s.Value != 9876 || s.IsDailyTotal == nil || !*s.IsDailyTotal || s.ZoneOffset != -480 {
		t.Errorf("steps %+v", s)
	}
	if v := batch(t, recs, "oura:daily", "active_time").Samples[0].Value; v != (600+2700+14400)/60.0 {
		t.Errorf("active time %v", v)
	}
	if v := batch(t, recs, "oura:daily", "energy").Samples[0].Value; v != 412 {
		t.Errorf("energy %v", v)
	}
	recs = normalize(t, string(ingesttest.ReadFixture(t, "oura_daily_readiness.json")))
	if v := batch(t, recs, "oura:daily", "skin_temperature_deviation").Samples[0].Value; v != -0.12 {
		t.Errorf("temperature deviation %v", v)
	}
	recs = normalize(t, string(ingesttest.ReadFixture(t, "oura_daily_spo2.json")))
	if s := batch(t, recs, "oura:daily", "oxygen_saturation").Samples[0]; s.Value != 96.8 || !s.Time.Equal(time.Date(2026, 1, 14, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("spo2 %+v", s)
	}
	recs = normalize(t, string(ingesttest.ReadFixture(t, "oura_heartrate_response.json")))
	if b := batch(t, recs, "oura:ring", "heart_rate"); len(b.Samples) != 8 {
		t.Errorf("heart rate samples %d", len(b.Samples))
	}
}

// A deleted workout keeps the id it had and is marked deleted, with the
// receive time as its version; create notifications carry nothing.
func TestDelete(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "oura_webhook_delete.json")))
	all := normalize(t, string(ingesttest.ReadFixture(t, "oura_workout_response.json")))
	if len(recs.Workouts) != 1 || !recs.Workouts[0].Deleted || recs.Workouts[0].ID != all.Workouts[1].ID ||
		recs.Workouts[0].Version != testContext().ReceivedAt.UnixMilli() {
		t.Fatalf("delete = %+v", recs.Workouts)
	}
	recs = normalize(t, strings.Replace(string(ingesttest.ReadFixture(t, "oura_webhook_delete.json")), `"workout"`, `"sleep"`, 1))
	if len(recs.Sleep) != 1 || !recs.Sleep[0].Deleted || recs.Sleep[0].ProviderRecordID != "0f8a7d4e-31b2-4a9c-b6de-55c2a1e07f10" {
		t.Fatalf("sleep delete = %+v", recs.Sleep)
	}
	if recs := normalize(t, string(ingesttest.ReadFixture(t, "oura_webhook.json"))); recs.Len() != 0 || len(recs.Skipped) != 1 {
		t.Fatalf("create notification = %+v", recs)
	}
}

func TestErrors(t *testing.T) {
	for body, want := range map[string]string{
		``:            "empty",
		`not json`:    "cannot decode oura body",
		`42`:          "not a known oura document",
		`{"x": 1}`:    "not a known oura document",
		`{"data": 3}`: "cannot decode oura collection",
		`{"bedtime_start": "x", "bedtime_end": "y", "id": "a"}`: "not an ISO-8601 time",
		`{"event_type": "delete", "data_type": "workout"}`:      "object_id is missing",
	} {
		if _, err := Normalize(testContext(), []byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", body, err, want)
		}
	}
}

// Each document type adds samples only of the series its delete removes,
// and they lie in the span the processor resolves the deleted record to:
// a sleep period's [start, end], a summary's recorded time or its Spans entry.
func TestDeletedSamplesListed(t *testing.T) {
	for fixture, groups := range map[string][]ingest.SampleGroup{
		"oura_sleep_response.json":  sleepSamples,
		"oura_daily_activity.json":  activitySamples,
		"oura_daily_readiness.json": readinessSamples,
	} {
		ingesttest.CheckSamplesDeletable(t, fixture, normalize(t, string(ingesttest.ReadFixture(t, fixture))), groups)
	}
}

// A delete removes, with the record, the samples its document came with:
// one deletion per source, by the deleted record's id.
func TestDeletedSamples(t *testing.T) {
	f := func(dataType string, want []ingest.SampleGroup) {
		t.Helper()
		recs := normalize(t, `{"event_type": "delete", "data_type": "`+dataType+`", "object_id": "x-1"}`)
		var id string
		switch {
		case len(recs.Workouts) == 1:
			id = recs.Workouts[0].ID
		case len(recs.Sleep) == 1:
			id = recs.Sleep[0].ID
		case len(recs.Summaries) == 1:
			id = recs.Summaries[0].ID
		default:
			t.Fatalf("%s: records %+v", dataType, recs)
		}
		ingesttest.CheckSampleDeletions(t, recs, id, want)
	}
	f("workout", nil)
	f("sleep", sleepSamples)
	f("daily_activity", activitySamples)
	f("daily_readiness", readinessSamples)
	f("daily_sleep", nil)

	recs := normalize(t, `{"event_type": "delete", "data_type": "daily_spo2", "object_id": "x-1"}`)
	if recs.Len() != 0 || len(recs.Deletions) != 0 || len(recs.Skipped) != 1 {
		t.Errorf("daily_spo2 delete = %+v", recs)
	}
}
