package fitbit

import "strings"

// Workout types. Fitbit names an activity by activityTypeId and
// activityName; the tables are Open Wearables' mapping (providers.md §11,
// "Fitbit"): the id decides, else the lower-cased name, else "other".

var typeIDs = map[int64]string{
	16: "basketball", 90001: "cycling", 1071: "hiking", 90024: "indoor_cycling", 90019: "other",
	90009: "running", 2131: "running", 15: "soccer", 3000: "strength_training", 82: "swimming",
	27: "tennis", 91: "treadmill", 90013: "walking", 52001: "yoga",
}

var typeNames = map[string]string{
	"basketball": "basketball", "bike": "cycling", "cycling": "cycling", "dance": "dance",
	"elliptical": "elliptical", "golf": "golf", "hike": "hiking", "hiking": "hiking",
	"indoor cycling": "indoor_cycling", "pilates": "pilates", "rowing": "rowing", "run": "running",
	"running": "running", "soccer": "soccer", "stair climbing": "stair_climbing",
	"strength training": "strength_training", "weights": "strength_training", "stretching": "stretching",
	"swim": "swimming", "swimming": "swimming", "tennis": "tennis", "treadmill": "treadmill",
	"walk": "walking", "walking": "walking", "yoga": "yoga",
}

// WorkoutType maps a Fitbit activityTypeId and activityName to a unified
// workout type.
func WorkoutType(typeID int64, name string) string {
	if u, ok := typeIDs[typeID]; ok {
		return u
	}
	if u, ok := typeNames[strings.ToLower(strings.TrimSpace(name))]; ok {
		return u
	}
	return "other"
}
