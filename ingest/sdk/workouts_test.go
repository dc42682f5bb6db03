package sdk

import (
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func TestWorkoutTypeTable(t *testing.T) {
	seen := map[string]string{}
	for unified, sdkTypes := range workoutTypeTable {
		if !schemas.IsWorkoutType(unified) {
			t.Errorf("%s is not a unified workout type", unified)
		}
		for _, s := range sdkTypes {
			if prev, dup := seen[s]; dup {
				t.Errorf("%s maps to both %s and %s", s, prev, unified)
			}
			seen[s] = unified
		}
	}
}

func TestWorkoutType(t *testing.T) {
	f := func(sdkType, want string) {
		t.Helper()
		if got := WorkoutType(sdkType); got != want {
			t.Errorf("WorkoutType(%q) = %q, want %q", sdkType, got, want)
		}
	}
	f("running", "running")
	f("RUNNING", "running")
	f("CYCLING_STATIONARY", "indoor_cycling")
	f("RUNNING_TREADMILL", "treadmill")
	f("functional_strength_training", "strength_training")
	f("hiit", "cardio_training")
	f("wheelchair_walk", "walking")
	f("swim_bike_run", "triathlon")
	f("FOOTBALL_AUSTRALIAN", "football")
	f("other", "generic")
	f("trail_running", "trail_running") // a unified type the table does not list
	f("kite_flying", "other")
	f("", "other")
}

func TestWorkoutStatistics(t *testing.T) {
	body := `{"provider":"apple","data":{"workouts":[
		{"type":"swimming","startDate":"2026-01-14T06:00:00Z","endDate":"2026-01-14T07:00:00Z","values":[
			{"type":"totalDuration","unit":"min","value":50},
			{"type":"activeEnergyBurned","unit":"kJ","value":1046},
			{"type":"totalCalories","unit":"kcal","value":50},
			{"type":"distance","unit":"km","value":2},
			{"type":"distance","unit":"m","value":9999},
			{"type":"swimmingStrokeCount","unit":"count","value":820},
			{"type":"maxSpeed","unit":"km/hr","value":7.2},
			{"type":"weatherTemperature","unit":"degF","value":68},
			{"type":"maxCadence","unit":"spm","value":40},
			{"type":"lapLength","unit":"m","value":25}
		]},
		{"type":"yoga","startDate":"2026-01-14T08:00:00Z","endDate":"2026-01-14T08:30:00Z","values":[
			{"type":"totalEnergyBurned","unit":"kcal","value":90},
			{"type":"totalDistance","unit":"m","value":0},
			{"type":"totalSteps","unit":"count","value":120},
			{"type":"duration","unit":"s","value":-5}
		]}
	]}}`
	recs, err := Normalize(ingest.Context{Tenant: "t", UserID: "u"}, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.Workouts) != 2 {
		t.Fatalf("%d workouts", len(recs.Workouts))
	}
	swim := recs.Workouts[0]
	if swim.Type != "swimming" || swim.DurationSeconds != 3000 {
		t.Errorf("swim %s, %v s", swim.Type, swim.DurationSeconds)
	}
	wantFloat(t, "calories kJ + kcal", swim.CaloriesKcal, 300)
	wantFloat(t, "first distance wins", swim.DistanceMeters, 2000)
	wantFloat(t, "max speed", swim.MaxSpeedMPS, 2)
	wantFloat(t, "pace from duration and distance", swim.AvgPaceSecPerKm, 1500)
	want := schemas.RecordID("t", "u", "apple", "workout", "2026-01-14T06:00:00Z|2026-01-14T07:00:00Z|swimming")
	if swim.ID != want || swim.ProviderRecordID != "" {
		t.Errorf("id without SDK id: %s %q, want %s", swim.ID, swim.ProviderRecordID, want)
	}

	yoga := recs.Workouts[1]
	wantFloat(t, "legacy totalEnergyBurned", yoga.CaloriesKcal, 90)
	wantFloat(t, "legacy totalDistance", yoga.DistanceMeters, 0)
	wantFloat(t, "legacy totalSteps", yoga.Steps, 120)
	if yoga.DurationSeconds != 1800 {
		t.Errorf("negative duration statistic used: %v", yoga.DurationSeconds)
	}
	if yoga.AvgPaceSecPerKm != nil {
		t.Error("yoga has a pace")
	}

	series := map[string]float64{}
	for _, b := range recs.Samples {
		for _, s := range b.Samples {
			series[b.SeriesType] = s.Value
		}
	}
	if len(series) != 2 || series["swimming_stroke_count"] != 820 || series["weather_temperature"] != 20 {
		t.Errorf("statistic samples %v, want stroke count and weather temperature only", series)
	}
	if len(recs.Skipped) != 0 {
		t.Errorf("skipped %v", recs.Skipped)
	}
}
