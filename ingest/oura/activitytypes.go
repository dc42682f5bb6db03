package oura

// Oura's workout activities (lower-cased) → unified workout types, from
// Open Wearables' mapping (providers.md §11). Unlisted activities are
// "other".

import "strings"

// workoutOther is the unified type of an activity Oura does not name.
const workoutOther = "other"

var activityTypes = map[string]string{
	"skiing":               "alpine_skiing",
	"american_football":    "american_football",
	"badminton":            "badminton",
	"baseball":             "baseball",
	"basketball":           "basketball",
	"boxing":               "boxing",
	"functional_training":  "cardio_training",
	"hiit":                 "cardio_training",
	"circuit_training":     "cardio_training",
	"jump_rope":            "cardio_training",
	"cricket":              "cricket",
	"cross_country_skiing": "cross_country_skiing",
	"cycling":              "cycling",
	"dancing":              "dance",
	"dance":                "dance",
	"elliptical":           "elliptical",
	"other":                "generic",
	"activity":             "generic",
	"workout":              "generic",
	"golf":                 "golf",
	"group_exercise":       "group_exercise",
	"aerobics":             "group_exercise",
	"gymnastics":           "gymnastics",
	"handball":             "handball",
	"hiking":               "hiking",
	"ice_hockey":           "hockey",
	"field_hockey":         "hockey",
	"horseback_riding":     "horseback_riding",
	"ice_skating":          "ice_skating",
	"indoor_cycling":       "indoor_cycling",
	"inline_skating":       "inline_skating",
	"kayaking":             "kayaking",
	"lacrosse":             "lacrosse",
	"martial_arts":         "martial_arts",
	"meditation":           "meditation",
	"breathwork":           "meditation",
	"mountain_biking":      "mountain_biking",
	"padel":                "padel",
	"pickleball":           "pickleball",
	"pilates":              "pilates",
	"rest":                 "recovery",
	"recovery":             "recovery",
	"rock_climbing":        "rock_climbing",
	"climbing":             "rock_climbing",
	"rowing":               "rowing",
	"rugby":                "rugby",
	"running":              "running",
	"sailing":              "sailing",
	"skateboarding":        "skateboarding",
	"snowboarding":         "snowboarding",
	"soccer":               "soccer",
	"squash":               "squash",
	"stair_climbing":       "stair_climbing",
	"stand_up_paddling":    "stand_up_paddleboarding",
	"strength_training":    "strength_training",
	"weightlifting":        "strength_training",
	"stretching":           "stretching",
	"surfing":              "surfing",
	"swimming":             "swimming",
	"table_tennis":         "table_tennis",
	"tennis":               "tennis",
	"trail_running":        "trail_running",
	"triathlon":            "triathlon",
	"volleyball":           "volleyball",
	"walking":              "walking",
	"water_polo":           "water_polo",
	"wrestling":            "wrestling",
	"yoga":                 "yoga",
}

// WorkoutType returns the unified workout type of Oura's activity.
func WorkoutType(activity string) string {
	if t, ok := activityTypes[strings.ToLower(strings.TrimSpace(activity))]; ok {
		return t
	}
	return workoutOther
}
