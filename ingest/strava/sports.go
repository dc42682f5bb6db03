package strava

// Workout types. Strava names an activity's sport by sport_type (the legacy
// type is coarser); the table is Open Wearables' mapping (providers.md §11,
// "Strava"). A sport_type missing from the table falls back to type, then
// to "other".

// sportTable is unified workout type ← Strava sport types.
var sportTable = map[string][]string{
	"alpine_skiing":           {"AlpineSki"},
	"backcountry_skiing":      {"BackcountrySki"},
	"badminton":               {"Badminton"},
	"canoeing":                {"Canoeing"},
	"cardio_training":         {"Crossfit", "HighIntensityIntervalTraining"},
	"cross_country_skiing":    {"NordicSki", "RollerSki"},
	"cycling":                 {"Ride", "GravelRide", "Velomobile", "Handcycle"},
	"e_biking":                {"EBikeRide", "EMountainBikeRide"},
	"elliptical":              {"Elliptical"},
	"generic":                 {"Workout"},
	"golf":                    {"Golf"},
	"hiking":                  {"Hike"},
	"ice_skating":             {"IceSkate"},
	"indoor_cycling":          {"VirtualRide"},
	"inline_skating":          {"InlineSkate"},
	"kayaking":                {"Kayaking"},
	"kitesurfing":             {"Kitesurf"},
	"mountain_biking":         {"MountainBikeRide"},
	"pickleball":              {"Pickleball"},
	"pilates":                 {"Pilates"},
	"racquetball":             {"Racquetball"},
	"rock_climbing":           {"RockClimbing"},
	"rowing":                  {"Rowing"},
	"rowing_machine":          {"VirtualRow"},
	"running":                 {"Run", "VirtualRun"},
	"sailing":                 {"Sail"},
	"skateboarding":           {"Skateboard"},
	"snowboarding":            {"Snowboard"},
	"snowshoeing":             {"Snowshoe"},
	"soccer":                  {"Soccer"},
	"squash":                  {"Squash"},
	"stair_climbing":          {"StairStepper"},
	"stand_up_paddleboarding": {"StandUpPaddling"},
	"strength_training":       {"WeightTraining"},
	"surfing":                 {"Surfing"},
	"swimming":                {"Swim"},
	"table_tennis":            {"TableTennis"},
	"tennis":                  {"Tennis"},
	"trail_running":           {"TrailRun"},
	"walking":                 {"Walk"},
	"wheelchair":              {"Wheelchair"},
	"windsurfing":             {"Windsurf"},
	"yoga":                    {"Yoga"},
}

// sports is sportTable inverted: Strava sport type → unified type.
var sports = map[string]string{}

func init() {
	for unified, names := range sportTable {
		for _, name := range names {
			sports[name] = unified
		}
	}
}

// WorkoutType maps a Strava sport_type, else its legacy type, to a unified
// workout type.
func WorkoutType(sportType, legacyType string) string {
	if u, ok := sports[sportType]; ok {
		return u
	}
	if u, ok := sports[legacyType]; ok {
		return u
	}
	return "other"
}
