package polar

// Exercises (GET /v3/exercises[/{id}]) become workouts. start_time is
// local wall-clock time and start_time_utc_offset its offset in minutes, so
// UTC = start_time − offset; duration is ISO-8601; calories are kcal,
// distance metres. A heart rate of 0 is Polar's "no reading" and is not a
// value.
//
// With ?samples=true an exercise carries sample streams
// {"recording-rate": seconds, "sample-type": code, "data": "v,v,..."}; the
// i-th value was recorded at start + i × rate. Kept are heart rate (0),
// speed (1, km/h → m/s), cadence (2), altitude (3) and power (4), one batch
// per series; a value that is empty or not a number ("NULL") is a gap, and
// a heart rate of 0 is one too. The other streams (pedalling index,
// balance, air pressure, running cadence, temperature, distance, RR
// intervals) are counted as not kept.

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

type exercise struct {
	ID                 text   `json:"id"`
	Device             text   `json:"device"`
	DeviceID           text   `json:"device_id"`
	StartTime          text   `json:"start_time"`
	StartTimeUTCOffset number `json:"start_time_utc_offset"`
	Duration           text   `json:"duration"`
	Calories           number `json:"calories"`
	Distance           number `json:"distance"`
	HeartRate          struct {
		Average number `json:"average"`
		Maximum number `json:"maximum"`
	} `json:"heart_rate"`
	Sport             text             `json:"sport"`
	DetailedSportInfo text             `json:"detailed_sport_info"`
	Samples           []exerciseStream `json:"samples"`
}

// exerciseStream is one sample stream; Polar spells its keys with hyphens,
// the underscore spellings are read too.
type exerciseStream struct {
	RecordingRate  number `json:"recording-rate"`
	RecordingRateU number `json:"recording_rate"`
	SampleType     text   `json:"sample-type"`
	SampleTypeU    text   `json:"sample_type"`
	Data           text   `json:"data"`
}

// exerciseFields are the exercise fields Polar documents; the ones not
// read above are known and deliberately not kept.
var exerciseFields = ingest.SetOf("id", "upload_time", "polar_user", "transaction_id", "device", "device_id",
	"start_time", "start_time_utc_offset", "duration", "calories", "distance", "heart_rate",
	"training_load", "training_load_pro", "training-load-pro", "sport", "has_route", "club_id", "club_name",
	"detailed_sport_info", "fat_percentage", "carbohydrate_percentage", "protein_percentage",
	"running-index", "running_index", "heart_rate_zones", "heart-rate-zones", "samples", "route")

// streamSeries says what becomes of each sample stream, by sample type.
var streamSeries = map[string]struct {
	series string
	scale  float64
}{
	"0": {"heart_rate", 1},
	"1": {"speed", 1 / 3.6},
	"2": {"cadence", 1},
	"3": {"elevation", 1},
	"4": {"power", 1},
}

