package sdk

// Workouts. The SDK's workout type (HealthKit snake_case, Health Connect
// SCREAMING_SNAKE) is lower-cased and mapped with Open Wearables' table
// backend/app/constants/workout_types/apple_sdk.py (providers.md §11,
// "Apple HealthKit via SDK / Health Connect via SDK"); a type missing from
// the table that is itself a unified workout type is kept, anything else is
// "other".
//
// Statistics (open-wearables.md §4.3) fill the workout's fields; the ones
// Open Wearables stores as series samples become samples at the workout's
// end. Two departures: maxCadence is ignored, because a maximum written as
// a cadence sample at the same instant as meanCadence would replace it; and
// the legacy totalEnergyBurned, totalDistance and totalSteps fill the
// workout's calories, distance and steps when the current statistics are
// absent, instead of becoming sum-series samples that would count the
// workout's energy, distance and steps a second time next to the quantity
// records HealthKit writes during the workout.

import (
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// workoutTypeTable is unified workout type ← SDK workout types (lower case).
var workoutTypeTable = map[string][]string{
	"aerobics":             {"step_training", "barre"},
	"alpine_skiing":        {"downhill_skiing", "skiing"},
	"american_football":    {"american_football", "football_american"},
	"archery":              {"archery"},
	"badminton":            {"badminton"},
	"baseball":             {"baseball", "softball"},
	"basketball":           {"basketball"},
	"bowling":              {"bowling"},
	"boxing":               {"boxing", "kickboxing"},
	"cardio_training":      {"jump_rope", "cross_training", "mixed_cardio", "hiit", "mixed_metabolic_cardio_training", "boot_camp", "exercise_class"},
	"cricket":              {"cricket"},
	"cross_country_skiing": {"cross_country_skiing"},
	"curling":              {"curling"},
	"cycling":              {"cycling", "hand_cycling"},
	"dance":                {"cardio_dance", "social_dance", "dance", "dance_inspired_training", "dancing"},
	"disc_sports":          {"disc_sports", "frisbee_disc"},
	"diving":               {"underwater_diving", "scuba_diving"},
	"elliptical":           {"elliptical"},
	"fencing":              {"fencing"},
	"fishing":              {"fishing"},
	"fitness_equipment":    {"gymnastics"},
	"football":             {"australian_football", "football_australian"},
	"gaming":               {"fitness_gaming"},
	"generic":              {"other"},
	"golf":                 {"golf"},
	"handball":             {"handball"},
	"hiking":               {"hiking"},
	"hockey":               {"hockey", "ice_hockey", "roller_hockey"},
	"horseback_riding":     {"equestrian"},
	"hunting":              {"hunting"},
	"ice_skating":          {"skating", "ice_skating"},
	"indoor_cycling":       {"cycling_stationary"},
	"lacrosse":             {"lacrosse"},
	"martial_arts":         {"martial_arts", "tai_chi", "wrestling"},
	"meditation":           {"guided_breathing"},
	"open_water_swimming":  {"swimming_open_water"},
	"paddling":             {"paddle_sports", "paddling"},
	"paragliding":          {"paragliding"},
	"pickleball":           {"pickleball"},
	"pilates":              {"pilates"},
	"play":                 {"play"},
	"pool_swimming":        {"swimming_pool"},
	"racquetball":          {"racquetball"},
	"rock_climbing":        {"climbing", "rock_climbing"},
	"rowing":               {"rowing"},
	"rowing_machine":       {"rowing_machine"},
	"rugby":                {"rugby"},
	"running":              {"running", "wheelchair_run", "track_and_field"},
	"sailing":              {"sailing"},
	"snow_sports":          {"snow_sports"},
	"snowboarding":         {"snowboarding"},
	"snowshoeing":          {"snowshoeing"},
	"soccer":               {"soccer"},
	"squash":               {"squash"},
	"stair_climbing":       {"stair_climbing", "stairs", "stair_climbing_machine"},
	"strength_training":    {"core_training", "functional_strength_training", "strength_training", "calisthenics", "weightlifting"},
	"stretching":           {"preparation_and_recovery", "flexibility", "cooldown", "mind_and_body", "stretching"},
	"surfing":              {"surfing"},
	"swimming":             {"swimming", "water_fitness"},
	"table_tennis":         {"table_tennis"},
	"tennis":               {"tennis"},
	"transition":           {"transition"},
	"treadmill":            {"running_treadmill"},
	"triathlon":            {"swim_bike_run"},
	"volleyball":           {"volleyball"},
	"walking":              {"walking", "wheelchair_walk"},
	"water_polo":           {"water_polo"},
	"water_sports":         {"water_sports"},
	"wheelchair":           {"wheelchair"},
	"yoga":                 {"yoga"},
}

// workoutTypes is workoutTypeTable inverted: SDK type → unified type.
var workoutTypes = map[string]string{}

func init() {
	for unified, sdkTypes := range workoutTypeTable {
		for _, t := range sdkTypes {
			workoutTypes[t] = unified
		}
	}
}

// WorkoutType maps an SDK workout type to a unified workout type.
func WorkoutType(sdkType string) string {
	t := strings.ToLower(strings.TrimSpace(sdkType))
	if u, ok := workoutTypes[t]; ok {
		return u
	}
	if schemas.IsWorkoutType(t) {
		return t
	}
	return "other"
}

// statistic is how one workout statistic is read: its conversion into the
// unit of the workout field or series it feeds, and the series type when it
// also becomes a sample at the workout's end.
type statistic struct {
	convert conversion
	series  string
}

// statistics are the workout statistics the SDKs send; those with neither
// a field below nor a series are known and deliberately ignored.
var statistics = map[string]statistic{
	"duration":            {convert: toSeconds},
	"totalDuration":       {convert: toSeconds},
	"activeEnergyBurned":  {convert: toKilocalories},
	"basalEnergyBurned":   {convert: toKilocalories},
	"calories":            {convert: toKilocalories},
	"totalCalories":       {convert: toKilocalories},
	"totalEnergyBurned":   {convert: toKilocalories},
	"distance":            {convert: toMetres},
	"totalDistance":       {convert: toMetres},
	"stepCount":           {},
	"totalSteps":          {},
	"minHeartRate":        {},
	"averageHeartRate":    {},
	"meanHeartRate":       {},
	"maxHeartRate":        {},
	"averageSpeed":        {convert: toMetresPerSecond},
	"meanSpeed":           {convert: toMetresPerSecond},
	"averageRunningSpeed": {convert: toMetresPerSecond},
	"maxSpeed":            {convert: toMetresPerSecond},
	"averageRunningPower": {},
	"elevationAscended":   {convert: toMetres},
	"altitudeGain":        {convert: toMetres},

	"averageRunningStrideLength": {convert: toCentimetresFromMetres, series: "running_stride_length"},
	"averageVerticalOscillation": {convert: toCentimetres, series: "running_vertical_oscillation"},
	"averageGroundContactTime":   {convert: toMilliseconds, series: "running_ground_contact_time"},
	"averageMETs":                {series: "average_met"},
	"weatherTemperature":         {convert: toCelsius, series: "weather_temperature"},
	"weatherHumidity":            {series: "weather_humidity"},
	"swimmingStrokeCount":        {series: "swimming_stroke_count"},
	"meanCadence":                {series: "cadence"},
	"vo2Max":                     {series: "vo2_max"},

	"maxCadence":           {},
	"elevationDescended":   {},
	"altitudeLoss":         {},
	"maxAltitude":          {},
	"minAltitude":          {},
	"lapLength":            {},
	"swimmingLocationType": {},
	"indoorWorkout":        {},
}

// statisticMetrics are the metrics of the statistics that become samples.
var statisticMetrics = map[string]metric{}

func init() {
	for name, s := range statistics {
		if s.series != "" {
			statisticMetrics[name] = seriesMetric(s.series, nil)
		}
	}
}

func (n *normalizer) workouts(ws []Workout) {
	for i := range ws {
		if w, ok := n.workout(&ws[i]); ok {
			n.out.Workouts = append(n.out.Workouts, w)
		}
	}
}

func (n *normalizer) workout(w *Workout) (schemas.Workout, bool) {
	start, startZone, ok1 := parseTime(w.StartDate)
	end, _, ok2 := parseTime(w.EndDate)
	if !ok1 || !ok2 || end.Before(start) {
		n.out.Skip(reasonInvalidWorkout)
		return schemas.Workout{}, false
	}
	zone := zoneOffset(w.ZoneOffset, startZone)
	src := n.source(&w.Source)
	unified := WorkoutType(w.Type)

	// The first value of each statistic wins; statistics that are series
	// become samples at the workout's end.
	vals := make(map[string]float64, len(w.Values))
	for _, v := range w.Values {
		st, known := statistics[v.Type]
		if !known {
			n.out.Skip("unknown workout statistic " + ingest.Truncate(v.Type, 120))
			continue
		}
		if !v.Value.Valid {
			continue
		}
		if _, seen := vals[v.Type]; seen {
			continue
		}
		x := v.Value.Float
		if st.convert != nil {
			x = ingest.Tidy(st.convert(x, v.Unit))
		}
		vals[v.Type] = x
		if m, ok := statisticMetrics[v.Type]; ok {
			n.addSample(src, m, end, x, zone)
		}
	}
	get := func(names ...string) *float64 {
		for _, name := range names {
			if x, ok := vals[name]; ok {
				return &x
			}
		}
		return nil
	}

	key := strings.TrimSpace(w.ID)
	if key == "" {
		key = start.Format(time.RFC3339Nano) + "|" + end.Format(time.RFC3339Nano) + "|" + strings.ToLower(strings.TrimSpace(w.Type))
	}
	out := schemas.Workout{
		ID:                  schemas.RecordID(n.ctx.Tenant, n.ctx.UserID, n.provider, "workout", key),
		Tenant:              n.ctx.Tenant,
		UserID:              n.ctx.UserID,
		Source:              src,
		ProviderRecordID:    strings.TrimSpace(w.ID),
		Type:                unified,
		Name:                strings.TrimSpace(w.Title),
		StartTime:           start,
		EndTime:             end,
		ZoneOffset:          zone,
		DurationSeconds:     end.Sub(start).Seconds(),
		CaloriesKcal:        sumOf(vals, "activeEnergyBurned", "basalEnergyBurned", "calories", "totalCalories"),
		DistanceMeters:      get("distance", "totalDistance"),
		Steps:               get("stepCount", "totalSteps"),
		MinHeartRateBPM:     get("minHeartRate"),
		AvgHeartRateBPM:     get("averageHeartRate", "meanHeartRate"),
		MaxHeartRateBPM:     get("maxHeartRate"),
		AvgSpeedMPS:         get("averageSpeed", "meanSpeed", "averageRunningSpeed"),
		MaxSpeedMPS:         get("maxSpeed"),
		AvgPowerWatts:       get("averageRunningPower"),
		ElevationGainMeters: get("elevationAscended", "altitudeGain"),
		Version:             n.version,
		RawEventID:          n.ctx.RawEventID,
		IngestedAt:          n.ingested,
	}
	if d := get("duration", "totalDuration"); d != nil && *d >= 0 {
		out.DurationSeconds = *d
	}
	if out.CaloriesKcal == nil {
		out.CaloriesKcal = get("totalEnergyBurned")
	}
	if schemas.ReportsPace(unified) {
		out.AvgPaceSecPerKm = pace(out)
	}
	out.Laps = n.workoutDetail(w, src, start, end, zone)
	return out, true
}

// sumOf adds the statistics present among names; nil when none is.
func sumOf(vals map[string]float64, names ...string) *float64 {
	var sum float64
	found := false
	for _, name := range names {
		if x, ok := vals[name]; ok {
			sum += x
			found = true
		}
	}
	if !found {
		return nil
	}
	sum = ingest.Tidy(sum)
	return &sum
}

// pace is the average pace in seconds per km, from the average speed or
// else from duration and distance.
func pace(w schemas.Workout) *float64 {
	var p float64
	switch {
	case w.AvgSpeedMPS != nil && *w.AvgSpeedMPS > 0:
		p = 1000 / *w.AvgSpeedMPS
	case w.DistanceMeters != nil && *w.DistanceMeters > 0 && w.DurationSeconds > 0:
		p = w.DurationSeconds / (*w.DistanceMeters / 1000)
	default:
		return nil
	}
	p = ingest.Tidy(p)
	return &p
}
