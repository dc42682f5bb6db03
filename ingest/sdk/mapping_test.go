package sdk

// Every mapping of open-wearables.md §4.3 and providers.md §9, one row per
// SDK type, through Normalize: the series type it lands in, the catalog
// unit, and the value after conversion from the unit the SDK sends.

import (
	"fmt"
	"github.com/wearstream/wearstream/ingest/ingesttest"
	"strings"
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

type mappingRow struct {
	sdkType string
	value   float64
	unit    string
	series  string
	want    float64
}

// metricMappings is the reference table, row by row. Where wearstream
// departs from Open Wearables (speeds, depth and NikeFuel out of
// distance_other; SpO2 fractions to percent; glucose mmol/L to mg/dL) the
// row holds wearstream's mapping; see metrics.go.
var metricMappings = []mappingRow{
	// Heart.
	{hk + "HeartRate", 72, "count/min", "heart_rate", 72},
	{"HEART_RATE", 72, "bpm", "heart_rate", 72},
	{hk + "RestingHeartRate", 55, "count/min", "resting_heart_rate", 55},
	{"RESTING_HEART_RATE", 55, "bpm", "resting_heart_rate", 55},
	{hk + "HeartRateVariabilitySDNN", 0.048, "s", "heart_rate_variability_sdnn", 48},
	{"HEART_RATE_VARIABILITY", 42, "ms", "heart_rate_variability_rmssd", 42},
	{hk + "HeartRateRecoveryOneMinute", 25, "count/min", "heart_rate_recovery_one_minute", 25},
	{hk + "WalkingHeartRateAverage", 95, "count/min", "walking_heart_rate_average", 95},

	// Blood and respiratory.
	{hk + "OxygenSaturation", 0.97, "%", "oxygen_saturation", 97},
	{"OXYGEN_SATURATION", 96, "%", "oxygen_saturation", 96},
	{hk + "BloodGlucose", 105, "mg/dL", "blood_glucose", 105},
	{"BLOOD_GLUCOSE", 5.5, "mmol/L", "blood_glucose", 99.1001},
	{hk + "BloodPressureSystolic", 121, "mmHg", "blood_pressure_systolic", 121},
	{"BLOOD_PRESSURE_SYSTOLIC", 122, "mmHg", "blood_pressure_systolic", 122},
	{hk + "BloodPressureDiastolic", 79, "mmHg", "blood_pressure_diastolic", 79},
	{"BLOOD_PRESSURE_DIASTOLIC", 78, "mmHg", "blood_pressure_diastolic", 78},
	{hk + "RespiratoryRate", 14, "count/min", "respiratory_rate", 14},
	{"RESPIRATORY_RATE", 15, "rpm", "respiratory_rate", 15},
	{hk + "AppleSleepingBreathingDisturbances", 3, "count", "sleeping_breathing_disturbances", 3},
	{hk + "BloodAlcoholContent", 0.0005, "%", "blood_alcohol_content", 50},
	{hk + "PeripheralPerfusionIndex", 0.021, "%", "peripheral_perfusion_index", 0.021},
	{hk + "ForcedVitalCapacity", 4200, "mL", "forced_vital_capacity", 4.2},
	{hk + "ForcedExpiratoryVolume1", 3.4, "L", "forced_expiratory_volume_1", 3.4},
	{hk + "PeakExpiratoryFlowRate", 480, "L/min", "peak_expiratory_flow_rate", 480},

	// Body.
	{hk + "Height", 1.8, "m", "height", 180},
	{"HEIGHT", 1.8, "m", "height", 180},
	{hk + "BodyMass", 154, "lb", "weight", 69.85322498},
	{"WEIGHT", 70.2, "kg", "weight", 70.2},
	{hk + "BodyFatPercentage", 0.18, "%", "body_fat_percentage", 18},
	{"BODY_FAT", 18.5, "%", "body_fat_percentage", 18.5},
	{"BODY_FAT_MASS", 13000, "g", "body_fat_mass", 13},
	{hk + "BodyMassIndex", 22.4, "count", "body_mass_index", 22.4},
	{"BMI", 22.5, "kg/m2", "body_mass_index", 22.5},
	{hk + "LeanBodyMass", 57, "kg", "lean_body_mass", 57},
	{"LEAN_BODY_MASS", 57.5, "kg", "lean_body_mass", 57.5},
	{"SKELETAL_MUSCLE_MASS", 31, "kg", "skeletal_muscle_mass", 31},
	{hk + "WaistCircumference", 32, "in", "waist_circumference", 81.28},
	{hk + "BodyTemperature", 98.6, "degF", "body_temperature", 37},
	{hk + "BasalBodyTemperature", 36.4, "degC", "body_temperature", 36.4},
	{hk + "AppleSleepingWristTemperature", 35.9, "degC", "body_temperature", 35.9},
	{"BODY_TEMPERATURE", 36.8, "degC", "body_temperature", 36.8},

	// Fitness.
	{hk + "VO2Max", 44.1, "mL/min·kg", "vo2_max", 44.1},
	{"VO2_MAX", 45, "mL/kg/min", "vo2_max", 45},
	{hk + "SixMinuteWalkTestDistance", 0.55, "km", "six_minute_walk_test_distance", 550},

	// Activity.
	{hk + "StepCount", 1200, "count", "steps", 1200},
	{"STEP_COUNT", 1300, "count", "steps", 1300},
	{hk + "ActiveEnergyBurned", 418.4, "kJ", "energy", 100},
	{"ACTIVE_CALORIES_BURNED", 120, "kcal", "energy", 120},
	{"TOTAL_CALORIES_BURNED", 2100, "kcal", "energy", 2100},
	{hk + "BasalEnergyBurned", 60, "kcal", "basal_energy", 60},
	{"BASAL_METABOLIC_RATE", 1650, "kcal/day", "basal_energy", 1650},
	{hk + "AppleStandTime", 300, "s", "stand_time", 5},
	{hk + "AppleExerciseTime", 32, "min", "exercise_time", 32},
	{hk + "AppleMoveTime", 1, "hr", "exercise_time", 60},
	{hk + "FlightsClimbed", 4, "count", "flights_climbed", 4},
	{"FLOORS_CLIMBED", 5, "count", "flights_climbed", 5},
	{hk + "PhysicalEffort", 3.2, "kcal/hr·kg", "physical_effort", 3.2},

	// Distance.
	{hk + "DistanceWalkingRunning", 1.5, "km", "distance_walking_running", 1500},
	{"DISTANCE", 820, "m", "distance_walking_running", 820},
	{hk + "DistanceCycling", 1, "mi", "distance_cycling", 1609.344},
	{hk + "DistanceSwimming", 100, "yd", "distance_swimming", 91.44},
	{hk + "DistanceDownhillSnowSports", 2.5, "km", "distance_downhill_snow_sports", 2500},
	{hk + "DistanceWheelchair", 300, "m", "distance_other", 300},
	{hk + "DistanceCrossCountrySkiing", 5, "km", "distance_other", 5000},
	{hk + "DistancePaddleSports", 1200, "m", "distance_other", 1200},
	{hk + "DistanceRowing", 2000, "m", "distance_other", 2000},
	{hk + "DistanceSkatingSports", 3, "km", "distance_other", 3000},

	// Walking.
	{hk + "WalkingStepLength", 0.7, "m", "walking_step_length", 70},
	{hk + "WalkingSpeed", 4.5, "km/hr", "walking_speed", 1.25},
	{hk + "WalkingDoubleSupportPercentage", 0.3, "%", "walking_double_support_percentage", 30},
	{hk + "WalkingAsymmetryPercentage", 0.05, "%", "walking_asymmetry_percentage", 5},
	{hk + "AppleWalkingSteadiness", 0.9, "%", "walking_steadiness", 90},
	{hk + "StairDescentSpeed", 0.5, "m/s", "stair_descent_speed", 0.5},
	{hk + "StairAscentSpeed", 0.4, "m/s", "stair_ascent_speed", 0.4},

	// Running.
	{hk + "RunningPower", 250, "W", "running_power", 250},
	{hk + "RunningSpeed", 10.8, "km/hr", "running_speed", 3},
	{hk + "RunningVerticalOscillation", 9, "cm", "running_vertical_oscillation", 9},
	{hk + "RunningGroundContactTime", 250, "ms", "running_ground_contact_time", 250},
	{hk + "RunningStrideLength", 1.1, "m", "running_stride_length", 110},

	// Swimming and diving.
	{hk + "SwimmingStrokeCount", 18, "count", "swimming_stroke_count", 18},
	{hk + "UnderwaterDepth", 12, "ft", "underwater_depth", 3.6576},

	// Cycling and generic movement.
	{hk + "CyclingCadence", 88, "count/min", "cadence", 88},
	{"CYCLING_PEDALING_CADENCE", 90, "rpm", "cadence", 90},
	{hk + "CyclingPower", 210, "W", "power", 210},
	{hk + "CyclingFunctionalThresholdPower", 240, "W", "power", 240},
	{"POWER", 220, "W", "power", 220},
	{hk + "CyclingSpeed", 36, "km/hr", "speed", 10},
	{"SPEED", 3, "m/s", "speed", 3},
	{hk + "CrossCountrySkiingSpeed", 18, "km/hr", "speed", 5},
	{hk + "PaddleSportsSpeed", 2, "m/s", "speed", 2},
	{hk + "RowingSpeed", 10, "mph", "speed", 4.4704},
	{hk + "WorkoutEffortScore", 7, "appleEffortScore", "workout_effort_score", 7},
	{hk + "EstimatedWorkoutEffortScore", 6, "appleEffortScore", "estimated_workout_effort_score", 6},

	// Environmental.
	{hk + "EnvironmentalAudioExposure", 65, "dBASPL", "environmental_audio_exposure", 65},
	{hk + "HeadphoneAudioExposure", 72, "dBASPL", "headphone_audio_exposure", 72},
	{hk + "EnvironmentalSoundReduction", 20, "dBASPL", "environmental_sound_reduction", 20},
	{hk + "TimeInDaylight", 45, "min", "time_in_daylight", 45},
	{hk + "WaterTemperature", 68, "degF", "water_temperature", 20},
	{hk + "UVExposure", 4, "count", "uv_exposure", 4},
	{hk + "InhalerUsage", 1, "count", "inhaler_usage", 1},

	// Other.
	{hk + "ElectrodermalActivity", 2, "mcS", "electrodermal_activity", 2},
	{hk + "PushCount", 120, "count", "push_count", 120},
	{hk + "AtrialFibrillationBurden", 0.02, "%", "atrial_fibrillation_burden", 0.02},
	{hk + "InsulinDelivery", 4, "IU", "insulin_delivery", 4},
	{hk + "NumberOfTimesFallen", 1, "count", "number_of_times_fallen", 1},
	{hk + "NumberOfAlcoholicBeverages", 2, "count", "number_of_alcoholic_beverages", 2},
	{hk + "NikeFuel", 120, "count", "nike_fuel", 120},
	{"HYDRATION", 0.5, "L", "hydration", 500},
	{hk + "DietaryWater", 250, "mL", "hydration", 250},
}

func TestEveryMetricMapping(t *testing.T) {
	covered := map[string]bool{}
	for _, row := range metricMappings {
		t.Run(strings.TrimPrefix(row.sdkType, hk), func(t *testing.T) {
			covered[row.sdkType] = true
			provider := "google"
			if strings.HasPrefix(row.sdkType, hk) {
				provider = "apple"
			}
			body := fmt.Sprintf(`{"provider":%q,"data":{"records":[{"type":%q,"startDate":"2026-01-14T12:00:00Z","endDate":"2026-01-14T12:01:00Z","zoneOffset":"+01:00","value":%v,"unit":%q,"source":{"appId":"a"}}]}}`,
				provider, row.sdkType, row.value, row.unit)
			recs, err := Normalize(testContext(provider), []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if len(recs.Samples) != 1 || len(recs.Samples[0].Samples) != 1 || len(recs.Skipped) != 0 {
				t.Fatalf("want one sample, got %+v (skipped %v)", recs.Samples, recs.Skipped)
			}
			b := recs.Samples[0]
			st, _ := schemas.LookupSeriesType(row.series)
			if b.SeriesType != row.series || b.Unit != st.Unit {
				t.Fatalf("%s → %s (%s), want %s (%s)", row.sdkType, b.SeriesType, b.Unit, row.series, st.Unit)
			}
			if got := b.Samples[0].Value; !near(got, row.want, 1e-6) {
				t.Fatalf("%s %v %s = %v %s, want %v", row.sdkType, row.value, row.unit, got, b.Unit, row.want)
			}
			if b.Samples[0].ZoneOffset != 60 {
				t.Fatalf("zone offset %d, want 60", b.Samples[0].ZoneOffset)
			}
			if daily := b.Samples[0].IsDailyTotal; (st.Aggregation == schemas.AggSum) != (daily != nil && !*daily) {
				t.Fatalf("is_daily_total = %v for a %s series", daily, st.Aggregation)
			}
		})
	}
	for _, row := range metricTable {
		if !covered[row.sdkType] {
			t.Errorf("%s is mapped but has no row in metricMappings", row.sdkType)
		}
	}
}

// TestUnknownTypesAreCounted: unknown metric types, workout statistics and
// sleep stages are skipped and counted, never fatal.
func TestUnknownTypesAreCounted(t *testing.T) {
	body := `{"provider":"apple","data":{
	  "records":[{"type":"HKQuantityTypeIdentifierDietaryCaffeine","startDate":"2026-01-14T12:00:00Z","value":80,"unit":"mg"},
	             {"type":"HKQuantityTypeIdentifierHeartRate","startDate":"2026-01-14T12:00:00Z","value":70}],
	  "sleep":[{"stage":"inBed","startDate":"2026-01-14T00:00:00Z","endDate":"2026-01-14T01:00:00Z"}],
	  "workouts":[{"type":"running","startDate":"2026-01-14T06:00:00Z","endDate":"2026-01-14T06:30:00Z","values":[{"type":"averageFlowState","value":1,"unit":""}]}]}}`
	recs, err := Normalize(testContext("apple"), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"unknown type HKQuantityTypeIdentifierDietaryCaffeine": 1,
		"unknown sleep stage inBed":                            1,
		"unknown workout statistic averageFlowState":           1,
	}
	for reason, n := range want {
		if recs.Skipped[reason] != n {
			t.Errorf("skipped[%q] = %d, want %d (all: %v)", reason, recs.Skipped[reason], n, recs.Skipped)
		}
	}
	if len(recs.Samples) != 1 || len(recs.Workouts) != 1 {
		t.Fatalf("the known items were not kept: %d batches, %d workouts", len(recs.Samples), len(recs.Workouts))
	}
}

// statisticMappings is every workout statistic of §4.3 with where it
// lands: a workout field (checked by field) or a series sample at the
// workout's end, after unit conversion.
var statisticMappings = []struct {
	stat   string
	value  float64
	unit   string
	field  string // workout field, or "" for a series
	series string
	want   float64
}{
	{"duration", 1500000, "ms", "duration", "", 1500},
	{"totalDuration", 25, "min", "duration", "", 1500},
	{"activeEnergyBurned", 300, "kcal", "calories", "", 300},
	{"basalEnergyBurned", 418.4, "kJ", "calories", "", 100},
	{"calories", 250, "kcal", "calories", "", 250},
	{"totalCalories", 260, "kcal", "calories", "", 260},
	{"totalEnergyBurned", 270, "kcal", "calories", "", 270},
	{"distance", 5.2, "km", "distance", "", 5200},
	{"totalDistance", 3, "mi", "distance", "", 4828.032},
	{"stepCount", 6000, "count", "steps", "", 6000},
	{"totalSteps", 6100, "count", "steps", "", 6100},
	{"minHeartRate", 95, "count/min", "min_hr", "", 95},
	{"averageHeartRate", 142, "count/min", "avg_hr", "", 142},
	{"meanHeartRate", 141, "bpm", "avg_hr", "", 141},
	{"maxHeartRate", 178, "count/min", "max_hr", "", 178},
	{"averageSpeed", 10.8, "km/hr", "avg_speed", "", 3},
	{"meanSpeed", 2.5, "m/s", "avg_speed", "", 2.5},
	{"averageRunningSpeed", 3.2, "m/s", "avg_speed", "", 3.2},
	{"maxSpeed", 5, "m/s", "max_speed", "", 5},
	{"averageRunningPower", 260, "W", "avg_power", "", 260},
	{"elevationAscended", 120, "m", "elevation_gain", "", 120},
	{"altitudeGain", 328.0839895, "ft", "elevation_gain", "", 100},
	{"averageRunningStrideLength", 1.2, "m", "", "running_stride_length", 120},
	{"averageVerticalOscillation", 0.09, "m", "", "running_vertical_oscillation", 9},
	{"averageGroundContactTime", 0.25, "s", "", "running_ground_contact_time", 250},
	{"averageMETs", 9.5, "kcal/hr·kg", "", "average_met", 9.5},
	{"weatherTemperature", 77, "degF", "", "weather_temperature", 25},
	{"weatherHumidity", 60, "%", "", "weather_humidity", 60},
	{"swimmingStrokeCount", 400, "count", "", "swimming_stroke_count", 400},
	{"meanCadence", 165, "spm", "", "cadence", 165},
	{"vo2Max", 42.5, "mL/kg/min", "", "vo2_max", 42.5},
	// Known and deliberately ignored.
	{"maxCadence", 182, "spm", "-", "", 0},
	{"elevationDescended", 40, "m", "-", "", 0},
	{"altitudeLoss", 42, "m", "-", "", 0},
	{"maxAltitude", 185, "m", "-", "", 0},
	{"minAltitude", 140, "m", "-", "", 0},
	{"lapLength", 25, "m", "-", "", 0},
	{"swimmingLocationType", 1, "", "-", "", 0},
	{"indoorWorkout", 0, "", "-", "", 0},
}

func TestEveryWorkoutStatistic(t *testing.T) {
	covered := map[string]bool{}
	for _, row := range statisticMappings {
		t.Run(row.stat, func(t *testing.T) {
			covered[row.stat] = true
			body := fmt.Sprintf(`{"provider":"apple","data":{"workouts":[{"id":"w1","type":"running","startDate":"2026-01-14T06:00:00Z","endDate":"2026-01-14T06:30:00Z","values":[{"type":%q,"value":%v,"unit":%q}]}]}}`,
				row.stat, row.value, row.unit)
			recs, err := Normalize(testContext("apple"), []byte(body))
			if err != nil {
				t.Fatal(err)
			}
			if len(recs.Workouts) != 1 || len(recs.Skipped) != 0 {
				t.Fatalf("workouts %d, skipped %v", len(recs.Workouts), recs.Skipped)
			}
			w := recs.Workouts[0]
			if row.series != "" {
				b := ingesttest.FindBatch(t, recs, row.series)
				if len(b.Samples) != 1 || !b.Samples[0].Time.Equal(w.EndTime) || !near(b.Samples[0].Value, row.want, 1e-6) {
					t.Fatalf("%s sample %+v, want %v at the workout's end", row.series, b.Samples, row.want)
				}
				return
			}
			if len(recs.Samples) != 0 {
				t.Fatalf("%s made samples: %+v", row.stat, recs.Samples)
			}
			fields := map[string]*float64{
				"calories": w.CaloriesKcal, "distance": w.DistanceMeters, "steps": w.Steps,
				"min_hr": w.MinHeartRateBPM, "avg_hr": w.AvgHeartRateBPM, "max_hr": w.MaxHeartRateBPM,
				"avg_speed": w.AvgSpeedMPS, "max_speed": w.MaxSpeedMPS, "avg_power": w.AvgPowerWatts,
				"elevation_gain": w.ElevationGainMeters, "duration": &w.DurationSeconds,
			}
			if row.field == "-" {
				for name, p := range fields {
					if p != nil && name != "duration" {
						t.Fatalf("ignored statistic %s set %s", row.stat, name)
					}
				}
				return
			}
			if p := fields[row.field]; p == nil || !near(*p, row.want, 1e-6) {
				t.Fatalf("%s → %s = %v, want %v", row.stat, row.field, p, row.want)
			}
		})
	}
	for stat := range statistics {
		if !covered[stat] {
			t.Errorf("statistic %s has no row in statisticMappings", stat)
		}
	}
}

// sdkWorkoutTypes is the SDK workout type list of §4.3 (HealthKit and
// Samsung/Health Connect names).
var sdkWorkoutTypes = strings.Fields(`walking running cycling wheelchair_walk wheelchair_run hand_cycling elliptical
stair_climbing stairs jump_rope core_training functional_strength_training strength_training cross_training
mixed_cardio hiit step_training fitness_gaming preparation_and_recovery flexibility cooldown barre cardio_dance
social_dance yoga mind_and_body pilates american_football australian_football baseball basketball cricket
disc_sports handball hockey lacrosse rugby soccer softball volleyball badminton pickleball racquetball squash
table_tennis tennis climbing equestrian fishing golf hiking hunting play cross_country_skiing curling
downhill_skiing snow_sports snowboarding skating paddle_sports rowing sailing surfing swimming underwater_diving
water_fitness water_polo water_sports boxing kickboxing martial_arts tai_chi wrestling archery bowling fencing
gymnastics track_and_field swim_bike_run transition dance dance_inspired_training mixed_metabolic_cardio_training
cycling_stationary boot_camp calisthenics dancing exercise_class football_american football_australian
frisbee_disc guided_breathing ice_hockey ice_skating paddling paragliding rock_climbing roller_hockey
rowing_machine running_treadmill scuba_diving skiing snowshoeing stair_climbing_machine stretching
swimming_open_water swimming_pool weightlifting wheelchair other`)

func TestEverySDKWorkoutType(t *testing.T) {
	for _, s := range sdkWorkoutTypes {
		got := WorkoutType(s)
		if got == "other" || !schemas.IsWorkoutType(got) {
			t.Errorf("WorkoutType(%q) = %q: every SDK type maps to a unified type", s, got)
		}
		if up := WorkoutType(strings.ToUpper(s)); up != got {
			t.Errorf("WorkoutType(%q) = %q but %q = %q", strings.ToUpper(s), up, s, got)
		}
	}
	// Spot checks against providers.md §11.
	for sdkType, want := range map[string]string{
		"other": "generic", "wheelchair_run": "running", "swim_bike_run": "triathlon", "guided_breathing": "meditation",
		"gymnastics": "fitness_equipment", "australian_football": "football", "equestrian": "horseback_riding",
		"barre": "aerobics", "fitness_gaming": "gaming", "underwater_diving": "diving", "stairs": "stair_climbing",
	} {
		if got := WorkoutType(sdkType); got != want {
			t.Errorf("WorkoutType(%q) = %q, want %q", sdkType, got, want)
		}
	}
	if got := WorkoutType("underwater_basket_weaving"); got != "other" {
		t.Errorf("an unknown type maps to %q, want other", got)
	}
}
