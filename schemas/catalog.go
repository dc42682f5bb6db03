package schemas

// The catalog: every series type, workout type, sleep stage and event type
// wearstream knows. The API, the webhooks, ClickHouse and the docs all read
// it from here. Names, units, ids and aggregations follow Open Wearables so
// that its users can move without renaming anything; the only additions are
// wearstream's own update and delete events.

// Aggregation is how samples of a series type are rolled up per bucket
// (minute, hour, local day): the read API's resolutions use it.
type Aggregation string

// The aggregations of series types: the mean for rates and levels, the sum
// for counts and amounts, the maximum for best efforts, and the latest value
// for body measures, where the mean of two weigh-ins is a weight nobody had
// (Open Wearables averages those; the other types follow it).
const (
	AggSum  Aggregation = "sum"
	AggAvg  Aggregation = "avg"
	AggMax  Aggregation = "max"
	AggLast Aggregation = "last"
)

// SeriesType describes one kind of time series: its stable id, its name, the
// unit every value is stored in, how it is rolled up, its category (from the
// id range) and the group webhook event its samples are announced by.
type SeriesType struct {
	ID          int
	Name        string
	Unit        string
	Aggregation Aggregation
	Category    string
	GroupEvent  string // "" when the type has no webhook
}

// The categories of series types, one per id range.
const (
	CategoryHeart            = "heart"             // 1–19
	CategoryBloodRespiratory = "blood_respiratory" // 20–39
	CategoryBody             = "body"              // 40–59
	CategoryFitness          = "fitness"           // 60–79
	CategoryActivity         = "activity"          // 80–99
	CategoryDistance         = "distance"          // 100–119
	CategoryWalking          = "walking"           // 120–139
	CategoryRunning          = "running"           // 140–159
	CategorySwimming         = "swimming"          // 160–179
	CategoryGeneric          = "generic"           // 180–199
	CategoryEnvironmental    = "environmental"     // 200–219
	CategoryProvider         = "provider"          // 220–239
	CategoryOther            = "other"             // 500 and up
)

// The timeseries group events; each announces samples of several series types.
const (
	EventHeartRate            = "heart_rate.created"
	EventHeartRateVariability = "heart_rate_variability.created"
	EventRecoveryScore        = "recovery_score.created"
	EventSpO2                 = "spo2.created"
	EventBloodGlucose         = "blood_glucose.created"
	EventBloodPressure        = "blood_pressure.created"
	EventRespiratoryRate      = "respiratory_rate.created"
	EventBodyComposition      = "body_composition.created"
	EventBodyTemperature      = "body_temperature.created"
	EventStress               = "stress.created"
	EventFitnessMetrics       = "fitness_metrics.created"
	EventSteps                = "steps.created"
	EventCalories             = "calories.created"
	EventActivityTimeseries   = "activity_timeseries.created"
	EventWorkoutMetrics       = "workout_metrics.created"
	EventEnvironmental        = "environmental.created"
)

// The session and lifecycle events of Open Wearables and wearstream's own
// update and delete events.
const (
	EventConnectionCreated     = "connection.created"
	EventConnectionRevoked     = "connection.revoked"
	EventSyncStarted           = "sync.started"
	EventSyncCompleted         = "sync.completed"
	EventSyncFailed            = "sync.failed"
	EventWorkoutCreated        = "workout.created"
	EventSleepCreated          = "sleep.created"
	EventMenstrualCycleCreated = "menstrual_cycle.created"
	EventWorkoutUpdated        = "workout.updated"
	EventWorkoutDeleted        = "workout.deleted"
	EventSleepUpdated          = "sleep.updated"
	EventSleepDeleted          = "sleep.deleted"
	EventSummaryCreated        = "summary.created"
	EventSummaryUpdated        = "summary.updated"
	EventSummaryDeleted        = "summary.deleted"
	EventSeriesDeleted         = "series.deleted"
)

