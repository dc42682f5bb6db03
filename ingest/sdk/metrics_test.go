package sdk

import (
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

func TestMetricTable(t *testing.T) {
	for _, row := range metricTable {
		if !strings.HasPrefix(row.sdkType, hk) && strings.ToUpper(row.sdkType) != row.sdkType {
			t.Errorf("%s is neither a HealthKit identifier nor SCREAMING_SNAKE", row.sdkType)
		}
		st, ok := schemas.LookupSeriesType(row.series)
		if !ok {
			t.Errorf("%s: series %s not in the catalog", row.sdkType, row.series)
			continue
		}
		// No speed, depth or score may be summed into a distance series.
		if st.Category == schemas.CategoryDistance && !strings.Contains(row.sdkType, "Distance") && row.sdkType != "DISTANCE" {
			t.Errorf("%s goes to the distance series %s", row.sdkType, row.series)
		}
	}
}

func TestConversions(t *testing.T) {
	f := func(sdkType string, value float64, unit, wantSeries string, want float64) {
		t.Helper()
		m, ok := metrics[sdkType]
		if !ok {
			t.Fatalf("%s unknown", sdkType)
		}
		if m.series.Name != wantSeries {
			t.Errorf("%s → %s, want %s", sdkType, m.series.Name, wantSeries)
		}
		if got := m.value(value, unit); !near(got, want, 1e-6) {
			t.Errorf("%s %v %s = %v %s, want %v", sdkType, value, unit, got, m.series.Unit, want)
		}
	}
	// Percentages: HealthKit fractions, Health Connect percent.
	f(hk+"OxygenSaturation", 0.97, "%", "oxygen_saturation", 97)
	f(hk+"OxygenSaturation", 97, "%", "oxygen_saturation", 97)
	f("OXYGEN_SATURATION", 0.95, "%", "oxygen_saturation", 95)
	f(hk+"BodyFatPercentage", 0.214, "%", "body_fat_percentage", 21.4)
	f("BODY_FAT", 0.9, "%", "body_fat_percentage", 0.9)
	f(hk+"WalkingDoubleSupportPercentage", 0.284, "%", "walking_double_support_percentage", 28.4)
	f(hk+"WalkingAsymmetryPercentage", 0.031, "%", "walking_asymmetry_percentage", 3.1)
	f(hk+"AppleWalkingSteadiness", 0.88, "%", "walking_steadiness", 88)
	f(hk+"BloodAlcoholContent", 0.0008, "%", "blood_alcohol_content", 80)

	// Lengths.
	f(hk+"Height", 1.7526, "m", "height", 175.26)
	f(hk+"Height", 1.7526, "", "height", 175.26)
	f("HEIGHT", 175.26, "cm", "height", 175.26)
	f(hk+"Height", 69, "in", "height", 175.26)
	f(hk+"WalkingStepLength", 0.72, "m", "walking_step_length", 72)
	f(hk+"RunningStrideLength", 1.08, "m", "running_stride_length", 108)
	f(hk+"RunningVerticalOscillation", 8.9, "cm", "running_vertical_oscillation", 8.9)
	f(hk+"WaistCircumference", 0.82, "m", "waist_circumference", 82)
	f(hk+"DistanceWalkingRunning", 1.2, "km", "distance_walking_running", 1200)
	f("DISTANCE", 1088.5, "m", "distance_walking_running", 1088.5)
	f(hk+"DistanceCycling", 2, "mi", "distance_cycling", 3218.688)

	// The questionable mappings of Open Wearables, fixed.
	f(hk+"UnderwaterDepth", 4.2, "m", "underwater_depth", 4.2)
	f(hk+"CrossCountrySkiingSpeed", 18, "km/hr", "speed", 5)
	f(hk+"PaddleSportsSpeed", 2.1, "m/s", "speed", 2.1)
	f(hk+"RowingSpeed", 3.4, "m/s", "speed", 3.4)
	f(hk+"NikeFuel", 120, "count", "nike_fuel", 120)

	// Blood glucose.
	f("BLOOD_GLUCOSE", 6.111, "mmol/L", "blood_glucose", 110.1092202)
	f("BLOOD_GLUCOSE", 6.111, "mmol<180.1558800000541>/L", "blood_glucose", 110.1092202)
	f(hk+"BloodGlucose", 105, "mg/dL", "blood_glucose", 105)

	// Temperatures.
	f(hk+"BodyTemperature", 98.6, "degF", "body_temperature", 37)
	f("BODY_TEMPERATURE", 36.6, "degC", "body_temperature", 36.6)
	f(hk+"AppleSleepingWristTemperature", 35.92, "degC", "body_temperature", 35.92)
	f(hk+"WaterTemperature", 59, "°F", "water_temperature", 15)

	// Energy, mass, time, volume.
	f(hk+"ActiveEnergyBurned", 41.84, "kJ", "energy", 10)
	f("TOTAL_CALORIES_BURNED", 2100, "kcal", "energy", 2100)
	f("BASAL_METABOLIC_RATE", 1580, "kcal/day", "basal_energy", 1580)
	f("BASAL_METABOLIC_RATE", 6610.72, "kJ/day", "basal_energy", 1580)
	f(hk+"BodyMass", 157.4, "lb", "weight", 71.395439038)
	f("WEIGHT", 71400, "g", "weight", 71.4)
	f(hk+"AppleExerciseTime", 30, "min", "exercise_time", 30)
	f(hk+"TimeInDaylight", 1800, "s", "time_in_daylight", 30)
	f(hk+"HeartRateVariabilitySDNN", 48.7, "ms", "heart_rate_variability_sdnn", 48.7)
	f("HEART_RATE_VARIABILITY", 38.2, "ms", "heart_rate_variability_rmssd", 38.2)
	f(hk+"RunningGroundContactTime", 0.262, "s", "running_ground_contact_time", 262)
	f("HYDRATION", 0.5, "L", "hydration", 500)
	f(hk+"DietaryWater", 250, "mL", "hydration", 250)
	f(hk+"ForcedVitalCapacity", 4200, "mL", "forced_vital_capacity", 4.2)
}

func TestZoneOffset(t *testing.T) {
	f := func(in string, want int32, ok bool) {
		t.Helper()
		got, gotOK := parseZoneOffset(in)
		if got != want || gotOK != ok {
			t.Errorf("parseZoneOffset(%q) = %d, %v, want %d, %v", in, got, gotOK, want, ok)
		}
	}
	f("+01:00", 60, true)
	f("-05:00", -300, true)
	f("+05:30", 330, true)
	f("+0545", 345, true)
	f("-03", -180, true)
	f("Z", 0, true)
	f("UTC", 0, true)
	f("UTC+02:00", 120, true)
	f("+14:00", 840, true)
	f("", 0, false)
	f("01:00", 0, false)
	f("+1:0", 60, true)
	f("+19:00", 0, false)
	f("+01:60", 0, false)
	f("++1:00", 0, false)
	f("+01:-5", 0, false)
	f("+abc", 0, false)
	f("+123", 0, false)
}

func TestParseTime(t *testing.T) {
	f := func(in, want string, wantZone int32, ok bool) {
		t.Helper()
		got, zone, gotOK := parseTime(in)
		if gotOK != ok {
			t.Fatalf("parseTime(%q) ok = %v, want %v", in, gotOK, ok)
		}
		if !ok {
			return
		}
		w, _ := time.Parse(time.RFC3339Nano, want)
		if !got.Equal(w) || got.Location() != time.UTC || zone != wantZone {
			t.Errorf("parseTime(%q) = %v %d, want %v %d", in, got, zone, w, wantZone)
		}
	}
	f("2026-01-14T05:30:12Z", "2026-01-14T05:30:12Z", 0, true)
	f("2026-01-14T05:30:12.250Z", "2026-01-14T05:30:12.25Z", 0, true)
	f("2026-01-14T06:30:12+01:00", "2026-01-14T05:30:12Z", 60, true)
	f("2026-01-14T00:30:12-0500", "2026-01-14T05:30:12Z", -300, true)
	f("2026-01-14 06:30:12 +0100", "2026-01-14T05:30:12Z", 60, true)
	f("2026-01-14T05:30:12", "2026-01-14T05:30:12Z", 0, true)
	f("2026-01-14T05:30:12.123456", "2026-01-14T05:30:12.123456Z", 0, true)
	f("1969-12-31T23:59:59Z", "", 0, false)
	f("2300-01-01T00:00:00Z", "", 0, false)
	f("yesterday", "", 0, false)
	f("", "", 0, false)
}
