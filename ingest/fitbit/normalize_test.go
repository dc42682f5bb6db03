package fitbit

import (
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"github.com/wearstream/wearstream/schemas"
)

var fixtures = []string{
	"fitbit_activity_log.json",
	"fitbit_sleep.json",
	"fitbit_heart.json",
	"fitbit_heart_intraday.json",
	"fitbit_hrv.json",
	"fitbit_spo2.json",
	"fitbit_weight.json",
	"fitbit_subscription_notification.json",
	"fitbit_token_response.json",
}

func testContext() ingest.Context {
	return ingest.Context{
		Tenant: "tenant-1", UserID: "user-1", Provider: provider, RawEventID: "raw-1",
		ReceivedAt: time.Date(2024, 1, 17, 8, 0, 0, 0, time.UTC),
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

func TestGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			recs := normalize(t, string(ingesttest.ReadFixture(t, name)))
			ingesttest.CheckBatches(t, recs.Samples)
			ingesttest.CheckWorkouts(t, recs.Workouts)
			ingesttest.CheckSleep(t, recs.Sleep)
			ingesttest.GoldenRecords(t, name, recs)
		})
	}
}

func TestActivities(t *testing.T) {
	recs := normalize(t, string(ingesttest.ReadFixture(t, "fitbit_activity_log.json")))
	if len(recs.Workouts) != 3 {
		t.Fatalf("%d workouts", len(recs.Workouts))
	}
	run, walk, weights := recs.Workouts[0], recs.Workouts[1], recs.Workouts[2]
	if run.Type != "running" || *run.DistanceMeters != 10000 || *run.CaloriesKcal != 500 || run.DurationSeconds != 3600 || run.Source.Device != "Fitbit Charge 6" {
		t.Errorf("run %+v", run)
	}
	if walk.Type != "walking" || walk.ZoneOffset != -480 || !walk.StartTime.Equal(time.Date(2024, 1, 15, 17, 40, 30, 0, time.UTC)) {
		t.Errorf("walk %+v", walk)
	}
	if weights.Type != "strength_training" { // unmapped id 2030, name "Weights"
		t.Errorf("weights type %s", weights.Type)
	}
	if want := schemas.RecordID("tenant-1", "user-1", provider, "workout", "12345678"); run.ID != want {
		t.Errorf("id %s, want %s", run.ID, want)
	}
}

func TestSleep(t *testing.T) {
	body := strings.Replace(string(ingesttest.ReadFixture(t, "fitbit_sleep.json")), "{", `{"offsetFromUTCMillis": 3600000,`, 1)
	recs := normalize(t, body)
	if len(recs.Sleep) != 2 {
		t.Fatalf("%d sleep sessions", len(recs.Sleep))
	}
	night, nap := recs.Sleep[0], recs.Sleep[1]
	if !night.StartTime.Equal(time.Date(2024, 1, 14, 22, 18, 30, 0, time.UTC)) || night.ZoneOffset != 60 || night.IsNap || night.Stages == nil ||
		night.Stages.DeepMinutes != 85 || night.SleepDurationSeconds != 385*60 || len(night.Intervals) != 12 {
		t.Errorf("night %+v", night)
	}
	if !nap.IsNap || nap.Stages != nil || len(nap.Intervals) != 3 || nap.Intervals[0].Stage != schemas.StageAwake || nap.Intervals[1].Stage != schemas.StageSleeping {
		t.Errorf("nap %+v", nap)
	}
	if recs.Skipped["sleep without offsetFromUTCMillis (read as UTC)"] != 0 {
		t.Errorf("skipped %v", recs.Skipped)
	}
}

