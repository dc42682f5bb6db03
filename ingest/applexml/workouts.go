package applexml

// Workouts. The export's workoutActivityType (HKWorkoutActivityType…) maps
// to a unified workout type with Open Wearables' apple_xml.py table
// (providers.md §11, "Apple export.xml"); unlisted types are "other". The
// statistics become the SDK's workout statistics, which the SDK normaliser
// converts by unit and folds into the workout's fields.

import (
	"strings"

	"github.com/wearstream/wearstream/schemas"
)

const hkWorkout = "HKWorkoutActivityType"

// workoutTypeTable is unified workout type ← export activity types, without
// the HKWorkoutActivityType prefix.
var workoutTypeTable = map[string][]string{
	"aerobics":             {"StepTraining", "Barre"},
	"alpine_skiing":        {"DownhillSkiing"},
	"american_football":    {"AmericanFootball"},
	"archery":              {"Archery"},
	"badminton":            {"Badminton"},
	"baseball":             {"Baseball", "Softball"},
	"basketball":           {"Basketball"},
	"bowling":              {"Bowling"},
	"boxing":               {"Boxing", "Kickboxing"},
	"cardio_training":      {"JumpRope", "CrossTraining", "MixedCardio", "HighIntensityIntervalTraining", "MixedMetabolicCardioTraining"},
	"cricket":              {"Cricket"},
	"cross_country_skiing": {"CrossCountrySkiing"},
	"curling":              {"Curling"},
	"cycling":              {"Cycling", "HandCycling"},
	"dance":                {"CardioDance", "SocialDance", "Dance", "DanceInspiredTraining"},
	"disc_sports":          {"DiscSports"},
	"diving":               {"UnderwaterDiving"},
	"elliptical":           {"Elliptical"},
	"fencing":              {"Fencing"},
	"fishing":              {"Fishing"},
	"fitness_equipment":    {"Gymnastics"},
	"football":             {"AustralianFootball"},
	"gaming":               {"FitnessGaming"},
	"generic":              {"Other"},
	"golf":                 {"Golf"},
	"handball":             {"Handball"},
	"hiking":               {"Hiking"},
	"hockey":               {"Hockey"},
	"horseback_riding":     {"EquestrianSports"},
	"hunting":              {"Hunting"},
	"ice_skating":          {"SkatingSports"},
	"lacrosse":             {"Lacrosse"},
	"martial_arts":         {"MartialArts", "TaiChi", "Wrestling"},
	"paddling":             {"PaddleSports"},
	"pickleball":           {"Pickleball"},
	"pilates":              {"Pilates"},
	"play":                 {"Play"},
	"racquetball":          {"Racquetball"},
	"rock_climbing":        {"Climbing"},
	"rowing":               {"Rowing"},
	"rugby":                {"Rugby"},
	"running":              {"Running", "WheelchairRunPace", "TrackAndField"},
	"sailing":              {"Sailing"},
	"snow_sports":          {"SnowSports"},
	"snowboarding":         {"Snowboarding"},
	"soccer":               {"Soccer"},
	"squash":               {"Squash"},
	"stair_climbing":       {"StairClimbing", "Stairs"},
	"strength_training":    {"CoreTraining", "FunctionalStrengthTraining", "TraditionalStrengthTraining"},
	"stretching":           {"PreparationAndRecovery", "Flexibility", "Cooldown", "MindAndBody"},
	"surfing":              {"SurfingSports"},
	"swimming":             {"Swimming", "WaterFitness"},
	"table_tennis":         {"TableTennis"},
	"tennis":               {"Tennis"},
	"transition":           {"Transition"},
	"triathlon":            {"SwimBikeRun"},
	"volleyball":           {"Volleyball"},
	"walking":              {"Walking", "WheelchairWalkPace"},
	"water_polo":           {"WaterPolo"},
	"water_sports":         {"WaterSports"},
	"yoga":                 {"Yoga"},
}

// workoutTypes is workoutTypeTable inverted.
var workoutTypes = map[string]string{}

func init() {
	for unified, types := range workoutTypeTable {
		for _, t := range types {
			workoutTypes[t] = unified
		}
	}
}

// WorkoutType maps an export's workoutActivityType to a unified workout type.
func WorkoutType(activityType string) string {
	if u, ok := workoutTypes[strings.TrimPrefix(strings.TrimSpace(activityType), hkWorkout)]; ok {
		return u
	}
	return "other"
}

// sdkWorkoutType is the workout type to give the SDK normaliser: the
// unified type, which it keeps, or for an unlisted type the export's own
// name, which it does not know and so makes "other" (the SDK's own "other"
// would become "generic").
func sdkWorkoutType(activityType string) string {
	if u := WorkoutType(activityType); u != "other" {
		return u
	}
	return hkWorkout + strings.TrimPrefix(strings.TrimSpace(activityType), hkWorkout)
}

// Aggregations of a WorkoutStatistics element.
const (
	aggSum = iota
	aggAverage
	aggMinimum
	aggMaximum
)

