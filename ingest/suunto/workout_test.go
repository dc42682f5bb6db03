package suunto

import (
	"fmt"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func TestWebhookWorkoutFixture(t *testing.T) {
	recs := normalizeFixture(t, "suunto_webhook.json")
	if len(recs.Workouts) != 1 || recs.Len() != 1 {
		t.Fatalf("got %d records", recs.Len())
	}
	w := recs.Workouts[0]
	// startTime 1702729200000 ms is 2023-12-16 12:20:00 UTC; at
	// timeOffsetInMinutes 120 the local start is 14:20.
	if !w.StartTime.Equal(ingesttest.UTC("2023-12-16T12:20:00Z")) || w.ZoneOffset != 120 {
		t.Errorf("start %v zone %d", w.StartTime, w.ZoneOffset)
	}
	if local := w.StartTime.Add(time.Duration(w.ZoneOffset) * time.Minute); local.Format("15:04") != "14:20" {
		t.Errorf("local start %s, want 14:20", local.Format("15:04"))
	}
	// No stopTime: the end is startTime + totalTime.
	if w.DurationSeconds != 3600 || !w.EndTime.Equal(ingesttest.UTC("2023-12-16T13:20:00Z")) {
		t.Errorf("duration %v end %v", w.DurationSeconds, w.EndTime)
	}
	if w.Type != "cross_country_skiing" {
		t.Errorf("activityId 3 became %q, want cross_country_skiing", w.Type)
	}
	ingesttest.WantFloat(t, "calories", w.CaloriesKcal, 500)
	ingesttest.WantFloat(t, "distance", w.DistanceMeters, 10000)
	ingesttest.WantFloat(t, "steps", w.Steps, 8500)
	ingesttest.WantFloat(t, "ascent", w.ElevationGainMeters, 120.5)
	ingesttest.WantFloat(t, "avg heart rate", w.AvgHeartRateBPM, 145)
	ingesttest.WantFloat(t, "max heart rate", w.MaxHeartRateBPM, 175)
	ingesttest.WantFloat(t, "avg speed", w.AvgSpeedMPS, 2.78)
	ingesttest.WantFloat(t, "max speed", w.MaxSpeedMPS, 6)
	ingesttest.WantFloat(t, "pace", w.AvgPaceSecPerKm, ingest.Tidy(1000/2.78))
	want := schemas.Source{Provider: "suunto", ID: "suunto:account", Device: "Suunto Vertical", DeviceType: "watch"}
	if w.Source != want {
		t.Errorf("source %+v, want %+v", w.Source, want)
	}
	if w.ProviderRecordID != "67604889401b942184624cb8" || w.Version != testContext().ReceivedAt.UnixMilli() || w.RawEventID != "raw-1" {
		t.Errorf("ids: %+v", w)
	}
	if len(recs.Skipped) != 0 {
		t.Errorf("skipped %v", recs.Skipped)
	}
}

func TestWorkoutDetailsFixture(t *testing.T) {
	recs := normalizeFixture(t, "suunto_workout.json")
	if len(recs.Workouts) != 1 {
		t.Fatalf("%d workouts", len(recs.Workouts))
	}
	w := recs.Workouts[0]
	if w.Type != "walking" {
		t.Errorf("activityId 0 became %q, want walking (0 is a real id)", w.Type)
	}
	if !w.StartTime.Equal(time.UnixMilli(1779025042670)) || w.ZoneOffset != 120 {
		t.Errorf("start %v zone %d", w.StartTime, w.ZoneOffset)
	}
	if w.DurationSeconds != 12.144 || !w.EndTime.Equal(time.UnixMilli(1779025042670+12144)) {
		t.Errorf("duration %v end %v", w.DurationSeconds, w.EndTime)
	}
	// hrdata.max and userMaxHR (196) are the user's maximum, not the
	// workout's (hrmax 79).
	ingesttest.WantFloat(t, "avg heart rate", w.AvgHeartRateBPM, 78)
	ingesttest.WantFloat(t, "max heart rate", w.MaxHeartRateBPM, 79)
	ingesttest.WantFloat(t, "distance", w.DistanceMeters, 53)
	ingesttest.WantFloat(t, "ascent", w.ElevationGainMeters, 2.4)
	ingesttest.WantFloat(t, "avg speed", w.AvgSpeedMPS, 4.36)
	ingesttest.WantFloat(t, "pace", w.AvgPaceSecPerKm, ingest.Tidy(1000/4.36)) // Suunto's avgPace 3.82 min/km
	if w.CaloriesKcal != nil || w.Steps != nil {
		t.Errorf("zero energy and step count became values: %v %v", w.CaloriesKcal, w.Steps)
	}
	want := map[string]int{"no value: workout energyConsumption 0": 1, "no value: workout stepCount 0": 1}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped %v, want %v", recs.Skipped, want)
	}
	if w.Source.ID != "suunto:account" || w.Source.Device != "" {
		t.Errorf("source %+v", w.Source)
	}
}

