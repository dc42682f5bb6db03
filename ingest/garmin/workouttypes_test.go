package garmin

import (
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

func TestWorkoutType(t *testing.T) {
	f := func(garmin, want string) {
		t.Helper()
		if got := WorkoutType(garmin); got != want {
			t.Errorf("WorkoutType(%q) = %q, want %q", garmin, got, want)
		}
	}
	f("RUNNING", "running")
	f("running", "running")
	f(" Virtual_Ride ", "indoor_cycling")
	f("LAP_SWIMMING", "pool_swimming")
	f("OPEN_WATER_SWIMMING", "open_water_swimming")
	f("STRENGTH_TRAINING", "strength_training")
	f("TREADMILL_RUNNING", "treadmill")
	f("RESORT_SKIING_SNOWBOARDING_WS", "alpine_skiing")
	f("BREATHWORK", "stretching")
	f("PADDELBALL", "padel")
	f("SURFING_V2", "surfing")
	f("OTHER", "generic")
	f("SOMETHING_NEW", "other")
	f("", "other")
}

func TestWorkoutTypeTable(t *testing.T) {
	seen := map[string]string{}
	for unified, garminTypes := range workoutTypeTable {
		if !schemas.IsWorkoutType(unified) {
			t.Errorf("%s is not a unified workout type", unified)
		}
		for _, g := range garminTypes {
			if prev, dup := seen[g]; dup {
				t.Errorf("%s maps to both %s and %s", g, prev, unified)
			}
			seen[g] = unified
		}
	}
	if len(seen) != 135 {
		t.Errorf("%d Garmin activity types, want the reference's 135", len(seen))
	}
}
