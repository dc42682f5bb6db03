package fit

// Normalisation (open-wearables.md §4.6, with samples always kept):
//
//   - each session is a Workout: the sport (refined by the sub-sport) mapped
//     to a unified workout type, start and elapsed time, timer time as the
//     duration, calories, distance, heart rate, speed, power and ascent;
//   - its laps are the Workout's Laps (kind "lap");
//   - the records inside the session become samples, one batch per series:
//     heart_rate (bpm), power (W), cadence (rpm), speed (m/s, enhanced
//     speed first), elevation (m, enhanced altitude first), latitude and
//     longitude (semicircles × 180 / 2^31 → degrees);
//   - the zone offset is the activity's local_timestamp minus its
//     timestamp, when the device wrote one.
//
// Identity. The source is "fit:" plus the device's manufacturer, product
// and serial number; a workout is a UUIDv5 over the source, the session's
// start and its sport, so importing the same file twice yields the same
// records. Samples are identified like every sample, by (user, source,
// series type, time).

import (
	"math"
	"strconv"
	"time"

	"github.com/muktihari/fit/profile/basetype"
	"github.com/muktihari/fit/profile/filedef"
	"github.com/muktihari/fit/profile/mesgdef"
	"github.com/muktihari/fit/profile/typedef"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// Provider is the provider name of FIT imports.
const Provider = "fit"

func init() {
	ingest.Register(ingest.Provider{Name: Provider, DisplayName: "FIT file", Normalize: Normalize,
		Capabilities: ingest.Capabilities{FileImport: true}})
}

// Normalize turns one FIT file into canonical records.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	activities, err := Decode(body)
	if err != nil {
		return ingest.Records{}, err
	}
	return NormalizeActivities(ctx, activities), nil
}

// NormalizeActivities turns decoded activities into canonical records, as
// Normalize does: the gateway, which decodes an upload to check it, counts
// what the file will yield with it.
func NormalizeActivities(ctx ingest.Context, activities []*filedef.Activity) ingest.Records {
	var out ingest.Records
	for _, a := range activities {
		normalizeActivity(ctx, a, &out)
	}
	return out
}

// series are the record fields that become samples.
var series = []struct {
	name  string
	value func(r *mesgdef.Record) (float64, bool)
}{
	{"heart_rate", func(r *mesgdef.Record) (float64, bool) { return u8(r.HeartRate) }},
	{"power", func(r *mesgdef.Record) (float64, bool) { return u16(r.Power) }},
	{"cadence", func(r *mesgdef.Record) (float64, bool) { return u8(r.Cadence) }},
	{"speed", func(r *mesgdef.Record) (float64, bool) {
		return firstValid(r.EnhancedSpeedScaled(), r.SpeedScaled())
	}},
	{"elevation", func(r *mesgdef.Record) (float64, bool) {
		return firstValid(r.EnhancedAltitudeScaled(), r.AltitudeScaled())
	}},
	{"latitude", func(r *mesgdef.Record) (float64, bool) {
		if r.PositionLat == basetype.Sint32Invalid || r.PositionLong == basetype.Sint32Invalid {
			return 0, false
		}
		return Degrees(r.PositionLat), true
	}},
	{"longitude", func(r *mesgdef.Record) (float64, bool) {
		if r.PositionLat == basetype.Sint32Invalid || r.PositionLong == basetype.Sint32Invalid {
			return 0, false
		}
		return Degrees(r.PositionLong), true
	}},
}

// Degrees converts a FIT position in semicircles into degrees.
func Degrees(semicircles int32) float64 {
	return math.Round(float64(semicircles)*(180.0/(1<<31))*1e7) / 1e7
}

func normalizeActivity(ctx ingest.Context, a *filedef.Activity, out *ingest.Records) {
	src := source(&a.FileId)
	zone := int32(0)
	if a.Activity != nil && !a.Activity.LocalTimestamp.IsZero() && !a.Activity.Timestamp.IsZero() {
		if d := a.Activity.LocalTimestamp.Sub(a.Activity.Timestamp); d > -18*time.Hour && d < 18*time.Hour {
			zone = int32(d.Round(15*time.Minute) / time.Minute)
		}
	}
	version := ctx.ReceivedAt.UnixMilli()
	ingested := ctx.ReceivedAt.UTC()

	sessions := a.Sessions
	for i, s := range sessions {
		start := s.StartTime
		if start.IsZero() {
			out.Skip("session without start time")
			continue
		}
		end := start.Add(time.Duration(s.TotalElapsedTimeScaled() * float64(time.Second)))
		if math.IsNaN(s.TotalElapsedTimeScaled()) || end.Before(start) {
			end = s.Timestamp
		}
		if end.Before(start) {
			out.Skip("session ends before it starts")
			continue
		}
		unified := WorkoutType(s.Sport, s.SubSport)
		key := src.ID + "|" + start.UTC().Format(time.RFC3339) + "|" + s.Sport.String()
		w := schemas.Workout{
			ID:                  schemas.RecordID(ctx.Tenant, ctx.UserID, Provider, "workout", key),
			Tenant:              ctx.Tenant,
			UserID:              ctx.UserID,
			Source:              src,
			ProviderRecordID:    key,
			Type:                unified,
			Name:                s.SportProfileName,
			StartTime:           start.UTC(),
			EndTime:             end.UTC(),
			ZoneOffset:          zone,
			DurationSeconds:     end.Sub(start).Seconds(),
			CaloriesKcal:        ptr(u16(s.TotalCalories)),
			DistanceMeters:      ptr(valid(s.TotalDistanceScaled())),
			AvgHeartRateBPM:     ptr(u8(s.AvgHeartRate)),
			MaxHeartRateBPM:     ptr(u8(s.MaxHeartRate)),
			MinHeartRateBPM:     ptr(u8(s.MinHeartRate)),
			AvgSpeedMPS:         ptr(firstValid(s.EnhancedAvgSpeedScaled(), s.AvgSpeedScaled())),
			MaxSpeedMPS:         ptr(firstValid(s.EnhancedMaxSpeedScaled(), s.MaxSpeedScaled())),
			AvgPowerWatts:       ptr(u16(s.AvgPower)),
			ElevationGainMeters: ptr(u16(s.TotalAscent)),
			Version:             version,
			RawEventID:          ctx.RawEventID,
			IngestedAt:          ingested,
		}
		if t, ok := valid(s.TotalTimerTimeScaled()); ok && t > 0 {
			w.DurationSeconds = t
		}
		if w.AvgSpeedMPS != nil && *w.AvgSpeedMPS > 0 && paceTypes[unified] {
			p := math.Round(1000 / *w.AvgSpeedMPS * 1e6) / 1e6
			w.AvgPaceSecPerKm = &p
		}
		// The laps and records of this session: from its start to the next
		// session's start (or its end, for the last one).
		until, last := end, true
		if i+1 < len(sessions) && !sessions[i+1].StartTime.IsZero() {
			until, last = sessions[i+1].StartTime, false
		}
		for _, l := range a.Laps {
			if l.StartTime.Before(start) || (!last && !l.StartTime.Before(until)) || (last && l.StartTime.After(until)) {
				continue
			}
			w.Laps = append(w.Laps, lap(l, int32(len(w.Laps))))
		}
		out.Workouts = append(out.Workouts, w)

		samples(ctx, a.Records, start, until, last, src, zone, version, ingested, out)
	}
}