// seriesTable is the source of every series type, in id order.
var seriesTable = []SeriesType{
	// Heart & cardiovascular (1–19). Id 6 is unused (a dropped recovery_score).
	{1, "heart_rate", "bpm", AggAvg, CategoryHeart, EventHeartRate},
	{2, "resting_heart_rate", "bpm", AggAvg, CategoryHeart, EventHeartRate},
	{3, "heart_rate_variability_sdnn", "ms", AggAvg, CategoryHeart, EventHeartRateVariability},
	{4, "heart_rate_recovery_one_minute", "bpm", AggAvg, CategoryHeart, EventHeartRate},
	{5, "walking_heart_rate_average", "bpm", AggAvg, CategoryHeart, EventHeartRate},
	{7, "heart_rate_variability_rmssd", "ms", AggAvg, CategoryHeart, EventHeartRateVariability},

	// Blood & respiratory (20–39).
	{20, "oxygen_saturation", "percent", AggAvg, CategoryBloodRespiratory, EventSpO2},
	{21, "blood_glucose", "mg_dl", AggAvg, CategoryBloodRespiratory, EventBloodGlucose},
	{22, "blood_pressure_systolic", "mmHg", AggAvg, CategoryBloodRespiratory, EventBloodPressure},
	{23, "blood_pressure_diastolic", "mmHg", AggAvg, CategoryBloodRespiratory, EventBloodPressure},
	{24, "respiratory_rate", "brpm", AggAvg, CategoryBloodRespiratory, EventRespiratoryRate},
	{25, "sleeping_breathing_disturbances", "count", AggSum, CategoryBloodRespiratory, EventRespiratoryRate},
	{26, "blood_alcohol_content", "mg_dl", AggAvg, CategoryBloodRespiratory, EventBloodGlucose},
	{27, "peripheral_perfusion_index", "score", AggAvg, CategoryBloodRespiratory, EventSpO2},
	{28, "forced_vital_capacity", "liters", AggAvg, CategoryBloodRespiratory, EventRespiratoryRate},
	{29, "forced_expiratory_volume_1", "liters", AggAvg, CategoryBloodRespiratory, EventRespiratoryRate},
	{30, "peak_expiratory_flow_rate", "L/min", AggAvg, CategoryBloodRespiratory, EventRespiratoryRate},
	{31, "breathing_disturbance_index", "score", AggAvg, CategoryBloodRespiratory, EventRespiratoryRate},

	// Body composition (40–59). Measures take their latest value per bucket;
	// temperatures their mean.
	{40, "height", "cm", AggLast, CategoryBody, EventBodyComposition},
	{41, "weight", "kg", AggLast, CategoryBody, EventBodyComposition},
	{42, "body_fat_percentage", "percent", AggLast, CategoryBody, EventBodyComposition},
	{43, "body_mass_index", "kg_m2", AggLast, CategoryBody, EventBodyComposition},
	{44, "lean_body_mass", "kg", AggLast, CategoryBody, EventBodyComposition},
	{45, "body_temperature", "celsius", AggAvg, CategoryBody, EventBodyTemperature},
	{46, "skin_temperature", "celsius", AggAvg, CategoryBody, EventBodyTemperature},
	{47, "waist_circumference", "cm", AggLast, CategoryBody, EventBodyComposition},
	{48, "body_fat_mass", "kg", AggLast, CategoryBody, EventBodyComposition},
	{49, "skeletal_muscle_mass", "kg", AggLast, CategoryBody, EventBodyComposition},
	{50, "skin_temperature_deviation", "celsius", AggAvg, CategoryBody, EventBodyTemperature},
	{51, "skin_temperature_trend_deviation", "celsius", AggAvg, CategoryBody, EventBodyTemperature},

	// Fitness (60–79).
	{60, "vo2_max", "ml_kg_min", AggAvg, CategoryFitness, EventFitnessMetrics},
	{61, "six_minute_walk_test_distance", "meters", AggMax, CategoryFitness, EventFitnessMetrics},
	{62, "cardiovascular_age", "years", AggAvg, CategoryFitness, EventFitnessMetrics},

	// Activity, basic (80–99). Energy is active energy.
	{80, "steps", "count", AggSum, CategoryActivity, EventSteps},
	{81, "energy", "kcal", AggSum, CategoryActivity, EventCalories},
	{82, "basal_energy", "kcal", AggSum, CategoryActivity, EventCalories},
	{83, "stand_time", "minutes", AggSum, CategoryActivity, EventActivityTimeseries},
	{84, "exercise_time", "minutes", AggSum, CategoryActivity, EventActivityTimeseries},
	{85, "physical_effort", "score", AggAvg, CategoryActivity, EventActivityTimeseries},
	{86, "flights_climbed", "count", AggSum, CategoryActivity, EventActivityTimeseries},
	{87, "average_met", "met", AggAvg, CategoryActivity, EventActivityTimeseries},
	{88, "active_time", "minutes", AggSum, CategoryActivity, EventActivityTimeseries},

	// Activity, distance (100–119).
	{100, "distance_walking_running", "meters", AggSum, CategoryDistance, EventActivityTimeseries},
	{101, "distance_cycling", "meters", AggSum, CategoryDistance, EventActivityTimeseries},
	{102, "distance_swimming", "meters", AggSum, CategoryDistance, EventActivityTimeseries},
	{103, "distance_downhill_snow_sports", "meters", AggSum, CategoryDistance, EventActivityTimeseries},
	{104, "distance_other", "meters", AggSum, CategoryDistance, EventActivityTimeseries},

	// Activity, walking (120–139).
	{120, "walking_step_length", "cm", AggAvg, CategoryWalking, EventWorkoutMetrics},
	{121, "walking_speed", "m_per_s", AggAvg, CategoryWalking, EventWorkoutMetrics},
	{122, "walking_double_support_percentage", "percent", AggAvg, CategoryWalking, EventWorkoutMetrics},
	{123, "walking_asymmetry_percentage", "percent", AggAvg, CategoryWalking, EventWorkoutMetrics},
	{124, "walking_steadiness", "percent", AggAvg, CategoryWalking, EventWorkoutMetrics},
	{125, "stair_descent_speed", "m_per_s", AggAvg, CategoryWalking, EventWorkoutMetrics},
	{126, "stair_ascent_speed", "m_per_s", AggAvg, CategoryWalking, EventWorkoutMetrics},

	// Activity, running (140–159). The last two have no webhook.
	{140, "running_power", "watts", AggAvg, CategoryRunning, EventWorkoutMetrics},
	{141, "running_speed", "m_per_s", AggAvg, CategoryRunning, EventWorkoutMetrics},
	{142, "running_vertical_oscillation", "cm", AggAvg, CategoryRunning, EventWorkoutMetrics},
	{143, "running_ground_contact_time", "ms", AggAvg, CategoryRunning, EventWorkoutMetrics},
	{144, "running_stride_length", "cm", AggAvg, CategoryRunning, EventWorkoutMetrics},
	{145, "running_vertical_ratio", "percent", AggAvg, CategoryRunning, ""},
	{146, "running_stance_time_balance", "percent", AggAvg, CategoryRunning, ""},

	// Activity, swimming (160–179).
	{160, "swimming_stroke_count", "count", AggSum, CategorySwimming, EventWorkoutMetrics},
	{161, "underwater_depth", "meters", AggAvg, CategorySwimming, EventWorkoutMetrics},

	// Activity, generic (180–199).
	{180, "cadence", "rpm", AggAvg, CategoryGeneric, EventWorkoutMetrics},
	{181, "power", "watts", AggAvg, CategoryGeneric, EventWorkoutMetrics},
	{182, "speed", "m_per_s", AggAvg, CategoryGeneric, EventWorkoutMetrics},
	{183, "workout_effort_score", "score", AggAvg, CategoryGeneric, EventWorkoutMetrics},
	{184, "estimated_workout_effort_score", "score", AggAvg, CategoryGeneric, EventWorkoutMetrics},

	// Environmental (200–219). The FIT-derived 209–212 have no webhook.
	{200, "environmental_audio_exposure", "dB", AggAvg, CategoryEnvironmental, EventEnvironmental},
	{201, "headphone_audio_exposure", "dB", AggAvg, CategoryEnvironmental, EventEnvironmental},
	{202, "environmental_sound_reduction", "dB", AggAvg, CategoryEnvironmental, EventEnvironmental},
	{203, "time_in_daylight", "minutes", AggSum, CategoryEnvironmental, EventEnvironmental},
	{204, "water_temperature", "celsius", AggAvg, CategoryEnvironmental, EventEnvironmental},
	{205, "uv_exposure", "count", AggSum, CategoryEnvironmental, EventEnvironmental},
	{206, "inhaler_usage", "count", AggSum, CategoryEnvironmental, EventEnvironmental},
	{207, "weather_temperature", "celsius", AggAvg, CategoryEnvironmental, EventEnvironmental},
	{208, "weather_humidity", "percent", AggAvg, CategoryEnvironmental, EventEnvironmental},
	{209, "elevation", "meters", AggAvg, CategoryEnvironmental, ""},
	{210, "latitude", "degrees", AggAvg, CategoryEnvironmental, ""},
	{211, "longitude", "degrees", AggAvg, CategoryEnvironmental, ""},
	{212, "air_temperature", "celsius", AggAvg, CategoryEnvironmental, ""},

	// Provider-specific (220–239). 221 is kept for backwards compatibility.
	{220, "garmin_stress_level", "score", AggAvg, CategoryProvider, EventStress},
	{221, "garmin_skin_temperature", "celsius", AggAvg, CategoryProvider, EventBodyTemperature},
	{222, "garmin_fitness_age", "years", AggAvg, CategoryProvider, EventFitnessMetrics},
	{223, "garmin_body_battery", "percent", AggAvg, CategoryProvider, EventRecoveryScore},

	// Other (500 and up).
	{500, "electrodermal_activity", "count", AggAvg, CategoryOther, EventStress},
	{501, "push_count", "count", AggSum, CategoryOther, EventActivityTimeseries},
	{502, "atrial_fibrillation_burden", "count", AggSum, CategoryOther, EventHeartRate},
	{503, "insulin_delivery", "count", AggSum, CategoryOther, EventBloodGlucose},
	{504, "number_of_times_fallen", "count", AggSum, CategoryOther, EventActivityTimeseries},
	{505, "number_of_alcoholic_beverages", "count", AggSum, CategoryOther, EventActivityTimeseries},
	{506, "nike_fuel", "count", AggSum, CategoryOther, EventActivityTimeseries},
	{507, "hydration", "mL", AggAvg, CategoryOther, EventActivityTimeseries},
}

