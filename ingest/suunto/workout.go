package suunto

// Workouts: the summary of a WORKOUT_CREATED webhook and the workout of
// GET /v3/workouts/{workoutKey} have the same fields (providers.md §4).
//
//   - startTime (and stopTime, missing in fresh data) are epoch ms, UTC;
//     the end is stopTime, else startTime + totalTime. totalTime (s) is the
//     duration; timeOffsetInMinutes the local offset east of UTC.
//   - energyConsumption is kcal, totalDistance and totalAscent metres,
//     avgSpeed and maxSpeed m/s.
//   - Heart rate: the average is hrdata.workoutAvgHR (else hrdata.avg), the
//     maximum hrdata.hrmax (else hrdata.workoutMaxHR); hrdata.max and
//     userMaxHR are the user's configured maximum, not the workout's.
//   - Suunto writes 0 for what a workout did not record: an energy, step
//     count or heart rate of 0 is not a value. Distance, ascent and speed
//     of 0 are (an indoor workout moves nowhere).
//   - The pace of the workout types that have one is 1000 / avgSpeed, else
//     totalTime / totalDistance; Suunto's avgPace is not read.
//   - The workout is identified by its workoutKey.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

type workout struct {
	WorkoutKey          text   `json:"workoutKey"`
	ActivityID          number `json:"activityId"`
	StartTime           number `json:"startTime"`
	StopTime            number `json:"stopTime"`
	TotalTime           number `json:"totalTime"`
	TimeOffsetInMinutes number `json:"timeOffsetInMinutes"`
	EnergyConsumption   number `json:"energyConsumption"`
	StepCount           number `json:"stepCount"`
	TotalAscent         number `json:"totalAscent"`
	TotalDistance       number `json:"totalDistance"`
	AvgSpeed            number `json:"avgSpeed"`
	MaxSpeed            number `json:"maxSpeed"`
	HRData              struct {
		WorkoutAvgHR number `json:"workoutAvgHR"`
		Avg          number `json:"avg"`
		HRMax        number `json:"hrmax"`
		WorkoutMaxHR number `json:"workoutMaxHR"`
	} `json:"hrdata"`
	Gear *gear `json:"gear"`
}

// gear is the device that recorded a workout.
type gear struct {
	Manufacturer text `json:"manufacturer"`
	Name         text `json:"name"`
	DisplayName  text `json:"displayName"`
	ProductType  text `json:"productType"`
	SerialNumber text `json:"serialNumber"`
}

// workoutFields are the workout fields Suunto sends; the ones not read
// above are known and deliberately not kept.
var workoutFields = ingest.SetOf("workoutKey", "workoutId", "activityId", "startTime", "stopTime", "totalTime",
	"timeOffsetInMinutes", "energyConsumption", "stepCount", "totalAscent", "totalDescent", "totalDistance",
	"avgSpeed", "maxSpeed", "avgSpeedInKmH", "avgPace", "hrdata", "cadence", "gear", "startPosition",
	"stopPosition", "centerPosition", "estimatedFloorsClimbed", "recoveryTime", "cumulativeRecoveryTime",
	"rankings", "extensionTypes", "extensions", "minAltitude", "maxAltitude", "isEdited", "isManuallyAdded",
	"tss", "tssList", "commentCount", "pictureCount", "viewCount", "description", "workoutName", "username",
	"visibility", "created", "lastModified", "feeling", "peakTrainingEffect")

// workoutItem normalises a workout of a list, which is skipped and counted
// when it cannot be read.
func (n *normalizer) workoutItem(raw []byte) {
	if n.workout(raw, nil) != nil {
		n.Out.Skip("invalid workout")
	}
}