func (n *normalizer) exercise(raw []byte, keys map[string]json.RawMessage) error {
	var e exercise
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("cannot decode polar exercise: %w", err)
	}
	wall, zone, hasZone, ok := parseTime(string(e.StartTime))
	if !ok {
		return fmt.Errorf("cannot normalise polar exercise: start_time %q is not an ISO-8601 time", ingest.Truncate(string(e.StartTime), 60))
	}
	start := wall
	if !hasZone {
		switch off := e.StartTimeUTCOffset; {
		case off.Set && off.Value == float64(int32(off.Value)) && off.Value >= -ingest.MaxZoneOffset && off.Value <= ingest.MaxZoneOffset:
			zone = int32(off.Value)
		case off.Set || off.Bad:
			n.Out.Skip("invalid exercise field start_time_utc_offset")
		}
		start = wall.Add(-time.Duration(zone) * time.Minute)
	}
	dur, ok := parseDuration(string(e.Duration))
	if !ok || dur > 31*86400 {
		return fmt.Errorf("cannot normalise polar exercise: duration %q is not an ISO-8601 duration", ingest.Truncate(string(e.Duration), 60))
	}
	end := start.Add(time.Duration(dur * float64(time.Second)))
	n.Out.SkipUnknown(kindExercise, keys, exerciseFields)

	src := deviceSource(string(e.DeviceID), string(e.Device))
	unified := WorkoutType(string(e.Sport), string(e.DetailedSportInfo))
	key := string(e.ID)
	if key == "" {
		key = start.Format(time.RFC3339Nano) + "|" + end.Format(time.RFC3339Nano) + "|" + string(e.Sport) + "/" + string(e.DetailedSportInfo)
	}
	w := schemas.Workout{
		ID:               schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "workout", key),
		Tenant:           n.Ctx.Tenant,
		UserID:           n.Ctx.UserID,
		Source:           src,
		ProviderRecordID: string(e.ID),
		Type:             unified,
		StartTime:        start,
		EndTime:          end,
		ZoneOffset:       zone,
		DurationSeconds:  dur,
		CaloriesKcal:     n.quantity("exercise field calories", e.Calories, false),
		DistanceMeters:   n.quantity("exercise field distance", e.Distance, false),
		AvgHeartRateBPM:  n.quantity("exercise field heart_rate.average", e.HeartRate.Average, true),
		MaxHeartRateBPM:  n.quantity("exercise field heart_rate.maximum", e.HeartRate.Maximum, true),
		Version:          n.Version,
		RawEventID:       n.Ctx.RawEventID,
		IngestedAt:       n.Ingested,
	}
	if schemas.ReportsPace(unified) && w.DistanceMeters != nil && *w.DistanceMeters > 0 && dur > 0 {
		p := ingest.Tidy(dur / (*w.DistanceMeters / 1000))
		w.AvgPaceSecPerKm = &p
	}
	n.Out.Workouts = append(n.Out.Workouts, w)

	for i := range e.Samples {
		n.stream(&e.Samples[i], src, start, dur, zone)
	}
	return nil
}

// quantity reads a non-negative workout statistic. zeroIsNone marks the
// statistics for which Polar writes 0 when it has no reading.
func (n *normalizer) quantity(field string, x number, zeroIsNone bool) *float64 {
	switch {
	case x.Bad || (x.Set && x.Value < 0):
		n.Out.Skip("invalid " + field)
		return nil
	case !x.Set:
		return nil
	case zeroIsNone && x.Value == 0:
		n.Out.Skip("no value: " + field + " 0")
		return nil
	}
	v := ingest.Tidy(x.Value)
	return &v
}

// reasonInvalidStream is the skip reason of a sample stream that cannot
// be read.
const reasonInvalidStream = "invalid exercise sample stream"

// stream adds the values of one exercise sample stream.
func (n *normalizer) stream(s *exerciseStream, src schemas.Source, start time.Time, dur float64, zone int32) {
	code := strings.TrimSpace(string(s.SampleType))
	if code == "" {
		code = strings.TrimSpace(string(s.SampleTypeU))
	}
	kind, ok := streamSeries[code]
	if !ok {
		if _, err := strconv.Atoi(code); err != nil {
			n.Out.Skip(reasonInvalidStream)
		} else {
			n.Out.Skip("exercise samples of type " + ingest.Truncate(code, 12) + " not kept")
		}
		return
	}
	rate := s.RecordingRate
	if !rate.Set && !rate.Bad {
		rate = s.RecordingRateU
	}
	if !rate.Set || rate.Value <= 0 || rate.Value > 86400 {
		n.Out.Skip(reasonInvalidStream)
		return
	}
	step := time.Duration(rate.Value * float64(time.Second))
	data := strings.TrimSpace(string(s.Data))
	for i := 0; data != ""; i++ {
		field, rest, _ := strings.Cut(data, ",")
		data = rest
		if float64(i)*rate.Value > dur+rate.Value {
			n.Out.Skip("exercise samples after the exercise's end")
			return
		}
		field = strings.TrimSpace(field)
		v, err := strconv.ParseFloat(field, 64)
		switch {
		case err != nil || !ingest.Finite(v):
			n.Out.Skip("no value: exercise sample")
		case kind.series == "heart_rate" && v == 0:
			n.Out.Skip("no value: exercise heart rate sample 0")
		case v < 0 && kind.series != "elevation":
			n.Out.Skip("invalid exercise sample")
		default:
			n.addSample(src, kind.series, start.Add(time.Duration(i)*step), v*kind.scale, zone, false)
		}
	}
}