// workoutTable is every unified workout type, in Open Wearables' order.
var workoutTable = []string{
	"running", "trail_running", "treadmill", "walking", "hiking", "mountaineering",
	"cycling", "mountain_biking", "indoor_cycling", "cyclocross",
	"swimming", "pool_swimming", "open_water_swimming",
	"strength_training", "cardio_training", "fitness_equipment", "elliptical",
	"rowing_machine", "stair_climbing", "yoga", "pilates", "stretching", "meditation",
	"cross_country_skiing", "alpine_skiing", "backcountry_skiing", "downhill_skiing",
	"snowboarding", "snowshoeing", "ice_skating", "snowmobiling", "winter_sports", "snow_sports",
	"rowing", "kayaking", "canoeing", "paddling", "stand_up_paddleboarding", "surfing",
	"kitesurfing", "windsurfing", "sailing", "water_polo", "wakeboarding", "water_skiing",
	"boating", "water_sports",
	"soccer", "basketball", "football", "american_football", "baseball", "tennis",
	"badminton", "volleyball", "handball", "rugby", "hockey", "floorball", "lacrosse",
	"cricket", "squash", "table_tennis", "padel", "pickleball", "racquetball", "racket_sports",
	"boxing", "martial_arts", "wrestling", "fencing",
	"rock_climbing", "indoor_climbing", "bouldering", "trail_hiking", "orienteering",
	"archery", "fishing", "hunting", "paragliding", "parkour", "golf",
	"skating", "inline_skating", "skateboarding", "horseback_riding", "gymnastics",
	"bowling", "curling", "disc_sports", "triathlon", "multisport", "motorcycling",
	"motor_sports", "dance", "aerobics", "group_exercise", "e_biking", "virtual_activity",
	"diving", "snorkeling", "walking_fitness", "casual_walking", "transition",
	"team_sports", "para_sports", "play", "wheelchair", "recovery", "gaming", "chores",
	"lifestyle", "work", "operations", "generic", "other", "sport",
}