// samples adds the batches of the records from from to until (included
// for the last session, whose records end at its end).
func samples(ctx ingest.Context, records []*mesgdef.Record, from, until time.Time, last bool, src schemas.Source, zone int32, version int64, ingested time.Time, out *ingest.Records) {
	for _, s := range series {
		st, _ := schemas.LookupSeriesType(s.name)
		var batch []schemas.Sample
		var prev time.Time
		for _, r := range records {
			if r.Timestamp.Before(from) || r.Timestamp.After(until) || (r.Timestamp.Equal(until) && !last) {
				continue
			}
			v, ok := s.value(r)
			if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			if !r.Timestamp.After(prev) && len(batch) > 0 {
				continue // out of order or repeated timestamps: keep the first
			}
			prev = r.Timestamp
			batch = append(batch, schemas.Sample{Time: r.Timestamp.UTC(), Value: v, ZoneOffset: zone})
		}
		if len(batch) == 0 {
			continue
		}
		out.Samples = append(out.Samples, schemas.SampleBatch{
			ID:         schemas.NameID(ctx.Tenant, ctx.UserID, Provider, "samples", src.ID, s.name, from.UTC().Format(time.RFC3339), ctx.RawEventID),
			Tenant:     ctx.Tenant,
			UserID:     ctx.UserID,
			Source:     src,
			SeriesType: st.Name,
			Unit:       st.Unit,
			Version:    version,
			RawEventID: ctx.RawEventID,
			IngestedAt: ingested,
			Samples:    batch,
		})
	}
}

func lap(l *mesgdef.Lap, index int32) schemas.WorkoutLap {
	end := l.Timestamp
	if t, ok := valid(l.TotalElapsedTimeScaled()); ok {
		end = l.StartTime.Add(time.Duration(t * float64(time.Second)))
	}
	out := schemas.WorkoutLap{
		Kind:            "lap",
		Index:           index,
		StartTime:       l.StartTime.UTC(),
		EndTime:         end.UTC(),
		DistanceMeters:  ptr(valid(l.TotalDistanceScaled())),
		CaloriesKcal:    ptr(u16(l.TotalCalories)),
		AvgHeartRateBPM: ptr(u8(l.AvgHeartRate)),
		AvgSpeedMPS:     ptr(firstValid(l.EnhancedAvgSpeedScaled(), l.AvgSpeedScaled())),
	}
	if l.SwimStroke != typedef.SwimStrokeInvalid {
		out.SwimmingStroke = l.SwimStroke.String()
	}
	return out
}

// source is the device that recorded the file.
func source(id *mesgdef.FileId) schemas.Source {
	manufacturer := id.Manufacturer.String()
	product := id.ProductName
	if product == "" && id.Product != basetype.Uint16Invalid {
		product = strconv.Itoa(int(id.Product))
	}
	sid := Provider + ":" + manufacturer + ":" + product
	if id.SerialNumber != basetype.Uint32zInvalid && id.SerialNumber != 0 {
		sid += ":" + strconv.FormatUint(uint64(id.SerialNumber), 10)
	}
	return schemas.Source{Provider: Provider, ID: sid, Name: manufacturer, Device: product}
}

func u8(v uint8) (float64, bool) {
	if v == basetype.Uint8Invalid {
		return 0, false
	}
	return float64(v), true
}

func u16(v uint16) (float64, bool) {
	if v == basetype.Uint16Invalid {
		return 0, false
	}
	return float64(v), true
}

// valid is a scaled value, unless it is the decoder's invalid marker.
func valid(v float64) (float64, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Float64bits(v) == basetype.Float64Invalid {
		return 0, false
	}
	return math.Round(v*1e6) / 1e6, true
}

func firstValid(values ...float64) (float64, bool) {
	for _, v := range values {
		if f, ok := valid(v); ok {
			return f, true
		}
	}
	return 0, false
}

func ptr(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}
