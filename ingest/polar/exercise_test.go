package polar

import (
	"fmt"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

func TestExerciseFixture(t *testing.T) {
	recs := normalizeFixture(t, "polar_exercise.json")
	if len(recs.Workouts) != 1 || len(recs.Samples) != 0 || len(recs.Sleep) != 0 {
		t.Fatalf("got %d workouts, %d batches, %d sleep", len(recs.Workouts), len(recs.Samples), len(recs.Sleep))
	}
	w := recs.Workouts[0]
	// start_time 10:40:02 is local time at UTC+3 (start_time_utc_offset
	// 180), so the exercise started at 07:40:02 UTC, not 13:40:02.
	if want := ingesttest.UTC("2008-10-13T07:40:02Z"); !w.StartTime.Equal(want) {
		t.Errorf("start %v, want %v", w.StartTime, want)
	}
	if local := w.StartTime.Add(time.Duration(w.ZoneOffset) * time.Minute); local.Format("15:04:05") != "10:40:02" {
		t.Errorf("local start %s, want the fixture's 10:40:02", local.Format("15:04:05"))
	}
	if w.ZoneOffset != 180 {
		t.Errorf("zone offset %d, want 180", w.ZoneOffset)
	}
	// PT2H44M.
	if w.DurationSeconds != 9840 || !w.EndTime.Equal(ingesttest.UTC("2008-10-13T10:24:02Z")) {
		t.Errorf("duration %v, end %v; want 9840 s ending 10:24:02 UTC", w.DurationSeconds, w.EndTime)
	}
	if w.Type != "water_skiing" {
		t.Errorf("OTHER/WATERSPORTS_WATERSKI became %q, want water_skiing", w.Type)
	}
	ingesttest.WantFloat(t, "calories", w.CaloriesKcal, 530)
	ingesttest.WantFloat(t, "distance", w.DistanceMeters, 1600)
	ingesttest.WantFloat(t, "avg heart rate", w.AvgHeartRateBPM, 129)
	ingesttest.WantFloat(t, "max heart rate", w.MaxHeartRateBPM, 147)
	if w.AvgPaceSecPerKm != nil || w.MinHeartRateBPM != nil || w.Steps != nil {
		t.Errorf("fields Polar does not give were set: %+v", w)
	}
	want := schemas.Source{Provider: "polar", ID: "polar:1111AAAA", Device: "Polar M400", DeviceType: "watch"}
	if w.Source != want {
		t.Errorf("source %+v, want %+v", w.Source, want)
	}
	if w.ProviderRecordID != "2AC312F" || w.Tenant != "tenant-1" || w.UserID != "user-1" || w.RawEventID != "raw-1" {
		t.Errorf("ids and context: %+v", w)
	}
	if w.Version != testContext().ReceivedAt.UnixMilli() {
		t.Errorf("version %d, want the receive time in ms", w.Version)
	}
	if len(recs.Skipped) != 0 {
		t.Errorf("skipped %v", recs.Skipped)
	}
}

func TestExerciseOffsets(t *testing.T) {
	f := func(startTime string, offset any, wantUTC string, wantZone int32) {
		t.Helper()
		body := fmt.Sprintf(`{"id":"x","sport":"RUNNING","start_time":%q,"start_time_utc_offset":%v,"duration":"PT1H"}`, startTime, offset)
		w := normalize(t, body).Workouts[0]
		if !w.StartTime.Equal(ingesttest.UTC(wantUTC)) || w.ZoneOffset != wantZone {
			t.Errorf("%s at %v: start %v zone %d, want %s zone %d", startTime, offset, w.StartTime, w.ZoneOffset, wantUTC, wantZone)
		}
	}
	f("2026-01-14T07:00:00", 60, "2026-01-14T06:00:00Z", 60)     // Europe, winter
	f("2026-01-14T07:00:00", -300, "2026-01-14T12:00:00Z", -300) // New York: UTC is later
	f("2026-01-14T07:00:00", 330, "2026-01-14T01:30:00Z", 330)   // India, half hour
	f("2026-01-14T01:00:00", 180, "2026-01-13T22:00:00Z", 180)   // the UTC day is the day before
	f("2026-01-14T07:00:00.5", 0, "2026-01-14T07:00:00.5Z", 0)   // fractions
	f("2026-01-14T07:00:00", `"-300"`, "2026-01-14T12:00:00Z", -300)
	f("2026-01-14T07:00:00+02:00", 60, "2026-01-14T05:00:00Z", 120) // a written offset wins
	f("2026-01-14T07:00:00", "null", "2026-01-14T07:00:00Z", 0)     // none: read as UTC
}

func TestExerciseOffsetInvalid(t *testing.T) {
	recs := normalize(t, `{"id":"x","sport":"RUNNING","start_time":"2026-01-14T07:00:00","start_time_utc_offset":5000,"duration":"PT1H"}`)
	if w := recs.Workouts[0]; w.ZoneOffset != 0 || !w.StartTime.Equal(ingesttest.UTC("2026-01-14T07:00:00Z")) {
		t.Errorf("start %v zone %d", w.StartTime, w.ZoneOffset)
	}
	if recs.Skipped["invalid exercise field start_time_utc_offset"] != 1 {
		t.Errorf("skipped %v", recs.Skipped)
	}
}

func TestWorkoutType(t *testing.T) {
	f := func(sport, detail, want string) {
		t.Helper()
		if got := WorkoutType(sport, detail); got != want {
			t.Errorf("WorkoutType(%q, %q) = %q, want %q", sport, detail, got, want)
		}
	}
	f("OTHER", "WATERSPORTS_WATERSKI", "water_skiing")
	f("RUNNING", "", "running")
	f("RUNNING", "RUNNING_TRAIL", "trail_running")
	f("RUNNING", "RUNNING_SOMETHING_NEW", "running") // falls back to the sport
	f("running", "running_treadmill", "treadmill")
	f("CYCLING", "CYCLING_INDOOR", "indoor_cycling")
	f("OTHER", "", "generic")
	f("OTHER", "KITE_FLYING", "generic")
	f("KITE_FLYING", "", "other")
	f("", "", "other")
	for _, unified := range sports {
		if !schemas.IsWorkoutType(unified) {
			t.Errorf("table maps to %q, which is not a unified workout type", unified)
		}
	}
}

func TestExerciseMarkers(t *testing.T) {
	recs := normalize(t, `{"id":"x","sport":"RUNNING","start_time":"2026-01-14T07:00:00","start_time_utc_offset":60,
		"duration":"PT30M","calories":"n/a","distance":-1,"heart_rate":{"average":0,"maximum":null},"mood":"great"}`)
	w := recs.Workouts[0]
	if w.AvgHeartRateBPM != nil || w.MaxHeartRateBPM != nil || w.CaloriesKcal != nil || w.DistanceMeters != nil {
		t.Errorf("markers became values: %+v", w)
	}
	want := map[string]int{
		"no value: exercise field heart_rate.average 0": 1,
		"invalid exercise field calories":               1,
		"invalid exercise field distance":               1,
		"unknown exercise field mood":                   1,
	}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped\n got %v\nwant %v", recs.Skipped, want)
	}
}