// paceTable is every workout type that reports a pace (Open Wearables'
// WORKOUTS_WITH_PACE, open-wearables.md §2.7).
var paceTable = []string{
	"running", "trail_running", "treadmill", "walking", "hiking", "mountaineering",
	"trail_hiking", "walking_fitness", "casual_walking", "cycling", "mountain_biking", "indoor_cycling",
	"cyclocross", "e_biking", "swimming", "pool_swimming", "open_water_swimming", "rowing", "kayaking",
	"canoeing", "paddling", "stand_up_paddleboarding", "cross_country_skiing", "backcountry_skiing",
	"skating", "inline_skating", "ice_skating", "triathlon",
}

// The sleep stages of SleepInterval.Stage.
const (
	StageInBed    = "in_bed"
	StageAwake    = "awake"
	StageSleeping = "sleeping"
	StageLight    = "light"
	StageDeep     = "deep"
	StageREM      = "rem"
	StageUnknown  = "unknown"
)

// sleepStageTable is every sleep stage, in Open Wearables' order.
var sleepStageTable = []string{StageInBed, StageAwake, StageSleeping, StageLight, StageDeep, StageREM, StageUnknown}

// EventType describes one webhook event type.
type EventType struct {
	Name        string   // <resource>.<action>, e.g. "heart_rate.created"
	Description string   // one sentence for people
	Group       string   // for a granular series event, its group event; "" otherwise
	Children    []string // for a group event, its granular series events in series id order
}

