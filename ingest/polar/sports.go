package polar

// Workout types. Polar names a sport and, optionally, a detailed sport;
// the table is Open Wearables' backend/app/constants/workout_types/polar.py
// (providers.md §11, "Polar"): the pair (sport, detailed_sport_info) is
// looked up first, then the sport alone; anything else is "other". Both
// are compared in upper case.

import (
	"strings"
)

// sportTable is unified workout type ← "SPORT" or "SPORT/DETAILED_SPORT_INFO".
var sportTable = map[string][]string{
	"alpine_skiing":           {"OTHER/WINTERSPORTS_ALPINE_SKIING", "OTHER/WINTERSPORTS_DOWNHILL_SKIING"},
	"american_football":       {"OTHER/TEAMSPORTS_AMERICAN_FOOTBALL"},
	"backcountry_skiing":      {"OTHER/WINTERSPORTS_BACKCOUNTRY_SKIING"},
	"badminton":               {"OTHER/RACKET_SPORTS_BADMINTON"},
	"baseball":                {"OTHER/TEAMSPORTS_BASEBALL"},
	"basketball":              {"BASKETBALL", "OTHER/TEAMSPORTS_BASKETBALL"},
	"boxing":                  {"OTHER/COMBAT_SPORTS_BOXING", "OTHER/KICKBOXING_MARTIAL_ARTS"},
	"canoeing":                {"OTHER/WATERSPORTS_CANOEING"},
	"cardio_training":         {"OTHER/FITNESS_CARDIO", "OTHER/JUMP_ROPE"},
	"cross_country_skiing":    {"OTHER/WINTERSPORTS_CROSS_COUNTRY_SKIING"},
	"cycling":                 {"CYCLING", "CYCLING/CYCLING_ROAD"},
	"cyclocross":              {"OTHER/CYCLING_CYCLOCROSS"},
	"dance":                   {"OTHER/DANCE"},
	"elliptical":              {"OTHER/FITNESS_ELLIPTICAL"},
	"floorball":               {"OTHER/TEAMSPORTS_FLOORBALL"},
	"football":                {"OTHER/TEAMSPORTS_FOOTBALL"},
	"generic":                 {"OTHER"},
	"golf":                    {"OTHER/GOLF"},
	"handball":                {"OTHER/TEAMSPORTS_HANDBALL"},
	"hiking":                  {"OTHER/HIKING"},
	"hockey":                  {"OTHER/TEAMSPORTS_HOCKEY"},
	"horseback_riding":        {"OTHER/HORSEBACK_RIDING"},
	"ice_skating":             {"OTHER/WINTERSPORTS_ICE_SKATING"},
	"indoor_climbing":         {"OTHER/INDOOR_CLIMBING"},
	"indoor_cycling":          {"CYCLING/CYCLING_INDOOR", "CYCLING/INDOOR_CYCLING"},
	"inline_skating":          {"OTHER/INLINE_SKATING"},
	"kayaking":                {"OTHER/WATERSPORTS_KAYAKING"},
	"kitesurfing":             {"OTHER/WATERSPORTS_KITESURFING"},
	"martial_arts":            {"OTHER/COMBAT_SPORTS_MARTIAL_ARTS"},
	"motorcycling":            {"OTHER/MOTORSPORTS"},
	"mountain_biking":         {"CYCLING/CYCLING_MOUNTAIN", "OTHER/CYCLING_MOUNTAIN_BIKE"},
	"mountaineering":          {"OTHER/MOUNTAINEERING"},
	"multisport":              {"MULTISPORT"},
	"open_water_swimming":     {"SWIMMING/SWIMMING_OPEN_WATER"},
	"orienteering":            {"OTHER/ORIENTEERING"},
	"padel":                   {"OTHER/RACKET_SPORTS_PADEL"},
	"pilates":                 {"OTHER/FITNESS_PILATES"},
	"pool_swimming":           {"SWIMMING/SWIMMING_POOL"},
	"rock_climbing":           {"OTHER/OUTDOOR_CLIMBING"},
	"rowing":                  {"OTHER/WATERSPORTS_ROWING"},
	"rowing_machine":          {"OTHER/FITNESS_INDOOR_ROWING"},
	"rugby":                   {"OTHER/TEAMSPORTS_RUGBY"},
	"running":                 {"RUNNING", "RUNNING/RUNNING_ROAD"},
	"sailing":                 {"OTHER/WATERSPORTS_SAILING"},
	"skateboarding":           {"OTHER/SKATEBOARDING"},
	"snowboarding":            {"OTHER/WINTERSPORTS_SNOWBOARDING"},
	"snowshoeing":             {"OTHER/WINTERSPORTS_SNOWSHOEING"},
	"soccer":                  {"SOCCER", "OTHER/TEAMSPORTS_SOCCER"},
	"squash":                  {"OTHER/RACKET_SPORTS_SQUASH"},
	"stair_climbing":          {"OTHER/FITNESS_STAIR_CLIMBING"},
	"stand_up_paddleboarding": {"OTHER/WATERSPORTS_STAND_UP_PADDLING"},
	"strength_training":       {"STRENGTH_TRAINING"},
	"stretching":              {"OTHER/FITNESS_STRETCHING"},
	"surfing":                 {"OTHER/WATERSPORTS_SURFING"},
	"swimming":                {"SWIMMING", "OTHER/AQUATICS_SWIMMING"},
	"table_tennis":            {"OTHER/RACKET_SPORTS_TABLE_TENNIS"},
	"tennis":                  {"TENNIS", "OTHER/RACKET_SPORTS_TENNIS"},
	"trail_running":           {"RUNNING/RUNNING_TRAIL"},
	"treadmill":               {"RUNNING/RUNNING_TREADMILL"},
	"triathlon":               {"OTHER/TRIATHLON"},
	"volleyball":              {"OTHER/TEAMSPORTS_VOLLEYBALL"},
	"walking":                 {"WALKING", "OTHER/WALKING", "OTHER/WALKING_NORDIC"},
	"water_skiing":            {"OTHER/WATERSPORTS_WATERSKI"},
	"windsurfing":             {"OTHER/WATERSPORTS_WINDSURFING"},
	"yoga":                    {"OTHER/FITNESS_YOGA"},
}

// sports is sportTable inverted: "SPORT" or "SPORT/DETAIL" → unified type.
var sports = map[string]string{}

func init() {
	for unified, keys := range sportTable {
		for _, k := range keys {
			sports[k] = unified
		}
	}
}

// WorkoutType maps Polar's sport and detailed sport to a unified workout
// type.
func WorkoutType(sport, detailedSport string) string {
	sport = strings.ToUpper(strings.TrimSpace(sport))
	detailedSport = strings.ToUpper(strings.TrimSpace(detailedSport))
	if detailedSport != "" {
		if u, ok := sports[sport+"/"+detailedSport]; ok {
			return u
		}
	}
	if u, ok := sports[sport]; ok {
		return u
	}
	return "other"
}
