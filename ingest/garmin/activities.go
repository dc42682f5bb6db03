package garmin

// Activities. An activity summary becomes a workout; activityDetails carry
// the same summary (nested under "summary") and the activity's samples,
// which become series samples on the activity's device source. Both are
// identified by the activity id, so an activity and its details are one
// workout, whichever arrives last.

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func (n *normalizer) activity(raw json.RawMessage) {
	var a activity
	if !n.decode(raw, &a) {
		return
	}
	if _, ok := n.workout(&a, a.ActivityID, a.SummaryID); !ok {
		n.invalidItem()
	}
}

func (n *normalizer) activityDetails(raw json.RawMessage) {
	var d activityDetails
	if !n.decode(raw, &d) {
		return
	}
	if d.Summary == nil {
		n.invalidItem()
		return
	}
	id := d.ActivityID
	if id == "" {
		id = d.Summary.ActivityID
	}
	w, ok := n.workout(d.Summary, id, strings.TrimSuffix(strings.TrimSpace(d.SummaryID), "-detail"))
	if !ok {
		n.invalidItem()
		return
	}
	src := w.Source
	for i := range d.Samples {
		s := &d.Samples[i]
		at, ok := instant(s.StartTime)
		if !ok {
			n.out.Skip("invalid activityDetails sample")
			continue
		}
		value := func(series string, v *float64) {
			if v != nil {
				n.add(src, series, at, *v, w.ZoneOffset, false)
			}
		}
		value("heart_rate", s.HeartRate)
		value("speed", s.Speed)
		value("cadence", firstOf(s.StepsPerMin, s.BikeCadence, s.SwimCadence))
		value("power", s.Power)
		value("elevation", s.Elevation)
		value("latitude", s.Latitude)
		value("longitude", s.Longitude)
		value("air_temperature", s.AirTemp)
	}
}

// workout turns an activity summary into a workout, identified by the
// activity id (or, without one, by the summary id).
func (n *normalizer) workout(a *activity, activityID flexID, summaryID string) (schemas.Workout, bool) {
	start, zone, ok := startOf(&a.common)
	if !ok {
		return schemas.Workout{}, false
	}
	duration, ok := seconds(a.Duration)
	if !ok && a.Duration != nil {
		return schemas.Workout{}, false
	}
	key := string(activityID)
	if key == "" {
		key = strings.TrimSpace(summaryID)
	}
	if key == "" {
		key = start.Format(time.RFC3339) + "|" + strings.ToUpper(strings.TrimSpace(a.ActivityType))
	}
	w := schemas.Workout{
		ID:               schemas.RecordID(n.ctx.Tenant, n.ctx.UserID, provider, "workout", key),
		Tenant:           n.ctx.Tenant,
		UserID:           n.ctx.UserID,
		Source:           deviceSource(a.DeviceName),
		ProviderRecordID: string(activityID),
		Type:             WorkoutType(a.ActivityType),
		Name:             strings.TrimSpace(a.ActivityName),
		StartTime:        start,
		EndTime:          start.Add(time.Duration(duration * float64(time.Second))),
		ZoneOffset:       zone,
		DurationSeconds:  duration,
		Version:          n.version,
		RawEventID:       n.ctx.RawEventID,
		IngestedAt:       n.ingested,
	}
	if w.ProviderRecordID == "" {
		w.ProviderRecordID = strings.TrimSpace(summaryID)
	}
	w.CaloriesKcal = n.stat("energy", a.ActiveKcal)
	w.DistanceMeters = n.stat("distance_other", a.Distance)
	w.AvgHeartRateBPM = n.stat("heart_rate", a.AvgHeartRate)
	w.MaxHeartRateBPM = n.stat("heart_rate", a.MaxHeartRate)
	w.AvgSpeedMPS = n.stat("speed", a.AvgSpeed)
	w.MaxSpeedMPS = n.stat("speed", a.MaxSpeed)
	w.ElevationGainMeters = n.stat("distance_other", firstOf(a.TotalElevGain, a.ElevGain))
	w.Steps = n.stat("steps", a.Steps)
	if schemas.ReportsPace(w.Type) {
		w.AvgPaceSecPerKm = pace(w, a.AvgPaceMinPerKm)
	}
	n.out.Workouts = append(n.out.Workouts, w)
	return w, true
}

// stat checks a workout statistic with the rules of a series of the same
// kind (see accept); a refused value is counted and left out.
func (n *normalizer) stat(like string, v *float64) *float64 {
	if v == nil {
		return nil
	}
	if reason, ok := accept(like, *v); !ok {
		n.out.Skip(reason)
		return nil
	}
	x := ingest.Tidy(*v)
	return &x
}

// pace is the average pace in seconds per km: from the average speed, else
// from Garmin's average pace (minutes per km), else from duration and
// distance.
func pace(w schemas.Workout, minPerKm *float64) *float64 {
	var p float64
	switch {
	case w.AvgSpeedMPS != nil && *w.AvgSpeedMPS > 0:
		p = 1000 / *w.AvgSpeedMPS
	case minPerKm != nil && *minPerKm > 0 && *minPerKm < 1e6:
		p = *minPerKm * 60
	case w.DistanceMeters != nil && *w.DistanceMeters > 0 && w.DurationSeconds > 0:
		p = w.DurationSeconds / (*w.DistanceMeters / 1000)
	default:
		return nil
	}
	p = ingest.Tidy(p)
	return &p
}

// firstOf returns the first value that is present.
func firstOf(values ...*float64) *float64 {
	for _, v := range values {
		if v != nil {
			return v
		}
	}
	return nil
}