// sessionEvents are the session and lifecycle events, Open Wearables' first
// and then wearstream's own.
var sessionEvents = []EventType{
	{Name: EventConnectionCreated, Description: "A user connected a provider, or re-authorised a connection that had become inactive."},
	{Name: EventConnectionRevoked, Description: "A provider connection ended because its token could not be refreshed, the provider deregistered the user, or the user disconnected."},
	{Name: EventSyncStarted, Description: "A sync of a user's data from a provider started."},
	{Name: EventSyncCompleted, Description: "A sync of a user's data from a provider finished, with the number of items it processed."},
	{Name: EventSyncFailed, Description: "A sync of a user's data from a provider stopped with an error."},
	{Name: EventWorkoutCreated, Description: "A new workout was stored."},
	{Name: EventSleepCreated, Description: "A new sleep session was stored, or adjacent sessions were merged into one."},
	{Name: EventMenstrualCycleCreated, Description: "A new menstrual cycle record was stored."},
	{Name: EventWorkoutUpdated, Description: "A stored workout changed, for example because the provider re-scored it; it keeps its id and gets a higher version."},
	{Name: EventWorkoutDeleted, Description: "A stored workout was removed."},
	{Name: EventSleepUpdated, Description: "A stored sleep session changed, for example because the provider re-scored the night; it keeps its id and gets a higher version."},
	{Name: EventSleepDeleted, Description: "A stored sleep session was removed."},
	{Name: EventSummaryCreated, Description: "A new daily score from a provider was stored: a sleep, recovery, readiness or activity score, a strain, a body battery, a stress or resilience score."},
	{Name: EventSummaryUpdated, Description: "A stored daily score changed, for example because the provider re-scored the day; it keeps its id and gets a higher version."},
	{Name: EventSummaryDeleted, Description: "A stored daily score was removed."},
	{Name: EventUserDeleted, Description: "A user was erased: every record of theirs is being deleted; erase your copies too."},
	{Name: EventSeriesDeleted, Description: "Stored samples of one series type were removed because the provider deleted them; the data names the series type, the source and the time range."},
}

// groupEvents are the timeseries group events in Open Wearables' order, each
// with a sentence describing what it announces.
var groupEvents = []EventType{
	{Name: EventHeartRate, Description: "Heart rate samples were stored: heart rate, resting and walking average heart rate, one-minute recovery or atrial fibrillation burden."},
	{Name: EventHeartRateVariability, Description: "Heart rate variability samples (SDNN or RMSSD) were stored."},
	{Name: EventRecoveryScore, Description: "Recovery samples (Garmin body battery) were stored."},
	{Name: EventSpO2, Description: "Blood oxygen samples were stored: oxygen saturation or peripheral perfusion index."},
	{Name: EventBloodGlucose, Description: "Blood chemistry samples were stored: blood glucose, blood alcohol content or insulin delivery."},
	{Name: EventBloodPressure, Description: "Blood pressure samples (systolic or diastolic) were stored."},
	{Name: EventRespiratoryRate, Description: "Respiratory samples were stored: respiratory rate, breathing disturbances or lung function measurements."},
	{Name: EventBodyComposition, Description: "Body composition samples were stored: height, weight, body fat, body mass index, lean or muscle mass, or waist circumference."},
	{Name: EventBodyTemperature, Description: "Body or skin temperature samples, or their deviations from baseline, were stored."},
	{Name: EventStress, Description: "Stress samples were stored: Garmin stress level or electrodermal activity."},
	{Name: EventFitnessMetrics, Description: "Fitness samples were stored: VO2 max, six-minute walk distance, cardiovascular age or Garmin fitness age."},
	{Name: EventSteps, Description: "Step count samples were stored."},
	{Name: EventCalories, Description: "Energy samples (active or basal kcal) were stored."},
	{Name: EventActivityTimeseries, Description: "Activity samples were stored: stand, exercise and active time, effort, flights climbed, MET, distances, pushes, falls, drinks, Nike Fuel or hydration."},
	{Name: EventWorkoutMetrics, Description: "Movement samples were stored: cadence, power, speed, effort scores, or walking, running and swimming metrics."},
	{Name: EventEnvironmental, Description: "Environmental samples were stored: sound exposure, daylight, water or weather temperature, humidity, UV exposure or inhaler usage."},
}

