package garmin

// Workout types. Garmin's activityType is mapped with Open Wearables' table
// backend/app/constants/workout_types/garmin.py (providers.md §11, "Garmin");
// the lookup is case-insensitive and anything not in the table is "other".

import "strings"

// workoutTypeTable is unified workout type ← Garmin activity types.
var workoutTypeTable = map[string][]string{
	"alpine_skiing":           {"RESORT_SKIING", "RESORT_SKIING_SNOWBOARDING_WS"},
	"american_football":       {"AMERICAN_FOOTBALL"},
	"backcountry_skiing":      {"BACKCOUNTRY_SKIING"},
	"badminton":               {"BADMINTON"},
	"baseball":                {"BASEBALL", "SOFTBALL"},
	"basketball":              {"BASKETBALL"},
	"boating":                 {"BOATING_V2", "BOATING"},
	"boxing":                  {"BOXING"},
	"cardio_training":         {"INDOOR_CARDIO", "HIIT", "JUMP_ROPE"},
	"cricket":                 {"CRICKET"},
	"cross_country_skiing":    {"CROSS_COUNTRY_SKIING_WS", "SKATE_SKIING_WS"},
	"cycling":                 {"CYCLING", "BMX", "GRAVEL_CYCLING", "RECUMBENT_CYCLING", "ROAD_BIKING", "TRACK_CYCLING", "HANDCYCLING"},
	"cyclocross":              {"CYCLOCROSS"},
	"dance":                   {"DANCE"},
	"disc_sports":             {"ULTIMATE_DISC", "DISC_GOLF"},
	"diving":                  {"SNORKELING"},
	"e_biking":                {"E_BIKE_FITNESS", "E_BIKE_MOUNTAIN", "E_ENDURO_MTB"},
	"elliptical":              {"ELLIPTICAL"},
	"fishing":                 {"FISHING_V2", "FISHING"},
	"fitness_equipment":       {"FITNESS_EQUIPMENT"},
	"generic":                 {"OTHER", "STOP_WATCH"},
	"golf":                    {"GOLF"},
	"hiking":                  {"HIKING", "RUCKING"},
	"hockey":                  {"FIELD_HOCKEY", "ICE_HOCKEY"},
	"ice_skating":             {"SKATING_WS"},
	"indoor_climbing":         {"BOULDERING", "INDOOR_CLIMBING"},
	"indoor_cycling":          {"INDOOR_CYCLING", "VIRTUAL_RIDE", "INDOOR_HANDCYCLING"},
	"inline_skating":          {"INLINE_SKATING"},
	"kayaking":                {"KAYAKING_V2", "KAYAKING", "WHITEWATER_RAFTING_V2", "WHITEWATER_RAFTING"},
	"kitesurfing":             {"KITEBOARDING_V2", "KITEBOARDING"},
	"lacrosse":                {"LACROSSE"},
	"martial_arts":            {"MIXED_MARTIAL_ARTS"},
	"mountain_biking":         {"DOWNHILL_BIKING", "ENDURO_MTB", "MOUNTAIN_BIKING"},
	"mountaineering":          {"MOUNTAINEERING"},
	"open_water_swimming":     {"OPEN_WATER_SWIMMING"},
	"paddling":                {"PADDLING_V2", "PADDLING"},
	"padel":                   {"PADDELBALL"},
	"para_sports":             {"PARA_SPORTS"},
	"pickleball":              {"PICKLEBALL"},
	"pilates":                 {"PILATES"},
	"pool_swimming":           {"LAP_SWIMMING"},
	"racket_sports":           {"RACKET_SPORTS"},
	"racquetball":             {"RACQUETBALL"},
	"rock_climbing":           {"ROCK_CLIMBING"},
	"rowing":                  {"ROWING_V2", "ROWING"},
	"rowing_machine":          {"INDOOR_ROWING"},
	"rugby":                   {"RUGBY"},
	"running":                 {"RUNNING", "OBSTACLE_RUN", "STREET_RUNNING", "TRACK_RUNNING", "ULTRA_RUN", "VIRTUAL_RUN", "WHEELCHAIR_PUSH_RUN"},
	"sailing":                 {"OFFSHORE_GRINDING_V2", "OFFSHORE_GRINDING", "ONSHORE_GRINDING_V2", "ONSHORE_GRINDING", "SAILING_V2", "SAILING"},
	"snowboarding":            {"BACKCOUNTRY_SNOWBOARDING", "SNOWBOARDING_WS"},
	"snowmobiling":            {"SNOWMOBILING_WS"},
	"snowshoeing":             {"SNOW_SHOE_WS"},
	"soccer":                  {"SOCCER"},
	"squash":                  {"SQUASH"},
	"stair_climbing":          {"STAIR_CLIMBING", "FLOOR_CLIMBING"},
	"stand_up_paddleboarding": {"STAND_UP_PADDLEBOARDING_V2", "STAND_UP_PADDLEBOARDING"},
	"strength_training":       {"STRENGTH_TRAINING"},
	"stretching":              {"MOBILITY", "MEDITATION", "BREATHWORK"},
	"surfing":                 {"SURFING_V2", "SURFING"},
	"swimming":                {"SWIMMING"},
	"table_tennis":            {"TABLE_TENNIS"},
	"team_sports":             {"TEAM_SPORTS"},
	"tennis":                  {"PLATFORM_TENNIS", "TENNIS_V2", "TENNIS"},
	"trail_running":           {"TRAIL_RUNNING"},
	"transition":              {"TRANSITION_V2", "BIKE_TO_RUN_TRANSITION_V2", "BIKE_TO_RUN_TRANSITION", "RUN_TO_BIKE_TRANSITION_V2", "RUN_TO_BIKE_TRANSITION", "SWIM_TO_BIKE_TRANSITION_V2", "SWIM_TO_BIKE_TRANSITION"},
	"treadmill":               {"INDOOR_RUNNING", "TREADMILL_RUNNING"},
	"volleyball":              {"VOLLEYBALL"},
	"wakeboarding":            {"WAKEBOARDING_V2", "WAKEBOARDING"},
	"walking":                 {"WALKING", "CASUAL_WALKING", "SPEED_WALKING", "WHEELCHAIR_PUSH_WALK"},
	"water_skiing":            {"WATERSKIING"},
	"water_sports":            {"WATER_SPORTS"},
	"windsurfing":             {"WINDSURFING_V2", "WINDSURFING"},
	"winter_sports":           {"WINTER_SPORTS"},
	"yoga":                    {"YOGA"},
}

// workoutTypes is Garmin activity type (upper case) → unified workout type.
var workoutTypes = map[string]string{}

func init() {
	for unified, garminTypes := range workoutTypeTable {
		for _, t := range garminTypes {
			workoutTypes[t] = unified
		}
	}
}

// WorkoutType maps a Garmin activityType to a unified workout type; unknown
// types are "other".
func WorkoutType(activityType string) string {
	if t, ok := workoutTypes[strings.ToUpper(strings.TrimSpace(activityType))]; ok {
		return t
	}
	return "other"
}
