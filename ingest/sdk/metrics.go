package sdk

// The metric types of the SDK records and the catalog series type each one
// becomes, from Open Wearables' backend/app/constants/series_types/sdk/
// metric_types.py (open-wearables.md §4.3), with the unit conversion that
// brings the SDK's value into the catalog unit.
//
// Where this table differs from Open Wearables:
//   - UnderwaterDepth goes to underwater_depth, not distance_other; the
//     speeds CrossCountrySkiingSpeed, PaddleSportsSpeed and RowingSpeed go to
//     speed (m/s), and NikeFuel to nike_fuel: a depth, a speed or a score
//     summed into a distance series corrupts the daily distance.
//   - HealthKit sends every percentage as a 0–1 fraction with unit "%":
//     oxygen saturation (any platform), body fat and the walking percentages
//     are multiplied by 100 when the value is at most 1, and blood alcohol
//     content (a fraction of blood volume) becomes mg/dL.
//   - Conversions follow the unit the SDK sends (kJ, km, degF, lb, mmol/L,
//     ...); the default when the unit is missing is the unit the SDK is
//     documented to send (metres for height, step and stride length).
//   - HKQuantityTypeIdentifierDietaryWater goes to hydration, as Health
//     Connect's HYDRATION does (newer Open Wearables does the same).
//
// Health Connect's BASAL_METABOLIC_RATE is a rate in kcal/day; like Open
// Wearables we store the number as kcal in basal_energy, where each sample
// stands for the day's basal energy, so it must not be summed with
// HealthKit's per-interval BasalEnergyBurned.