func TestExercisePace(t *testing.T) {
	w := normalize(t, `{"id":"x","sport":"RUNNING","start_time":"2026-01-14T07:00:00","start_time_utc_offset":60,"duration":"PT50M","distance":10000}`).Workouts[0]
	ingesttest.WantFloat(t, "pace", w.AvgPaceSecPerKm, 300) // 3000 s over 10 km
}

// exerciseWithSamples is the fixture's shape with the sample streams of
// GET /v3/exercises/{id}?samples=true: heart rate every 5 s with a gap and
// a dropped reading, speed in km/h every second, cadence, altitude, power,
// and two streams that are not kept.
const exerciseWithSamples = `{
  "id": "S1", "device": "Polar Vantage V2", "device_id": "A1B2C3D4",
  "start_time": "2026-01-14T07:00:00", "start_time_utc_offset": -300, "duration": "PT1M",
  "sport": "RUNNING", "calories": 12, "distance": 180, "heart_rate": {"average": 120, "maximum": 131},
  "samples": [
    {"recording-rate": 5, "sample-type": "0", "data": "100,0,,NULL,131"},
    {"recording-rate": 1, "sample-type": "1", "data": "9.0,10.8,0"},
    {"recording-rate": 1, "sample-type": "2", "data": "85,86"},
    {"recording-rate": 5, "sample-type": "3", "data": "-2.5,12"},
    {"recording-rate": 1, "sample-type": "4", "data": "250,260"},
    {"recording-rate": 0, "sample-type": "11", "data": "600,610"},
    {"recording_rate": 1, "sample_type": "9", "data": "21,21"},
    {"recording-rate": 0, "sample-type": "0", "data": "100"}
  ]
}`

func TestExerciseSamples(t *testing.T) {
	recs := normalize(t, exerciseWithSamples)
	start := ingesttest.UTC("2026-01-14T12:00:00Z") // 07:00 at UTC−5
	f := func(series, unit string, want ...float64) {
		t.Helper()
		b := ingesttest.FindBatch(t, recs, series)
		if b.Unit != unit || b.Source.ID != "polar:A1B2C3D4" {
			t.Errorf("%s: unit %q source %q", series, b.Unit, b.Source.ID)
		}
		var got []float64
		for _, s := range b.Samples {
			got = append(got, s.Value)
			if s.ZoneOffset != -300 || s.IsDailyTotal != nil {
				t.Errorf("%s: zone %d, daily total %v", series, s.ZoneOffset, s.IsDailyTotal)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: values %v, want %v", series, got, want)
		}
	}
	f("heart_rate", "bpm", 100, 131)
	f("speed", "m_per_s", 2.5, 3, 0) // km/h ÷ 3.6
	f("cadence", "rpm", 85, 86)
	f("elevation", "meters", -2.5, 12)
	f("power", "watts", 250, 260)
	hr := ingesttest.FindBatch(t, recs, "heart_rate").Samples
	if !hr[0].Time.Equal(start) || !hr[1].Time.Equal(start.Add(20*time.Second)) {
		t.Errorf("heart rate at %v and %v, want start and start+20 s (5 s rate, 5th value)", hr[0].Time, hr[1].Time)
	}
	if sp := ingesttest.FindBatch(t, recs, "speed").Samples; !sp[2].Time.Equal(start.Add(2 * time.Second)) {
		t.Errorf("third speed sample at %v", sp[2].Time)
	}
	want := map[string]int{
		"no value: exercise heart rate sample 0": 1,
		"no value: exercise sample":              2,
		"exercise samples of type 11 not kept":   1,
		"exercise samples of type 9 not kept":    1,
		"invalid exercise sample stream":         1,
	}
	if fmt.Sprint(recs.Skipped) != fmt.Sprint(want) {
		t.Errorf("skipped\n got %v\nwant %v", recs.Skipped, want)
	}
}
