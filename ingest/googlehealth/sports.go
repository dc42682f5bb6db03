package googlehealth

// Workout types. The Google Health API names an exercise by exerciseType
// (UPPER_SNAKE); the table is Open Wearables' mapping (providers.md §11,
// "Google Health API"). A type missing from it is "other".

// exerciseTable is unified workout type ← Google exercise types.
var exerciseTable = map[string][]string{
	"aerobics":                {"AEROBIC_WORKOUT"},
	"american_football":       {"FOOTBALL_AMERICAN"},
	"archery":                 {"ARCHERY"},
	"badminton":               {"BADMINTON"},
	"baseball":                {"BASEBALL", "SOFTBALL"},
	"basketball":              {"BASKETBALL"},
	"bowling":                 {"BOWLING"},
	"boxing":                  {"BOXING"},
	"canoeing":                {"CANOEING"},
	"cardio_training":         {"JUMPING_ROPE", "CARDIO_WORKOUT", "CARDIO_SCULPT", "HIIT", "TABATA_WORKOUT", "INTERVAL_WORKOUT", "CIRCUIT_TRAINING", "CROSS_TRAINING", "BOOTCAMP"},
	"chores":                  {"CLEANING", "HOUSEHOLD_CHORES", "GARDENING", "MOWING_LAWN", "SHOVELING", "WEEDING", "HOEING", "CARPENTRY"},
	"cricket":                 {"CRICKET"},
	"cross_country_skiing":    {"CROSS_COUNTRY_SKI"},
	"curling":                 {"CURLING"},
	"cycling":                 {"BIKING", "OUTDOOR_BIKE", "HAND_CYCLING", "UNICYCLING"},
	"dance":                   {"DANCING", "BALLET", "BALLROOM_DANCE", "BREAKDANCING", "HIP_HOP", "JAZZ_DANCE", "MODERN_DANCE", "TANGO", "ZUMBA"},
	"disc_sports":             {"FRISBEE_PLAYING_GENERAL", "ULTIMATE_FRISBEE"},
	"diving":                  {"DIVING", "SCUBA_DIVING"},
	"downhill_skiing":         {"SKIING"},
	"e_biking":                {"ELECTRIC_BIKE"},
	"elliptical":              {"ELLIPTICAL"},
	"fencing":                 {"FENCING"},
	"fishing":                 {"FISHING"},
	"football":                {"FOOTBALL_AUSTRALIAN"},
	"gaming":                  {"FITNESS_GAMING"},
	"generic":                 {"OUTDOOR_WORKOUT", "WORKOUT"},
	"golf":                    {"GOLF"},
	"group_exercise":          {"EXERCISE_CLASS", "BARRE_CLASS"},
	"gymnastics":              {"GYMNASTICS", "TRAMPOLINE", "CHEERLEADING"},
	"handball":                {"HANDBALL"},
	"hiking":                  {"RUCKING", "HIKING", "BACKPACKING"},
	"hockey":                  {"HOCKEY", "FIELD_HOCKEY"},
	"horseback_riding":        {"EQUESTRIAN_SPORTS"},
	"hunting":                 {"HUNTING"},
	"ice_skating":             {"ICE_SKATING", "SPEED_SKATING"},
	"indoor_climbing":         {"INDOOR_CLIMBING"},
	"indoor_cycling":          {"STATIONARY_BIKE", "ASSAULT_BIKE", "SPINNING"},
	"inline_skating":          {"ROLLERBLADING"},
	"kayaking":                {"KAYAKING"},
	"kitesurfing":             {"KITESURFING"},
	"lacrosse":                {"LACROSSE"},
	"martial_arts":            {"TAI_CHI", "KICKBOXING", "MARTIAL_ARTS", "JIU_JITSU", "KARATE", "TAEKWONDO", "MUAY_THAI"},
	"meditation":              {"MEDITATE"},
	"motor_sports":            {"MOTOCROSS"},
	"motorcycling":            {"MOTORCYCLE"},
	"mountain_biking":         {"MOUNTAIN_BIKE"},
	"multisport":              {"MULTISPORT"},
	"open_water_swimming":     {"SWIMMING_OPEN_WATER"},
	"orienteering":            {"ORIENTEERING"},
	"other":                   {"OTHER", "EXERCISE_TYPE_UNSPECIFIED"},
	"padel":                   {"PADEL"},
	"paragliding":             {"PARAGLIDING"},
	"parkour":                 {"PARKOUR"},
	"pickleball":              {"PICKELBALL"},
	"pilates":                 {"PILATES"},
	"pool_swimming":           {"SWIMMING_POOL"},
	"racket_sports":           {"RACKET_SPORTS"},
	"racquetball":             {"RACQUETBALL"},
	"rock_climbing":           {"CLIMBING", "ROCK_CLIMBING"},
	"rowing":                  {"ROWING"},
	"rowing_machine":          {"ROWING_MACHINE"},
	"rugby":                   {"RUGBY"},
	"running":                 {"RUNNING", "INCLINE_RUN"},
	"sailing":                 {"SAILING"},
	"skateboarding":           {"SKATEBOARDING"},
	"skating":                 {"SKATING", "ROLLER_SKATING"},
	"snorkeling":              {"SNORKELING"},
	"snow_sports":             {"SNOW_SPORT"},
	"snowboarding":            {"SNOWBOARDING"},
	"snowmobiling":            {"SNOWMOBILING"},
	"snowshoeing":             {"SNOWSHOEING"},
	"soccer":                  {"SOCCER"},
	"sport":                   {"TRACK_AND_FIELD", "SPORT"},
	"squash":                  {"SQUASH"},
	"stair_climbing":          {"STAIRCLIMBER", "STEP_TRAINING"},
	"stand_up_paddleboarding": {"PADDLEBOARDING"},
	"strength_training":       {"STRENGTH_TRAINING", "FUNCTIONAL_STRENGTH_TRAINING", "CORE_TRAINING", "BODY_WEIGHT", "CALISTHENICS", "POWERLIFTING", "WEIGHTLIFTING", "FREE_WEIGHTS", "WEIGHTS", "WEIGHT_MACHINES", "RESISTANCE_BANDS", "TRX", "CROSSFIT"},
	"stretching":              {"STRETCHING"},
	"surfing":                 {"SURFING"},
	"swimming":                {"SWIMMING", "SYNCHRONIZED_SWIMMING"},
	"table_tennis":            {"TABLE_TENNIS"},
	"tennis":                  {"TENNIS"},
	"trail_running":           {"TRAIL_RUN"},
	"treadmill":               {"TREADMILL", "TREADMILL_WALK"},
	"volleyball":              {"VOLLEYBALL", "VOLLEYBALL_BEACH"},
	"wakeboarding":            {"WAKEBOARDING"},
	"walking":                 {"WALKING", "INCLINE_WALK", "NORDIC_WALKING", "STROLLER_WALK"},
	"walking_fitness":         {"POWER_WALKING", "WALK_WITH_WEIGHTS"},
	"water_polo":              {"WATER_POLO"},
	"water_skiing":            {"WATER_SKIING"},
	"water_sports":            {"FOILING", "WATER_AEROBICS", "WATER_JOGGING", "WATER_VOLLEYBALL", "WATER_SPORT"},
	"wheelchair":              {"WHEELCHAIR"},
	"windsurfing":             {"WINDSURFING"},
	"wrestling":               {"WRESTLING"},
	"yoga":                    {"YOGA", "YOGA_BIKRAM", "YOGA_HATHA", "YOGA_POWER", "YOGA_VINYASA"},
}

// exerciseTypes is exerciseTable inverted.
var exerciseTypes = map[string]string{}

func init() {
	for unified, names := range exerciseTable {
		for _, name := range names {
			exerciseTypes[name] = unified
		}
	}
}

// WorkoutType maps a Google exerciseType to a unified workout type.
func WorkoutType(exerciseType string) string {
	if u, ok := exerciseTypes[exerciseType]; ok {
		return u
	}
	return "other"
}