func TestHeartIntraday(t *testing.T) {
	body := strings.Replace(string(ingesttest.ReadFixture(t, "fitbit_heart_intraday.json")), "{", `{"offsetFromUTCMillis": -28800000,`, 1)
	recs := normalize(t, body)
	var hr, rest *schemas.SampleBatch
	for i, b := range recs.Samples {
		switch b.SeriesType {
		case "heart_rate":
			hr = &recs.Samples[i]
		case "resting_heart_rate":
			rest = &recs.Samples[i]
		}
	}
	if hr == nil || rest == nil || rest.Samples[0].Value != 58 {
		t.Fatalf("samples %+v", recs.Samples)
	}
	if hr.Source.ID != "fitbit:account" || len(hr.Samples) != 5 {
		t.Fatalf("heart rate %+v", hr)
	}
	first, last := hr.Samples[0], hr.Samples[4]
	if !first.Time.Equal(time.Date(2024, 1, 15, 8, 0, 0, 0, time.UTC)) || first.Value != 61 || first.ZoneOffset != -480 {
		t.Errorf("first %+v", first)
	}
	if !last.Time.Equal(time.Date(2024, 1, 16, 7, 59, 0, 0, time.UTC)) || last.Value != 64 {
		t.Errorf("last %+v", last)
	}
	if recs.Skipped["invalid heart rate sample value"] != 1 || recs.Skipped["heart rate without offsetFromUTCMillis (read as UTC)"] != 0 {
		t.Errorf("skipped %v", recs.Skipped)
	}

	f := func(intraday, skipped string) {
		t.Helper()
		body := `{"offsetFromUTCMillis": 0, "activities-heart": [{"dateTime": "2024-01-15", "value": {}}], "activities-heart-intraday": ` + intraday + `}`
		recs := normalize(t, body)
		if recs.Skipped[skipped] != 1 || len(recs.Samples) != 0 {
			t.Errorf("%s: samples %+v, skipped %v, want %q", intraday, recs.Samples, recs.Skipped, skipped)
		}
	}
	f(`{"dataset": [{"time": "24:00:00", "value": 70}]}`, "invalid heart rate sample time")
	f(`{"dataset": [{"time": "08:00:00", "value": 301}]}`, "invalid heart rate sample value")
	f(`{"dataset": [{"time": "08:00:00", "value": "x"}]}`, "invalid heart rate sample value")
	f(`{"dataset": [{"time": "08:00:00"}]}`, "invalid heart rate sample value")
	f(`{"dataset": [1]}`, "invalid heart rate sample")
	f(`{"dataset": 1}`, "invalid heart rate intraday")
	if recs := normalize(t, `{"activities-heart": [], "activities-heart-intraday": {"dataset": [{"time": "08:00:00", "value": 70}]}}`); recs.Skipped["heart rate sample without a date"] != 1 {
		t.Errorf("without a date: %+v", recs)
	}
}

func TestShapesAndErrors(t *testing.T) {
	if recs := normalize(t, `{"dateTime":"2024-01-15","value":{"avg":95}}`); len(recs.Samples) != 1 {
		t.Errorf("one spo2 day: %+v", recs)
	}
	if recs := normalize(t, `[]`); recs.Len() != 0 {
		t.Errorf("empty: %+v", recs)
	}
	for body, want := range map[string]string{
		``:                 "empty",
		`x`:                "cannot decode fitbit body",
		`1`:                "not a known fitbit payload",
		`{"a":1}`:          "not a known fitbit payload",
		`[{"a":1}]`:        "not a known fitbit payload",
		`{"sleep":{}}`:     "cannot decode fitbit sleep",
		`{"activities":1}`: "cannot decode fitbit activities",
	} {
		if _, err := Normalize(testContext(), []byte(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", body, err, want)
		}
	}
}

func TestDeterministicIDs(t *testing.T) {
	other := testContext()
	other.UserID = "user-2"
	ingesttest.CheckStableIDs(t, Normalize, testContext(), other, fixtures...)
}

func TestWorkoutTypes(t *testing.T) {
	for _, u := range typeIDs {
		if !schemas.IsWorkoutType(u) {
			t.Errorf("%s is not a unified workout type", u)
		}
	}
	for _, u := range typeNames {
		if !schemas.IsWorkoutType(u) {
			t.Errorf("%s is not a unified workout type", u)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	ingesttest.SeedFixtures(f, fixtures...)
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := Normalize(testContext(), body)
		if err != nil {
			return
		}
		ingesttest.CheckBatches(t, recs.Samples)
		ingesttest.CheckWorkouts(t, recs.Workouts)
		ingesttest.CheckSleep(t, recs.Sleep)
	})
}