// statisticName is which SDK workout statistic one aggregation of an
// export statistic becomes.
type statisticName struct {
	agg  int
	name string
}

const hk = "HKQuantityTypeIdentifier"

// workoutStatistics maps the export's WorkoutStatistics types to the SDK's
// workout statistics (ingest/sdk/workouts.go). Types listed with no names
// are known and deliberately not imported.
var workoutStatistics = map[string][]statisticName{
	hk + "ActiveEnergyBurned":         {{aggSum, "activeEnergyBurned"}},
	hk + "BasalEnergyBurned":          {{aggSum, "basalEnergyBurned"}},
	hk + "DistanceWalkingRunning":     {{aggSum, "distance"}},
	hk + "DistanceCycling":            {{aggSum, "distance"}},
	hk + "DistanceSwimming":           {{aggSum, "distance"}},
	hk + "DistanceWheelchair":         {{aggSum, "distance"}},
	hk + "DistanceDownhillSnowSports": {{aggSum, "distance"}},
	hk + "DistanceCrossCountrySkiing": {{aggSum, "distance"}},
	hk + "DistancePaddleSports":       {{aggSum, "distance"}},
	hk + "DistanceRowing":             {{aggSum, "distance"}},
	hk + "DistanceSkatingSports":      {{aggSum, "distance"}},
	hk + "StepCount":                  {{aggSum, "stepCount"}},
	hk + "HeartRate":                  {{aggAverage, "averageHeartRate"}, {aggMinimum, "minHeartRate"}, {aggMaximum, "maxHeartRate"}},
	hk + "RunningPower":               {{aggAverage, "averageRunningPower"}},
	hk + "CyclingPower":               {{aggAverage, "averageRunningPower"}},
	hk + "RunningSpeed":               {{aggAverage, "averageRunningSpeed"}, {aggMaximum, "maxSpeed"}},
	hk + "CyclingSpeed":               {{aggAverage, "averageSpeed"}, {aggMaximum, "maxSpeed"}},
	hk + "RunningStrideLength":        {{aggAverage, "averageRunningStrideLength"}},
	hk + "RunningVerticalOscillation": {{aggAverage, "averageVerticalOscillation"}},
	hk + "RunningGroundContactTime":   {{aggAverage, "averageGroundContactTime"}},
	hk + "SwimmingStrokeCount":        {{aggSum, "swimmingStrokeCount"}},
	hk + "CyclingCadence":             {{aggAverage, "meanCadence"}},
	hk + "FlightsClimbed":             nil,
	hk + "PhysicalEffort":             nil,
	hk + "OxygenSaturation":           nil,
	hk + "RespiratoryRate":            nil,
	hk + "WalkingSpeed":               nil,
	hk + "WalkingStepLength":          nil,
}

// workoutMetadataStatistics are the workout metadata entries read as
// statistics; their values carry a unit ("3820 cm", "35.6 degF").
var workoutMetadataStatistics = []struct{ key, name string }{
	{"HKElevationAscended", "elevationAscended"},
	{"HKWeatherTemperature", "weatherTemperature"},
	{"HKWeatherHumidity", "weatherHumidity"},
	{"HKAverageMETs", "averageMETs"},
}

// sdkWorkout converts one export workout; the second result lists the
// reasons of statistics that were not understood.
func sdkWorkout(w *Workout, sourceName string) (syncWorkout, []string) {
	out := syncWorkout{
		ID:        schemas.NameID("apple_health_xml", "workout", w.Type, w.Start, w.End, sourceName),
		Type:      sdkWorkoutType(w.Type),
		StartDate: w.Start,
		EndDate:   w.End,
	}
	add := func(name, value, unit string) {
		if f, ok := parseFloat(value); ok {
			out.Values = append(out.Values, syncStatistic{Type: name, Unit: unit, Value: f})
		}
	}
	var unknown []string
	for _, st := range w.Statistics {
		names, known := workoutStatistics[st.Type]
		if !known {
			unknown = append(unknown, "unknown workout statistic "+truncate(st.Type, 120))
			continue
		}
		for _, n := range names {
			add(n.name, [...]string{st.Sum, st.Average, st.Minimum, st.Maximum}[n.agg], st.Unit)
		}
	}
	// The legacy attributes come after the statistics: the first value of
	// a statistic wins, and the SDK prefers the current statistics anyway.
	add("duration", w.Duration, w.DurationUnit)
	add("totalDistance", w.TotalDistance, w.TotalDistanceUnit)
	add("totalEnergyBurned", w.TotalEnergy, w.TotalEnergyUnit)
	for _, m := range workoutMetadataStatistics {
		name := m.name
		v, ok := w.Metadata[m.key]
		if !ok {
			continue
		}
		value, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
		f, ok := parseFloat(value)
		if !ok {
			continue
		}
		if name == "weatherHumidity" && f > 100 {
			// HealthKit writes humidity in hundredths of a percent ("8200 %").
			f /= 100
		}
		out.Values = append(out.Values, syncStatistic{Type: name, Unit: strings.TrimSpace(unit), Value: f})
	}
	return out, unknown
}