import (
	"fmt"
	"strings"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// conversion turns a value in the SDK's unit into the catalog unit.
type conversion func(v float64, unit string) float64

// metric is what one SDK metric type becomes.
type metric struct {
	series  schemas.SeriesType
	sum     bool
	convert conversion // nil when the value is already in the catalog unit
}

const hk = "HKQuantityTypeIdentifier"

// metricTable lists every SDK metric type the normaliser understands.
var metricTable = []struct {
	sdkType string
	series  string
	convert conversion
}{
	// Heart.
	{hk + "HeartRate", "heart_rate", nil},
	{"HEART_RATE", "heart_rate", nil},
	{hk + "RestingHeartRate", "resting_heart_rate", nil},
	{"RESTING_HEART_RATE", "resting_heart_rate", nil},
	{hk + "HeartRateVariabilitySDNN", "heart_rate_variability_sdnn", toMilliseconds},
	{"HEART_RATE_VARIABILITY", "heart_rate_variability_rmssd", toMilliseconds},
	{hk + "HeartRateRecoveryOneMinute", "heart_rate_recovery_one_minute", nil},
	{hk + "WalkingHeartRateAverage", "walking_heart_rate_average", nil},

	// Blood and respiratory.
	{hk + "OxygenSaturation", "oxygen_saturation", fractionToPercent},
	{"OXYGEN_SATURATION", "oxygen_saturation", fractionToPercent},
	{hk + "BloodGlucose", "blood_glucose", toMgPerDL},
	{"BLOOD_GLUCOSE", "blood_glucose", toMgPerDL},
	{hk + "BloodPressureSystolic", "blood_pressure_systolic", nil},
	{"BLOOD_PRESSURE_SYSTOLIC", "blood_pressure_systolic", nil},
	{hk + "BloodPressureDiastolic", "blood_pressure_diastolic", nil},
	{"BLOOD_PRESSURE_DIASTOLIC", "blood_pressure_diastolic", nil},
	{hk + "RespiratoryRate", "respiratory_rate", nil},
	{"RESPIRATORY_RATE", "respiratory_rate", nil},
	{hk + "AppleSleepingBreathingDisturbances", "sleeping_breathing_disturbances", nil},
	{hk + "BloodAlcoholContent", "blood_alcohol_content", alcoholToMgPerDL},
	{hk + "PeripheralPerfusionIndex", "peripheral_perfusion_index", nil},
	{hk + "ForcedVitalCapacity", "forced_vital_capacity", toLitres},
	{hk + "ForcedExpiratoryVolume1", "forced_expiratory_volume_1", toLitres},
	{hk + "PeakExpiratoryFlowRate", "peak_expiratory_flow_rate", nil},

	// Body.
	{hk + "Height", "height", toCentimetresFromMetres},
	{"HEIGHT", "height", toCentimetresFromMetres},
	{hk + "BodyMass", "weight", toKilograms},
	{"WEIGHT", "weight", toKilograms},
	{hk + "BodyFatPercentage", "body_fat_percentage", fractionToPercent},
	{"BODY_FAT", "body_fat_percentage", nil},
	{"BODY_FAT_MASS", "body_fat_mass", toKilograms},
	{hk + "BodyMassIndex", "body_mass_index", nil},
	{"BMI", "body_mass_index", nil},
	{hk + "LeanBodyMass", "lean_body_mass", toKilograms},
	{"LEAN_BODY_MASS", "lean_body_mass", toKilograms},
	{"SKELETAL_MUSCLE_MASS", "skeletal_muscle_mass", toKilograms},
	{hk + "WaistCircumference", "waist_circumference", toCentimetres},
	{hk + "BodyTemperature", "body_temperature", toCelsius},
	{hk + "BasalBodyTemperature", "body_temperature", toCelsius},
	{hk + "AppleSleepingWristTemperature", "body_temperature", toCelsius},
	{"BODY_TEMPERATURE", "body_temperature", toCelsius},

	// Fitness.
	{hk + "VO2Max", "vo2_max", nil},
	{"VO2_MAX", "vo2_max", nil},
	{hk + "SixMinuteWalkTestDistance", "six_minute_walk_test_distance", toMetres},

	// Activity.
	{hk + "StepCount", "steps", nil},
	{"STEP_COUNT", "steps", nil},
	{hk + "ActiveEnergyBurned", "energy", toKilocalories},
	{"ACTIVE_CALORIES_BURNED", "energy", toKilocalories},
	{"TOTAL_CALORIES_BURNED", "energy", toKilocalories},
	{hk + "BasalEnergyBurned", "basal_energy", toKilocalories},
	{"BASAL_METABOLIC_RATE", "basal_energy", toKilocalories},
	{hk + "AppleStandTime", "stand_time", toMinutes},
	{hk + "AppleExerciseTime", "exercise_time", toMinutes},
	{hk + "AppleMoveTime", "exercise_time", toMinutes},
	{hk + "FlightsClimbed", "flights_climbed", nil},
	{"FLOORS_CLIMBED", "flights_climbed", nil},
	{hk + "PhysicalEffort", "physical_effort", nil},

	// Distance.
	{hk + "DistanceWalkingRunning", "distance_walking_running", toMetres},
	{"DISTANCE", "distance_walking_running", toMetres},
	{hk + "DistanceCycling", "distance_cycling", toMetres},
	{hk + "DistanceSwimming", "distance_swimming", toMetres},
	{hk + "DistanceDownhillSnowSports", "distance_downhill_snow_sports", toMetres},
	{hk + "DistanceWheelchair", "distance_other", toMetres},
	{hk + "DistanceCrossCountrySkiing", "distance_other", toMetres},
	{hk + "DistancePaddleSports", "distance_other", toMetres},
	{hk + "DistanceRowing", "distance_other", toMetres},
	{hk + "DistanceSkatingSports", "distance_other", toMetres},

	// Walking.
	{hk + "WalkingStepLength", "walking_step_length", toCentimetresFromMetres},
	{hk + "WalkingSpeed", "walking_speed", toMetresPerSecond},
	{hk + "WalkingDoubleSupportPercentage", "walking_double_support_percentage", fractionToPercent},
	{hk + "WalkingAsymmetryPercentage", "walking_asymmetry_percentage", fractionToPercent},
	{hk + "AppleWalkingSteadiness", "walking_steadiness", fractionToPercent},
	{hk + "StairDescentSpeed", "stair_descent_speed", toMetresPerSecond},
	{hk + "StairAscentSpeed", "stair_ascent_speed", toMetresPerSecond},

	// Running.
	{hk + "RunningPower", "running_power", nil},
	{hk + "RunningSpeed", "running_speed", toMetresPerSecond},
	{hk + "RunningVerticalOscillation", "running_vertical_oscillation", toCentimetres},
	{hk + "RunningGroundContactTime", "running_ground_contact_time", toMilliseconds},
	{hk + "RunningStrideLength", "running_stride_length", toCentimetresFromMetres},

	// Swimming and diving.
	{hk + "SwimmingStrokeCount", "swimming_stroke_count", nil},
	{hk + "UnderwaterDepth", "underwater_depth", toMetres},

	// Cycling and generic movement; speeds of other sports go to speed.
	{hk + "CyclingCadence", "cadence", nil},
	{"CYCLING_PEDALING_CADENCE", "cadence", nil},
	{hk + "CyclingPower", "power", nil},
	{hk + "CyclingFunctionalThresholdPower", "power", nil},
	{"POWER", "power", nil},
	{hk + "CyclingSpeed", "speed", toMetresPerSecond},
	{"SPEED", "speed", toMetresPerSecond},
	{hk + "CrossCountrySkiingSpeed", "speed", toMetresPerSecond},
	{hk + "PaddleSportsSpeed", "speed", toMetresPerSecond},
	{hk + "RowingSpeed", "speed", toMetresPerSecond},
	{hk + "WorkoutEffortScore", "workout_effort_score", nil},
	{hk + "EstimatedWorkoutEffortScore", "estimated_workout_effort_score", nil},

	// Environmental.
	{hk + "EnvironmentalAudioExposure", "environmental_audio_exposure", nil},
	{hk + "HeadphoneAudioExposure", "headphone_audio_exposure", nil},
	{hk + "EnvironmentalSoundReduction", "environmental_sound_reduction", nil},
	{hk + "TimeInDaylight", "time_in_daylight", toMinutes},
	{hk + "WaterTemperature", "water_temperature", toCelsius},
	{hk + "UVExposure", "uv_exposure", nil},
	{hk + "InhalerUsage", "inhaler_usage", nil},

	// Other.
	{hk + "ElectrodermalActivity", "electrodermal_activity", nil},
	{hk + "PushCount", "push_count", nil},
	{hk + "AtrialFibrillationBurden", "atrial_fibrillation_burden", nil},
	{hk + "InsulinDelivery", "insulin_delivery", nil},
	{hk + "NumberOfTimesFallen", "number_of_times_fallen", nil},
	{hk + "NumberOfAlcoholicBeverages", "number_of_alcoholic_beverages", nil},
	{hk + "NikeFuel", "nike_fuel", nil},
	{"HYDRATION", "hydration", toMillilitres},
	{hk + "DietaryWater", "hydration", toMillilitres},
}

// metrics is metricTable by SDK metric type, with the series types resolved
// from the catalog.
var metrics = map[string]metric{}

func init() {
	for _, row := range metricTable {
		st, ok := schemas.LookupSeriesType(row.series)
		if !ok {
			panic(fmt.Sprintf("sdk: metric %s maps to %q, which the catalog does not know", row.sdkType, row.series))
		}
		if _, dup := metrics[row.sdkType]; dup {
			panic(fmt.Sprintf("sdk: metric %s listed twice", row.sdkType))
		}
		metrics[row.sdkType] = metric{series: st, sum: st.Aggregation == schemas.AggSum, convert: row.convert}
	}
}

// seriesMetric is the metric of a catalog series type written directly
// (for workout statistics that become samples).
func seriesMetric(name string, convert conversion) metric {
	st, ok := schemas.LookupSeriesType(name)
	if !ok {
		panic(fmt.Sprintf("sdk: series type %q is not in the catalog", name))
	}
	return metric{series: st, sum: st.Aggregation == schemas.AggSum, convert: convert}
}

// value converts v into the metric's catalog unit.
func (m metric) value(v float64, unit string) float64 {
	if m.convert == nil {
		return v
	}
	return ingest.Tidy(m.convert(v, unit))
}

func unitIs(unit string, names ...string) bool {
	unit = strings.TrimSpace(unit)
	for _, n := range names {
		if strings.EqualFold(unit, n) {
			return true
		}
	}
	return false
}

// fractionToPercent turns a HealthKit 0–1 fraction into percent. Values
// above 1 are already percent.
func fractionToPercent(v float64, _ string) float64 {
	if v <= 1 {
		return v * 100
	}
	return v
}

// toMgPerDL converts blood glucose in mmol/L (any unit starting with
// "mmol") into mg/dL.
func toMgPerDL(v float64, unit string) float64 {
	if len(unit) >= 4 && strings.EqualFold(unit[:4], "mmol") {
		return v * 18.0182
	}
	return v
}

// alcoholToMgPerDL converts a blood alcohol content given as a fraction of
// volume (HealthKit's "%", 0.0008 for 0.08 %) into mg/dL (80).
func alcoholToMgPerDL(v float64, unit string) float64 {
	if unitIs(unit, "", "%") {
		return v * 100000
	}
	return v
}

// metresPer is the number of metres in one unit of length.
func metresPer(unit string) (float64, bool) {
	switch {
	case unitIs(unit, "m", "meter", "meters", "metre", "metres"):
		return 1, true
	case unitIs(unit, "cm"):
		return 0.01, true
	case unitIs(unit, "mm"):
		return 0.001, true
	case unitIs(unit, "km"):
		return 1000, true
	case unitIs(unit, "in", "inch", "inches"):
		return 0.0254, true
	case unitIs(unit, "ft", "foot", "feet"):
		return 0.3048, true
	case unitIs(unit, "yd", "yard", "yards"):
		return 0.9144, true
	case unitIs(unit, "mi", "mile", "miles"):
		return 1609.344, true
	}
	return 0, false
}

// toMetres converts a length into metres; no unit or an unknown one means
// metres.
func toMetres(v float64, unit string) float64 {
	if f, ok := metresPer(unit); ok {
		return v * f
	}
	return v
}

// toCentimetres converts a length into centimetres; no unit or an unknown
// one means centimetres.
func toCentimetres(v float64, unit string) float64 {
	if f, ok := metresPer(unit); ok {
		return v * f * 100
	}
	return v
}

// toCentimetresFromMetres converts a length into centimetres; no unit or an
// unknown one means metres, which is what the SDKs send for height and
// step and stride length.
func toCentimetresFromMetres(v float64, unit string) float64 {
	if f, ok := metresPer(unit); ok {
		return v * f * 100
	}
	return v * 100
}

// toKilograms converts a mass into kilograms.
func toKilograms(v float64, unit string) float64 {
	switch {
	case unitIs(unit, "g"):
		return v / 1000
	case unitIs(unit, "lb", "lbs", "pound", "pounds"):
		return v * 0.45359237
	case unitIs(unit, "st", "stone"):
		return v * 6.35029318
	}
	return v
}

// toKilocalories converts energy into kcal; kJ (also kJ/day) is divided by
// 4.184, everything else (kcal, Cal, kcal/day) is kcal already.
func toKilocalories(v float64, unit string) float64 {
	if len(unit) >= 2 && strings.EqualFold(unit[:2], "kj") {
		return v / 4.184
	}
	return v
}

// toCelsius converts a temperature into degrees Celsius.
func toCelsius(v float64, unit string) float64 {
	switch {
	case unitIs(unit, "degF", "°F", "F", "fahrenheit"):
		return (v - 32) * 5 / 9
	case unitIs(unit, "K", "kelvin"):
		return v - 273.15
	}
	return v
}

// toMetresPerSecond converts a speed into m/s.
func toMetresPerSecond(v float64, unit string) float64 {
	switch {
	case unitIs(unit, "km/h", "km/hr", "kph", "kmh"):
		return v / 3.6
	case unitIs(unit, "mph", "mi/h", "mi/hr"):
		return v * 0.44704
	}
	return v
}

// toMilliseconds converts a duration into milliseconds; no unit means ms.
func toMilliseconds(v float64, unit string) float64 {
	if unitIs(unit, "s", "sec", "second", "seconds") {
		return v * 1000
	}
	return v
}

// toMinutes converts a duration into minutes; no unit means minutes.
func toMinutes(v float64, unit string) float64 {
	switch {
	case unitIs(unit, "s", "sec", "second", "seconds"):
		return v / 60
	case unitIs(unit, "h", "hr", "hour", "hours"):
		return v * 60
	}
	return v
}

// toSeconds converts a duration into seconds; no unit means seconds.
func toSeconds(v float64, unit string) float64 {
	switch {
	case unitIs(unit, "ms"):
		return v / 1000
	case unitIs(unit, "min"):
		return v * 60
	case unitIs(unit, "h", "hr"):
		return v * 3600
	}
	return v
}

// toLitres converts a volume into litres; no unit means litres.
func toLitres(v float64, unit string) float64 {
	if unitIs(unit, "mL", "ml") {
		return v / 1000
	}
	return v
}

// toMillilitres converts a volume into millilitres; no unit means mL.
func toMillilitres(v float64, unit string) float64 {
	switch {
	case unitIs(unit, "L", "l", "liter", "liters", "litre", "litres"):
		return v * 1000
	case unitIs(unit, "fl_oz_us", "fl oz", "floz"):
		return v * 29.5735295625
	}
	return v
}