func TestWorkoutOffsetsAndEnds(t *testing.T) {
	f := func(fields string, wantStart, wantEnd string, wantZone int32, wantDur float64) {
		t.Helper()
		w := normalize(t, `{"workoutKey":"k","activityId":1,"startTime":1779025000000,`+fields+`}`).Workouts[0]
		if !w.StartTime.Equal(ingesttest.UTC(wantStart)) || !w.EndTime.Equal(ingesttest.UTC(wantEnd)) || w.ZoneOffset != wantZone || w.DurationSeconds != wantDur {
			t.Errorf("%s: %v – %v zone %d duration %v", fields, w.StartTime, w.EndTime, w.ZoneOffset, w.DurationSeconds)
		}
	}
	// 1779025000000 ms is 2026-05-17 13:36:40 UTC.
	f(`"totalTime":600,"timeOffsetInMinutes":120`, "2026-05-17T13:36:40Z", "2026-05-17T13:46:40Z", 120, 600)
	f(`"totalTime":600,"timeOffsetInMinutes":-420`, "2026-05-17T13:36:40Z", "2026-05-17T13:46:40Z", -420, 600)
	f(`"totalTime":600,"timeOffsetInMinutes":"330"`, "2026-05-17T13:36:40Z", "2026-05-17T13:46:40Z", 330, 600)
	// A stopTime is the end; totalTime (moving time) stays the duration.
	f(`"totalTime":600,"stopTime":1779025900000`, "2026-05-17T13:36:40Z", "2026-05-17T13:51:40Z", 0, 600)
	f(`"stopTime":1779025900000`, "2026-05-17T13:36:40Z", "2026-05-17T13:51:40Z", 0, 900)
}

func TestWorkoutType(t *testing.T) {
	f := func(id float64, want string) {
		t.Helper()
		if got := WorkoutType(id); got != want {
			t.Errorf("WorkoutType(%v) = %q, want %q", id, got, want)
		}
	}
	f(0, "walking")
	f(1, "running")
	f(3, "cross_country_skiing")
	f(22, "trail_running")
	f(53, "treadmill")
	f(4, "sport")
	f(121, "yoga")
	f(999, "other")
	f(-1, "other")
	f(1.5, "other")
	for _, unified := range activities {
		if !schemas.IsWorkoutType(unified) {
			t.Errorf("table maps to %q, which is not a unified workout type", unified)
		}
	}
	recs := normalize(t, `{"workoutKey":"k","startTime":1779025000000,"totalTime":60}`)
	if recs.Workouts[0].Type != "other" {
		t.Errorf("a workout without activityId is %q, want other", recs.Workouts[0].Type)
	}
}

func TestWorkoutMarkers(t *testing.T) {
	recs := normalize(t, `{"workoutKey":"k","activityId":2,"startTime":1779025000000,"totalTime":60,
		"timeOffsetInMinutes":2000,"energyConsumption":-3,"totalDistance":0,"avgSpeed":0,
		"hrdata":{"workoutAvgHR":0,"avg":120,"hrmax":0,"workoutMaxHR":0,"max":196},
		"gear":{"name":"Suunto 9","serialNumber":"SN-1"},"mood":"fine"}`)
	w := recs.Workouts[0]
	ingesttest.WantFloat(t, "distance 0 is a value", w.DistanceMeters, 0)
	ingesttest.WantFloat(t, "avg heart rate falls back to hrdata.avg", w.AvgHeartRateBPM, 120)
	if w.MaxHeartRateBPM != nil || w.CaloriesKcal != nil || w.AvgPaceSecPerKm != nil || w.ZoneOffset != 0 {
		t.Errorf("workout %+v", w)
	}
	if want := (schemas.Source{Provider: "suunto", ID: "suunto:SN-1", Device: "Suunto 9"}); w.Source != want {
		t.Errorf("source %+v, want %+v", w.Source, want)
	}
	want := map[string]int{
		"invalid workout field timeOffsetInMinutes": 1,
		"invalid workout field energyConsumption":   1,
		"no value: workout hrdata.workoutAvgHR 0":   1,
		"no value: workout hrdata.hrmax 0":          1,
		"no value: workout hrdata.workoutMaxHR 0":   1,
		"unknown workout field mood":                1,
	}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped\n got %v\nwant %v", recs.Skipped, want)
	}
}
