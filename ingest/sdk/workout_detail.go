package sdk

// The detail of a workout that Open Wearables accepts and drops: the GPS
// route, the samples recorded during the workout, and its laps and
// segments.
//
//   - Route points become samples of latitude, longitude (degrees) and
//     elevation (metres, from altitudeM) at their timestamps.
//   - In-workout samples ({timestamp, type, value, unit}) become samples of
//     their series: heart rate, cadence, speed, power, elevation,
//     temperature, distance... (workoutSampleTypes), converted to the
//     catalog unit.
//   - Laps and segments ({startDate, endDate, distance, ...}) become
//     WorkoutLaps on the workout.
//
// All of it is tied to the workout's source, so it lands next to the
// samples the same watch wrote as records (same source, same key: a heart
// rate written both ways collapses to one sample). Points and samples
// outside the workout's span (with a minute of slack) are dropped and
// counted, as are points that are not positions and samples of unknown
// types.

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// The skip reasons of workout detail.
const (
	reasonInvalidRoute     = "invalid workout route point"
	reasonInvalidWSample   = "invalid workout sample"
	reasonInvalidLap       = "invalid workout lap"
	reasonOutsideWorkout   = "workout detail outside the workout"
	reasonUnknownWSamplePf = "unknown workout sample type "
)

// detailSlack is how far outside a workout's span its detail may lie
// (clocks of phone and watch differ a little).
const detailSlack = time.Minute

// workoutSampleTypes maps the SDK's in-workout sample types (compared in
// lower case, without "_") to catalog series and their conversion.
var workoutSampleTypes = map[string]struct {
	series  string
	convert conversion
}{
	"heartrate":                  {"heart_rate", nil},
	"cadence":                    {"cadence", nil},
	"stepcadence":                {"cadence", nil},
	"cyclingcadence":             {"cadence", nil},
	"runningcadence":             {"cadence", nil},
	"speed":                      {"speed", toMetresPerSecond},
	"runningspeed":               {"speed", toMetresPerSecond},
	"cyclingspeed":               {"speed", toMetresPerSecond},
	"power":                      {"power", nil},
	"runningpower":               {"power", nil},
	"cyclingpower":               {"power", nil},
	"altitude":                   {"elevation", toMetres},
	"elevation":                  {"elevation", toMetres},
	"temperature":                {"air_temperature", toCelsius},
	"runningstridelength":        {"running_stride_length", toCentimetresFromMetres},
	"runningverticaloscillation": {"running_vertical_oscillation", toCentimetres},
	"runninggroundcontacttime":   {"running_ground_contact_time", toMilliseconds},
	"respiratoryrate":            {"respiratory_rate", nil},
	"oxygensaturation":           {"oxygen_saturation", fractionToPercent},
}

var workoutSampleMetrics = map[string]metric{}

var (
	latitudeMetric  metric
	longitudeMetric metric
	elevationMetric metric
)

func init() {
	for name, t := range workoutSampleTypes {
		workoutSampleMetrics[name] = seriesMetric(t.series, t.convert)
	}
	latitudeMetric = seriesMetric("latitude", nil)
	longitudeMetric = seriesMetric("longitude", nil)
	elevationMetric = seriesMetric("elevation", nil)
}

// RoutePoint is one GPS point of a workout route.
type RoutePoint struct {
	Timestamp           string `json:"timestamp"`
	Latitude            Number `json:"latitude"`
	Longitude           Number `json:"longitude"`
	AltitudeM           Number `json:"altitudeM"`
	HorizontalAccuracyM Number `json:"horizontalAccuracyM"`
	VerticalAccuracyM   Number `json:"verticalAccuracyM"`
}

// WorkoutSample is one value recorded during a workout.
type WorkoutSample struct {
	Timestamp string `json:"timestamp"`
	Type      string `json:"type"`
	Value     Number `json:"value"`
	Unit      string `json:"unit"`
}

// items decodes a raw JSON array item by item; a value that is not an
// array counts as one bad item.
func (n *normalizer) items(raw json.RawMessage, reason string) []json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var out []json.RawMessage
	if json.Unmarshal(raw, &out) != nil {
		n.out.Skip(reason)
		return nil
	}
	return out
}

// within reports whether t lies in the workout's span, with slack.
func within(t, start, end time.Time) bool {
	return !t.Before(start.Add(-detailSlack)) && !t.After(end.Add(detailSlack))
}