// The lookup tables, built once from the tables above.
var (
	seriesByName   = map[string]SeriesType{}
	workoutSet     = map[string]bool{}
	paceSet        = map[string]bool{}
	eventTable     []EventType
	eventByName    = map[string]EventType{}
	granularByType = map[string]string{}
)

func init() {
	for _, s := range seriesTable {
		seriesByName[s.Name] = s
	}
	for _, w := range workoutTable {
		workoutSet[w] = true
	}
	for _, w := range paceTable {
		paceSet[w] = true
	}

	children := map[string][]string{}
	var granular []EventType
	for _, s := range seriesTable {
		if s.GroupEvent == "" {
			continue
		}
		name := GranularEventName(s.Name)
		granularByType[s.Name] = name
		children[s.GroupEvent] = append(children[s.GroupEvent], name)
		granular = append(granular, EventType{
			Name:        name,
			Description: "Samples of " + s.Name + " (" + s.Unit + ") were stored.",
			Group:       s.GroupEvent,
		})
	}

	eventTable = append(eventTable, sessionEvents...)
	for _, g := range groupEvents {
		g.Children = children[g.Name]
		eventTable = append(eventTable, g)
	}
	eventTable = append(eventTable, granular...)
	for _, e := range eventTable {
		eventByName[e.Name] = e
	}
}

// GranularEventName is the per-series event of a series type,
// series.<series_type>.created.
func GranularEventName(seriesType string) string {
	return "series." + seriesType + ".created"
}

// SeriesTypes returns every series type in id order; the slice is a copy.
func SeriesTypes() []SeriesType {
	return append([]SeriesType(nil), seriesTable...)
}

// LookupSeriesType returns the series type with the given name.
func LookupSeriesType(name string) (SeriesType, bool) {
	s, ok := seriesByName[name]
	return s, ok
}

// WorkoutTypes returns every unified workout type in Open Wearables' order;
// the slice is a copy.
func WorkoutTypes() []string {
	return append([]string(nil), workoutTable...)
}

// IsWorkoutType reports whether name is a unified workout type.
func IsWorkoutType(name string) bool {
	return workoutSet[name]
}

// ReportsPace reports whether a workout of the unified type workoutType
// has an average pace (Open Wearables' WORKOUTS_WITH_PACE).
func ReportsPace(workoutType string) bool {
	return paceSet[workoutType]
}

// SleepStageNames returns every sleep stage (in_bed, awake, sleeping, light,
// deep, rem, unknown); the slice is a copy. It is not called SleepStages
// because that name is the per-stage minutes record in types.go.
func SleepStageNames() []string {
	return append([]string(nil), sleepStageTable...)
}

// EventTypes returns every webhook event type: the session and lifecycle
// events (Open Wearables' eight, then wearstream's update and delete events),
// the timeseries group events, then the granular series events in series id
// order. The slice and each Children slice are copies.
func EventTypes() []EventType {
	out := make([]EventType, len(eventTable))
	for i, e := range eventTable {
		out[i] = copyEvent(e)
	}
	return out
}

// LookupEventType returns the event type with the given name.
func LookupEventType(name string) (EventType, bool) {
	e, ok := eventByName[name]
	return copyEvent(e), ok
}

// SeriesEvents returns the group and granular events that announce samples
// of a series type; ok is false for unknown types and for the types that have
// no webhook.
func SeriesEvents(seriesType string) (group, granular string, ok bool) {
	granular, ok = granularByType[seriesType]
	if !ok {
		return "", "", false
	}
	return seriesByName[seriesType].GroupEvent, granular, true
}

func copyEvent(e EventType) EventType {
	if e.Children != nil {
		e.Children = append([]string(nil), e.Children...)
	}
	return e
}
