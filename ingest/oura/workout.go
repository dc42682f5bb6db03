package oura

// Workouts (GET /v2/usercollection/workout[/{id}]). start_datetime and
// end_datetime carry the local offset; calories are kcal and distance
// metres (null when unknown); label names the workout. Oura gives no heart
// rate for workouts. A workout that ends before it starts (the example in
// Oura's own documentation does) cannot be read.

import (
	"encoding/json"
	"fmt"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

type workout struct {
	ID            ingest.Text   `json:"id"`
	Activity      ingest.Text   `json:"activity"`
	Calories      ingest.Number `json:"calories"`
	Distance      ingest.Number `json:"distance"`
	StartDatetime ingest.Text   `json:"start_datetime"`
	EndDatetime   ingest.Text   `json:"end_datetime"`
	Label         ingest.Text   `json:"label"`
}

// workoutFields are the workout fields Oura documents; the ones not read
// above are known and deliberately not kept.
var workoutFields = ingest.SetOf("id", "activity", "calories", "day", "distance", "end_datetime", "intensity",
	"label", "source", "start_datetime", "meta")

func (n *normalizer) workout(raw []byte, keys map[string]json.RawMessage) error {
	var w workout
	if err := json.Unmarshal(raw, &w); err != nil {
		return fmt.Errorf("cannot decode oura workout: %w", err)
	}
	start, zone, ok1 := parseTime(string(w.StartDatetime))
	end, _, ok2 := parseTime(string(w.EndDatetime))
	switch {
	case !ok1 || !ok2:
		return fmt.Errorf("cannot normalise oura workout: start_datetime %q or end_datetime %q is not an ISO-8601 time with offset",
			ingest.Truncate(string(w.StartDatetime), 40), ingest.Truncate(string(w.EndDatetime), 40))
	case end.Before(start):
		return fmt.Errorf("cannot normalise oura workout: it ends before it starts")
	case string(w.ID) == "":
		return fmt.Errorf("cannot normalise oura workout: id is missing")
	}
	n.Out.SkipUnknown(kindWorkout, keys, workoutFields)
	unified := WorkoutType(string(w.Activity))
	if unified == workoutOther && string(w.Activity) != "" {
		n.Out.Skip("unknown workout activity " + ingest.Truncate(string(w.Activity), 40))
	}
	dur := end.Sub(start).Seconds()
	wo := schemas.Workout{
		ID:               n.recordID(kindWorkout, string(w.ID)),
		Tenant:           n.Ctx.Tenant,
		UserID:           n.Ctx.UserID,
		Source:           ringSource,
		ProviderRecordID: string(w.ID),
		Type:             unified,
		Name:             ingest.Truncate(string(w.Label), 200),
		StartTime:        start,
		EndTime:          end,
		ZoneOffset:       zone,
		DurationSeconds:  dur,
		CaloriesKcal:     n.positive("workout field calories", w.Calories),
		DistanceMeters:   n.positive("workout field distance", w.Distance),
		Version:          n.Version,
		RawEventID:       n.Ctx.RawEventID,
		IngestedAt:       n.Ingested,
	}
	if schemas.ReportsPace(unified) && wo.DistanceMeters != nil && *wo.DistanceMeters > 0 && dur > 0 {
		p := ingest.Tidy(dur / (*wo.DistanceMeters / 1000))
		wo.AvgPaceSecPerKm = &p
	}
	n.Out.Workouts = append(n.Out.Workouts, wo)
	return nil
}