// workoutDetail turns a workout's route and samples into samples of its
// source and returns its laps.
func (n *normalizer) workoutDetail(w *Workout, src schemas.Source, start, end time.Time, zone int32) []schemas.WorkoutLap {
	for _, raw := range n.items(w.Route, reasonInvalidRoute) {
		var p RoutePoint
		if json.Unmarshal(raw, &p) != nil {
			n.out.Skip(reasonInvalidRoute)
			continue
		}
		ts, _, ok := parseTime(p.Timestamp)
		lat, lon := p.Latitude, p.Longitude
		if !ok || !lat.Valid || !lon.Valid || lat.Float < -90 || lat.Float > 90 || lon.Float < -180 || lon.Float > 180 {
			n.out.Skip(reasonInvalidRoute)
			continue
		}
		if !within(ts, start, end) {
			n.out.Skip(reasonOutsideWorkout)
			continue
		}
		n.addSample(src, latitudeMetric, ts, lat.Float, zone)
		n.addSample(src, longitudeMetric, ts, lon.Float, zone)
		if p.AltitudeM.Valid {
			n.addSample(src, elevationMetric, ts, p.AltitudeM.Float, zone)
		}
	}
	for _, raw := range n.items(w.Samples, reasonInvalidWSample) {
		var s WorkoutSample
		if json.Unmarshal(raw, &s) != nil {
			n.out.Skip(reasonInvalidWSample)
			continue
		}
		m, known := workoutSampleMetrics[strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s.Type)), "_", "")]
		if !known {
			if strings.TrimSpace(s.Type) == "" {
				n.out.Skip(reasonInvalidWSample)
			} else {
				n.out.Skip(reasonUnknownWSamplePf + ingest.Truncate(s.Type, 120))
			}
			continue
		}
		ts, _, ok := parseTime(s.Timestamp)
		if !ok || !s.Value.Valid {
			n.out.Skip(reasonInvalidWSample)
			continue
		}
		if !within(ts, start, end) {
			n.out.Skip(reasonOutsideWorkout)
			continue
		}
		n.addSample(src, m, ts, m.value(s.Value.Float, s.Unit), zone)
	}
	var laps []schemas.WorkoutLap
	laps = n.laps(laps, w.Laps, "lap", start, end)
	laps = n.laps(laps, w.Segments, "segment", start, end)
	slices.SortStableFunc(laps, func(a, b schemas.WorkoutLap) int {
		if c := a.StartTime.Compare(b.StartTime); c != 0 {
			return c
		}
		return strings.Compare(a.Kind, b.Kind)
	})
	return laps
}

// lapFields are the names a lap's fields go by, first match wins.
var lapFields = struct {
	start, end, duration, distance, calories, heartRate, speed, strokes, stroke []string
}{
	start:     []string{"startDate", "startTime", "start", "timestamp"},
	end:       []string{"endDate", "endTime", "end"},
	duration:  []string{"duration", "durationSeconds"},
	distance:  []string{"distance", "distanceM", "distanceMeters", "totalDistance"},
	calories:  []string{"calories", "activeEnergyBurned", "energy", "totalCalories"},
	heartRate: []string{"averageHeartRate", "avgHeartRate", "meanHeartRate"},
	speed:     []string{"averageSpeed", "avgSpeed", "meanSpeed"},
	strokes:   []string{"strokeCount", "swimmingStrokeCount", "totalStrokes"},
	stroke:    []string{"swimmingStrokeStyle", "strokeStyle", "swimStroke"},
}

// laps appends the laps (or segments) of a workout to out. A lap needs a
// start and an end (or a duration) inside the workout. A number may be
// given bare or as {"value", "unit"}.
func (n *normalizer) laps(out []schemas.WorkoutLap, raw json.RawMessage, kind string, wStart, wEnd time.Time) []schemas.WorkoutLap {
	index := int32(0)
	for _, item := range n.items(raw, reasonInvalidLap) {
		var f map[string]json.RawMessage
		if json.Unmarshal(item, &f) != nil {
			n.out.Skip(reasonInvalidLap)
			continue
		}
		start, ok := lapTime(f, lapFields.start)
		if !ok {
			n.out.Skip(reasonInvalidLap)
			continue
		}
		end, ok := lapTime(f, lapFields.end)
		if !ok {
			d, dok := lapNumber(f, lapFields.duration, toSeconds)
			if !dok || d < 0 {
				n.out.Skip(reasonInvalidLap)
				continue
			}
			end = start.Add(time.Duration(d * float64(time.Second)))
		}
		if end.Before(start) {
			n.out.Skip(reasonInvalidLap)
			continue
		}
		if !within(start, wStart, wEnd) || !within(end, wStart, wEnd) {
			n.out.Skip(reasonOutsideWorkout)
			continue
		}
		lap := schemas.WorkoutLap{Kind: kind, Index: index, StartTime: start, EndTime: end}
		lap.DistanceMeters = optional(lapNumber(f, lapFields.distance, toMetres))
		lap.CaloriesKcal = optional(lapNumber(f, lapFields.calories, toKilocalories))
		lap.AvgHeartRateBPM = optional(lapNumber(f, lapFields.heartRate, nil))
		lap.AvgSpeedMPS = optional(lapNumber(f, lapFields.speed, toMetresPerSecond))
		lap.StrokeCount = optional(lapNumber(f, lapFields.strokes, nil))
		for _, name := range lapFields.stroke {
			var s string
			if json.Unmarshal(f[name], &s) == nil && s != "" {
				lap.SwimmingStroke = ingest.Truncate(strings.ToLower(strings.TrimSpace(s)), 40)
				break
			}
		}
		out = append(out, lap)
		index++
	}
	return out
}

func lapTime(f map[string]json.RawMessage, names []string) (time.Time, bool) {
	for _, name := range names {
		var s string
		if json.Unmarshal(f[name], &s) == nil {
			if t, _, ok := parseTime(s); ok {
				return t, true
			}
		}
	}
	return time.Time{}, false
}

// lapNumber reads the first of names that holds a number, bare or as
// {"value", "unit"}, converted with convert.
func lapNumber(f map[string]json.RawMessage, names []string, convert conversion) (float64, bool) {
	for _, name := range names {
		raw, ok := f[name]
		if !ok {
			continue
		}
		var unit string
		var n Number
		var st Statistic
		if len(raw) > 0 && raw[0] == '{' && json.Unmarshal(raw, &st) == nil {
			n, unit = st.Value, st.Unit
		} else {
			_ = json.Unmarshal(raw, &n) // a Number never fails to decode
		}
		if !n.Valid {
			continue
		}
		if convert != nil {
			return ingest.Tidy(convert(n.Float, unit)), true
		}
		return n.Float, true
	}
	return 0, false
}

func optional(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}