// workout normalises one workout; envelopeGear is the gear that a webhook
// gives next to it.
func (n *normalizer) workout(raw []byte, envelopeGear *gear) error {
	var w workout
	if err := json.Unmarshal(raw, &w); err != nil {
		return fmt.Errorf("cannot decode suunto workout: %w", err)
	}
	keys, _ := ingest.ObjectKeys(raw)
	start, ok := fromMillis(w.StartTime.Value)
	if !w.StartTime.Set || !ok {
		return fmt.Errorf("cannot normalise suunto workout %q: startTime is not epoch milliseconds", ingest.Truncate(string(w.WorkoutKey), 60))
	}
	var end time.Time
	dur := -1.0
	if t := w.TotalTime; t.Set && t.Value >= 0 && t.Value <= 31*86400 {
		dur = ingest.Tidy(t.Value)
		end = start.Add(time.Duration(t.Value * float64(time.Second)))
	} else if t.Set || t.Bad {
		n.Out.Skip("invalid workout field totalTime")
	}
	if stop, ok := fromMillis(w.StopTime.Value); w.StopTime.Set && ok && !stop.Before(start) && stop.Sub(start) <= 31*24*time.Hour {
		end = stop
		if dur < 0 {
			dur = stop.Sub(start).Seconds()
		}
	} else if w.StopTime.Set || w.StopTime.Bad {
		n.Out.Skip("invalid workout field stopTime")
	}
	if dur < 0 {
		return fmt.Errorf("cannot normalise suunto workout %q: neither totalTime nor stopTime gives its end", ingest.Truncate(string(w.WorkoutKey), 60))
	}
	n.Out.SkipUnknown("workout", keys, workoutFields)

	var zone int32
	switch off := w.TimeOffsetInMinutes; {
	case off.Set && off.Value == float64(int32(off.Value)) && off.Value >= -ingest.MaxZoneOffset && off.Value <= ingest.MaxZoneOffset:
		zone = int32(off.Value)
	case off.Set || off.Bad:
		n.Out.Skip("invalid workout field timeOffsetInMinutes")
	}

	g := w.Gear
	if g == nil {
		g = envelopeGear
	}
	src := gearSource(g)
	unified := "other"
	switch a := w.ActivityID; {
	case a.Set:
		unified = WorkoutType(a.Value)
	case a.Bad:
		n.Out.Skip("invalid workout field activityId")
	}
	key := string(w.WorkoutKey)
	if key == "" {
		key = start.Format(time.RFC3339Nano) + "|" + end.Format(time.RFC3339Nano) + "|" + unified
	}
	out := schemas.Workout{
		ID:                  schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "workout", key),
		Tenant:              n.Ctx.Tenant,
		UserID:              n.Ctx.UserID,
		Source:              src,
		ProviderRecordID:    string(w.WorkoutKey),
		Type:                unified,
		StartTime:           start,
		EndTime:             end,
		ZoneOffset:          zone,
		DurationSeconds:     dur,
		CaloriesKcal:        n.stat("energyConsumption", w.EnergyConsumption, true),
		DistanceMeters:      n.stat("totalDistance", w.TotalDistance, false),
		Steps:               n.stat("stepCount", w.StepCount, true),
		ElevationGainMeters: n.stat("totalAscent", w.TotalAscent, false),
		AvgSpeedMPS:         n.stat("avgSpeed", w.AvgSpeed, false),
		MaxSpeedMPS:         n.stat("maxSpeed", w.MaxSpeed, false),
		AvgHeartRateBPM:     n.stat("hrdata.workoutAvgHR", w.HRData.WorkoutAvgHR, true),
		MaxHeartRateBPM:     n.stat("hrdata.hrmax", w.HRData.HRMax, true),
		Version:             n.Version,
		RawEventID:          n.Ctx.RawEventID,
		IngestedAt:          n.Ingested,
	}
	if out.AvgHeartRateBPM == nil {
		out.AvgHeartRateBPM = n.stat("hrdata.avg", w.HRData.Avg, true)
	}
	if out.MaxHeartRateBPM == nil {
		out.MaxHeartRateBPM = n.stat("hrdata.workoutMaxHR", w.HRData.WorkoutMaxHR, true)
	}
	if schemas.ReportsPace(unified) {
		var p float64
		switch {
		case out.AvgSpeedMPS != nil && *out.AvgSpeedMPS > 0:
			p = 1000 / *out.AvgSpeedMPS
		case out.DistanceMeters != nil && *out.DistanceMeters > 0 && dur > 0:
			p = dur / (*out.DistanceMeters / 1000)
		}
		if p > 0 {
			p = ingest.Tidy(p)
			out.AvgPaceSecPerKm = &p
		}
	}
	n.Out.Workouts = append(n.Out.Workouts, out)
	return nil
}

// stat reads a non-negative workout statistic. zeroIsNone marks the
// statistics for which Suunto writes 0 when the workout did not record
// them.
func (n *normalizer) stat(field string, x number, zeroIsNone bool) *float64 {
	switch {
	case x.Bad || (x.Set && x.Value < 0):
		n.Out.Skip("invalid workout field " + field)
		return nil
	case !x.Set:
		return nil
	case zeroIsNone && x.Value == 0:
		n.Out.Skip("no value: workout " + field + " 0")
		return nil
	}
	v := ingest.Tidy(x.Value)
	return &v
}

// gearSource is the source of a workout recorded with gear (nil when the
// workout does not say).
func gearSource(g *gear) schemas.Source {
	if g == nil {
		return accountSource
	}
	src := accountSource
	if serial := strings.TrimSpace(string(g.SerialNumber)); serial != "" {
		src.ID = provider + ":" + serial
	}
	src.Device = string(g.DisplayName)
	if src.Device == "" {
		src.Device = string(g.Name)
	}
	if strings.Contains(strings.ToUpper(string(g.ProductType)), "WATCH") {
		src.DeviceType = "watch"
	}
	return src
}
