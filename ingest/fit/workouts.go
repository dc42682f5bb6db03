package fit

import (
	"github.com/muktihari/fit/profile/typedef"

	"github.com/wearstream/wearstream/schemas"
)

// subSportTypes refine a sport by its sub-sport.
var subSportTypes = map[[2]typedef.SubSport]string{}

func init() {
	for _, r := range []struct {
		sport typedef.Sport
		sub   typedef.SubSport
		typ   string
	}{
		{typedef.SportRunning, typedef.SubSportTreadmill, "treadmill"},
		{typedef.SportRunning, typedef.SubSportIndoorRunning, "treadmill"},
		{typedef.SportRunning, typedef.SubSportTrail, "trail_running"},
		{typedef.SportCycling, typedef.SubSportIndoorCycling, "indoor_cycling"},
		{typedef.SportCycling, typedef.SubSportVirtualActivity, "indoor_cycling"},
		{typedef.SportCycling, typedef.SubSportMountain, "mountain_biking"},
		{typedef.SportSwimming, typedef.SubSportLapSwimming, "pool_swimming"},
		{typedef.SportSwimming, typedef.SubSportOpenWater, "open_water_swimming"},
		{typedef.SportTraining, typedef.SubSportStrengthTraining, "strength_training"},
		{typedef.SportTraining, typedef.SubSportCardioTraining, "cardio_training"},
		{typedef.SportTraining, typedef.SubSportHiit, "cardio_training"},
		{typedef.SportTraining, typedef.SubSportYoga, "yoga"},
		{typedef.SportTraining, typedef.SubSportPilates, "pilates"},
		{typedef.SportFitnessEquipment, typedef.SubSportElliptical, "elliptical"},
		{typedef.SportFitnessEquipment, typedef.SubSportIndoorRowing, "rowing_machine"},
		{typedef.SportFitnessEquipment, typedef.SubSportStairClimbing, "stair_climbing"},
		{typedef.SportFitnessEquipment, typedef.SubSportIndoorCycling, "indoor_cycling"},
		{typedef.SportFitnessEquipment, typedef.SubSportTreadmill, "treadmill"},
	} {
		subSportTypes[[2]typedef.SubSport{typedef.SubSport(r.sport), r.sub}] = r.typ
	}
}

// sportTypes are the sports whose FIT name is not a unified workout type.
var sportTypes = map[typedef.Sport]string{
	typedef.SportTraining: "cardio_training",
}

// WorkoutType maps a FIT sport and sub-sport to a unified workout type:
// the sub-sport's refinement when there is one, else the sport's FIT name
// when the catalog has it (FIT names and the unified names share their
// origin), else "other".
func WorkoutType(sport typedef.Sport, sub typedef.SubSport) string {
	if t, ok := subSportTypes[[2]typedef.SubSport{typedef.SubSport(sport), sub}]; ok {
		return t
	}
	if t, ok := sportTypes[sport]; ok {
		return t
	}
	if name := sport.String(); schemas.IsWorkoutType(name) {
		return name
	}
	return "other"
}

// paceTypes are the workout types that report a pace (Open Wearables'
// WORKOUTS_WITH_PACE).
var paceTypes = map[string]bool{
	"running": true, "trail_running": true, "treadmill": true, "walking": true, "hiking": true,
	"mountaineering": true, "cycling": true, "mountain_biking": true, "indoor_cycling": true, "e_biking": true,
	"swimming": true, "pool_swimming": true, "open_water_swimming": true, "rowing": true, "paddling": true,
	"stand_up_paddleboarding": true, "cross_country_skiing": true, "inline_skating": true, "ice_skating": true,
}
