// Package googlehealth connects Google accounts through the cloud Google
// Health API (providers.md §8) and normalises its data points into
// canonical workouts, sleep sessions and samples. It registers the
// provider google_health: the name google belongs to the mobile SDK path
// (Health Connect uploads, raw topic wearables.raw.google), and the two
// stay apart, as in Open Wearables, whose cloud data is tagged
// google_health_api.
//
// Which body it is:
//
//   - an object with "dataPoints": a list of data points (GET
//     /v4/users/me/dataTypes/{type}/dataPoints); each holds one data type
//     under its camelCase name: exercise (workouts), sleep (sessions with
//     stages), steps, distance and floors (interval samples), heartRate and
//     weight (samples), dailyRestingHeartRate (daily values); others are
//     counted as skipped;
//   - an array of {"data": …} notifications, or {"type": "verification"}:
//     webhook bodies, which carry no data and are counted as skipped, but
//     for a DELETE: of exercise or sleep, it becomes a range deletion of
//     the workouts or sessions starting in each interval; of a sample data
//     type, a range deletion of the samples of its series and source in
//     each interval (whole UTC days for daily resting heart rate, whose
//     samples sit at midnight).
//
// Anything else is an error. Times are RFC 3339; offsets and durations are
// proto3 JSON durations ("3600s"); int64 fields (steps, beats per minute,
// distance and altitude in millimetres) are JSON strings, doubles (weight
// in grams, calories) numbers, and either form is read. A data point is
// identified by its name.
//
// Checked against Google's reference
// (https://developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints
// and the generated client references of the same types): the DataPoint
// layout (name, dataSource.device {displayName, manufacturer, formFactor},
// the union field named after the data type); exercise {interval,
// exerciseType, displayName, activeDuration, metricsSummary
// {caloriesKcal, distanceMillimeters, elevationGainMillimeters: doubles;
// steps, averageHeartRateBeatsPerMinute: int64}}; sleep {interval,
// type, stages [{type AWAKE|LIGHT|DEEP|REM|ASLEEP|RESTLESS, startTime,
// endTime}], metadata {nap}, summary}, where nap lives in metadata; steps,
// distance {millimeters}, floors {count} with an interval {startTime,
// endTime, startUtcOffset, endUtcOffset}; heartRate and weight
// {weightGrams} with sampleTime {physicalTime, utcOffset};
// dailyRestingHeartRate {date {year, month, day}, beatsPerMinute}; the
// list response {dataPoints, nextPageToken}; kebab-case data type ids in
// URLs and snake_case ones in filters (client.go). Not checked, because
// the reference pages consulted do not show them: the notification body
// (webhook.go), the literal form of a {type}.date filter, and live
// answers; the exercise type table is Open Wearables' (sports.go).
package googlehealth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func init() {
	ingest.Register(ingest.Provider{Name: provider, DisplayName: "Google Health", Normalize: Normalize})
}

const provider = "google_health"

var (
	accountSource = schemas.Source{Provider: provider, ID: provider + ":account"}
	dailySource   = schemas.Source{Provider: provider, ID: provider + ":daily", Name: "Google Health daily summary"}
)

// ErrUnknownShape is the error of a JSON body that is none of the Google
// Health API's responses.
var ErrUnknownShape = errors.New("not a known google health payload")

// Normalize turns one Google Health API response into canonical records.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	body = bytes.TrimSpace(body)
	n := &normalizer{ingest.NewNormalizing(ctx, provider)}
	if len(body) == 0 {
		return ingest.Records{}, errors.New("cannot decode google health body: it is empty")
	}
	if body[0] == '[' {
		var items []struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &items); err != nil {
			return ingest.Records{}, fmt.Errorf("cannot decode google health body: %w", err)
		}
		for _, it := range items {
			if len(it.Data) == 0 {
				return ingest.Records{}, fmt.Errorf("cannot normalise google health body: %w (an array item without data)", ErrUnknownShape)
			}
			n.notification(it.Data)
		}
		return n.Out, nil
	}
	keys, ok := ingest.ObjectKeys(body)
	if !ok {
		if json.Valid(body) {
			return ingest.Records{}, fmt.Errorf("cannot normalise google health body: %w (a JSON scalar)", ErrUnknownShape)
		}
		return ingest.Records{}, fmt.Errorf("cannot decode google health body: %w", json.Unmarshal(body, new(any)))
	}
	switch {
	case keys["dataPoints"] != nil:
		var points []json.RawMessage
		if raw := bytes.TrimSpace(keys["dataPoints"]); string(raw) != "null" {
			if err := json.Unmarshal(raw, &points); err != nil {
				return ingest.Records{}, fmt.Errorf("cannot decode google health dataPoints: %w", err)
			}
		}
		for _, p := range points {
			n.point(p)
		}
	case keys["type"] != nil:
		n.Out.Skip("verification (no data)")
		return n.Out, nil
	default:
		return ingest.Records{}, fmt.Errorf("cannot normalise google health body: %w (an object without dataPoints)", ErrUnknownShape)
	}
	return n.Finish(), nil
}

// deletedKinds are the data types whose DELETE notifications remove
// records, with the kind of record they remove.
var deletedKinds = map[string]string{"exercise": ingest.DeleteWorkouts, "sleep": ingest.DeleteSleep}

// deletedSeries are the sample data types whose DELETE notifications
// remove samples: the series and the source id the normaliser writes them
// under.
var deletedSeries = map[string]struct {
	series, source string
	daily          bool
}{
	"steps":                    {"steps", accountSource.ID, false},
	"distance":                 {"distance_walking_running", accountSource.ID, false},
	"floors":                   {"flights_climbed", accountSource.ID, false},
	"heart-rate":               {"heart_rate", accountSource.ID, false},
	"weight":                   {"weight", accountSource.ID, false},
	"daily-resting-heart-rate": {"resting_heart_rate", dailySource.ID, true},
}

// deletable reports whether a DELETE of dataType is acted on.
func deletable(dataType string) bool {
	_, series := deletedSeries[dataType]
	return deletedKinds[dataType] != "" || series
}

// notification reads one notification: a DELETE of a data type the
// normaliser maps becomes a range deletion of each interval, rounded up to
// the next second as a fetch of it is; anything else is counted as skipped
// (an UPSERT is fetched).
func (n *normalizer) notification(data []byte) {
	var d Notification
	if json.Unmarshal(data, &d) != nil || !strings.EqualFold(d.Operation, "DELETE") {
		n.Out.Skip("notification (fetched)")
		return
	}
	if !deletable(d.DataType) {
		n.Out.Skip("delete of " + ingest.Truncate(d.DataType, 40) + " (no canonical record)")
		return
	}
	for _, iv := range d.Intervals {
		s, e, ok := iv.span()
		if !ok {
			n.Out.Skip("delete with an invalid interval")
			continue
		}
		if kind := deletedKinds[d.DataType]; kind != "" {
			n.Out.Deletions = append(n.Out.Deletions, ingest.RangeDeletion{Kind: kind, Start: s, End: e})
			continue
		}
		ds := deletedSeries[d.DataType]
		if ds.daily {
			s, e = s.Truncate(24*time.Hour), e.Add(24*time.Hour-time.Nanosecond).Truncate(24*time.Hour)
		}
		n.Out.Deletions = append(n.Out.Deletions, ingest.RangeDeletion{Kind: ingest.DeleteSamples, Start: s, End: e,
			SeriesTypes: []string{ds.series}, SourceID: ds.source})
	}
}

// normalizer holds the state of normalising one body.
type normalizer struct{ ingest.Normalizing }

// interval is a data point's time span.
type interval struct {
	StartTime      string `json:"startTime"`
	EndTime        string `json:"endTime"`
	StartUTCOffset string `json:"startUtcOffset"`
}

func (iv interval) read() (start, end time.Time, zone int32, ok bool) {
	s, err1 := time.Parse(time.RFC3339Nano, strings.TrimSpace(iv.StartTime))
	e, err2 := time.Parse(time.RFC3339Nano, strings.TrimSpace(iv.EndTime))
	if err1 != nil || err2 != nil || e.Before(s) || e.Sub(s) > 31*24*time.Hour {
		return time.Time{}, time.Time{}, 0, false
	}
	return s.UTC(), e.UTC(), offset(iv.StartUTCOffset), true
}

// offset reads a duration offset ("3600s") in minutes; 0 when unusable.
func offset(v string) int32 {
	v = strings.TrimSuffix(strings.TrimSpace(v), "s")
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f/60 != float64(int32(f/60)) || f/60 > ingest.MaxZoneOffset || f/60 < -ingest.MaxZoneOffset {
		return 0
	}
	return int32(f / 60)
}

// seconds reads a duration ("1800s") in seconds.
func seconds(v string) (float64, bool) {
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "s"), 64)
	return f, err == nil && f >= 0 && f <= 31*86400
}

// sampleTime is a sample data point's time.
type sampleTime struct {
	PhysicalTime string `json:"physicalTime"`
	UTCOffset    string `json:"utcOffset"`
}

func (st sampleTime) read() (time.Time, int32, bool) {
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(st.PhysicalTime))
	return at.UTC(), offset(st.UTCOffset), err == nil
}

type point struct {
	Name       string `json:"name"`
	DataSource struct {
		Device struct {
			DisplayName  string `json:"displayName"`
			Manufacturer string `json:"manufacturer"`
			FormFactor   string `json:"formFactor"`
		} `json:"device"`
	} `json:"dataSource"`
	Exercise *struct {
		Interval       interval `json:"interval"`
		ExerciseType   string   `json:"exerciseType"`
		DisplayName    string   `json:"displayName"`
		ActiveDuration string   `json:"activeDuration"`
		MetricsSummary struct {
			CaloriesKcal                   ingest.Number `json:"caloriesKcal"`
			DistanceMillimeters            ingest.Number `json:"distanceMillimeters"`
			Steps                          ingest.Number `json:"steps"`
			AverageHeartRateBeatsPerMinute ingest.Number `json:"averageHeartRateBeatsPerMinute"`
			ElevationGainMillimeters       ingest.Number `json:"elevationGainMillimeters"`
		} `json:"metricsSummary"`
	} `json:"exercise"`
	Sleep *struct {
		Interval interval `json:"interval"`
		Metadata struct {
			Nap bool `json:"nap"`
		} `json:"metadata"`
		Stages []struct {
			Type      string `json:"type"`
			StartTime string `json:"startTime"`
			EndTime   string `json:"endTime"`
		} `json:"stages"`
	} `json:"sleep"`
	Steps *struct {
		Interval interval      `json:"interval"`
		Count    ingest.Number `json:"count"`
	} `json:"steps"`
	Distance *struct {
		Interval    interval      `json:"interval"`
		Millimeters ingest.Number `json:"millimeters"`
	} `json:"distance"`
	Floors *struct {
		Interval interval      `json:"interval"`
		Count    ingest.Number `json:"count"`
	} `json:"floors"`
	HeartRate *struct {
		SampleTime     sampleTime    `json:"sampleTime"`
		BeatsPerMinute ingest.Number `json:"beatsPerMinute"`
	} `json:"heartRate"`
	Weight *struct {
		SampleTime  sampleTime    `json:"sampleTime"`
		WeightGrams ingest.Number `json:"weightGrams"`
	} `json:"weight"`
	DailyRestingHeartRate *struct {
		Date struct {
			Year, Month, Day int
		} `json:"date"`
		BeatsPerMinute ingest.Number `json:"beatsPerMinute"`
	} `json:"dailyRestingHeartRate"`
}

var stageTypes = map[string]string{
	"AWAKE": schemas.StageAwake, "LIGHT": schemas.StageLight, "DEEP": schemas.StageDeep, "REM": schemas.StageREM,
	"ASLEEP": schemas.StageSleeping, "RESTLESS": schemas.StageAwake,
}

func (n *normalizer) point(raw []byte) {
	var p point
	if err := json.Unmarshal(raw, &p); err != nil {
		n.Out.Skip("invalid data point")
		return
	}
	src := accountSource
	src.Device = strings.TrimSpace(p.DataSource.Device.DisplayName)
	src.DeviceType = strings.ToLower(strings.TrimSpace(p.DataSource.Device.FormFactor))
	switch {
	case p.Exercise != nil:
		e := p.Exercise
		start, end, zone, ok := e.Interval.read()
		if !ok || p.Name == "" {
			n.Out.Skip("invalid exercise")
			return
		}
		unified := WorkoutType(strings.TrimSpace(e.ExerciseType))
		w := schemas.Workout{
			ID: schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "workout", p.Name), Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID,
			Source: src, ProviderRecordID: p.Name, Type: unified, Name: strings.TrimSpace(e.DisplayName),
			StartTime: start, EndTime: end, ZoneOffset: zone, DurationSeconds: end.Sub(start).Seconds(),
			CaloriesKcal:        positive(e.MetricsSummary.CaloriesKcal, 1),
			DistanceMeters:      positive(e.MetricsSummary.DistanceMillimeters, 0.001),
			Steps:               positive(e.MetricsSummary.Steps, 1),
			AvgHeartRateBPM:     positive(e.MetricsSummary.AverageHeartRateBeatsPerMinute, 1),
			ElevationGainMeters: positive(e.MetricsSummary.ElevationGainMillimeters, 0.001),
			Version:             n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
		}
		if active, ok := seconds(e.ActiveDuration); ok && active > 0 {
			w.DurationSeconds = active
		}
		if w.DistanceMeters != nil && w.DurationSeconds > 0 {
			v := ingest.Tidy(*w.DistanceMeters / w.DurationSeconds)
			w.AvgSpeedMPS = &v
			if schemas.ReportsPace(unified) {
				pace := ingest.Tidy(w.DurationSeconds / (*w.DistanceMeters / 1000))
				w.AvgPaceSecPerKm = &pace
			}
		}
		n.Out.Workouts = append(n.Out.Workouts, w)
	case p.Sleep != nil:
		s := p.Sleep
		start, end, zone, ok := s.Interval.read()
		// A session must end after it starts (read lets the two be equal,
		// as an exercise may).
		if !ok || p.Name == "" || !end.After(start) {
			n.Out.Skip("invalid sleep")
			return
		}
		out := schemas.Sleep{
			ID: schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "sleep", p.Name), Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID,
			Source: src, ProviderRecordID: p.Name, StartTime: start, EndTime: end, ZoneOffset: zone,
			DurationSeconds: end.Sub(start).Seconds(), InBedSeconds: end.Sub(start).Seconds(), IsNap: s.Metadata.Nap,
			Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
		}
		minutes := map[string]float64{}
		for _, st := range s.Stages {
			stage, known := stageTypes[strings.ToUpper(strings.TrimSpace(st.Type))]
			ss, e1 := time.Parse(time.RFC3339Nano, st.StartTime)
			se, e2 := time.Parse(time.RFC3339Nano, st.EndTime)
			if !known || e1 != nil || e2 != nil || !se.After(ss) || se.Sub(ss) > 48*time.Hour {
				n.Out.Skip("invalid sleep stage")
				continue
			}
			// A stage is kept within its session, so that the stage totals
			// and the time asleep never exceed the time in bed.
			ss, se = ss.UTC(), se.UTC()
			if ss.Before(start) {
				ss = start
			}
			if se.After(end) {
				se = end
			}
			if !se.After(ss) {
				n.Out.Skip("sleep stage outside the session")
				continue
			}
			out.Intervals = append(out.Intervals, schemas.SleepInterval{Stage: stage, Start: ss, End: se})
			minutes[stage] += se.Sub(ss).Minutes()
		}
		if len(out.Intervals) > 0 {
			out.Stages = &schemas.SleepStages{AwakeMinutes: minutes[schemas.StageAwake], LightMinutes: minutes[schemas.StageLight],
				DeepMinutes: minutes[schemas.StageDeep], RemMinutes: minutes[schemas.StageREM]}
			// Overlapping stages may still add up to more than the session.
			out.SleepDurationSeconds = min((minutes[schemas.StageLight]+minutes[schemas.StageDeep]+minutes[schemas.StageREM]+minutes[schemas.StageSleeping])*60, out.InBedSeconds)
		} else {
			out.SleepDurationSeconds = out.DurationSeconds
		}
		n.Out.Sleep = append(n.Out.Sleep, out)
	case p.Steps != nil:
		start, _, zone, ok := p.Steps.Interval.read()
		if !ok || !p.Steps.Count.Set || p.Steps.Count.Value < 0 {
			n.Out.Skip("invalid steps")
			return
		}
		n.Samples.Add(src, "steps", start, ingest.Tidy(p.Steps.Count.Value), zone, false)
	case p.Distance != nil:
		start, _, zone, ok := p.Distance.Interval.read()
		if mm := p.Distance.Millimeters; !ok || !mm.Set || mm.Value < 0 {
			n.Out.Skip("invalid distance")
			return
		}
		n.Samples.Add(src, "distance_walking_running", start, ingest.Tidy(p.Distance.Millimeters.Value/1000), zone, false)
	case p.Floors != nil:
		start, _, zone, ok := p.Floors.Interval.read()
		if c := p.Floors.Count; !ok || !c.Set || c.Value < 0 {
			n.Out.Skip("invalid floors")
			return
		}
		n.Samples.Add(src, "flights_climbed", start, ingest.Tidy(p.Floors.Count.Value), zone, false)
	case p.HeartRate != nil:
		at, zone, ok := p.HeartRate.SampleTime.read()
		if bpm := p.HeartRate.BeatsPerMinute; !ok || !bpm.Set || bpm.Value <= 0 || bpm.Value > 300 {
			n.Out.Skip("invalid heart rate")
			return
		}
		n.Samples.Add(src, "heart_rate", at, ingest.Tidy(p.HeartRate.BeatsPerMinute.Value), zone, false)
	case p.Weight != nil:
		at, zone, ok := p.Weight.SampleTime.read()
		if g := p.Weight.WeightGrams; !ok || !g.Set || g.Value <= 0 || g.Value > 700_000 {
			n.Out.Skip("invalid weight")
			return
		}
		n.Samples.Add(src, "weight", at, ingest.Tidy(p.Weight.WeightGrams.Value/1000), zone, false)
	case p.DailyRestingHeartRate != nil:
		d := p.DailyRestingHeartRate
		at := time.Date(d.Date.Year, time.Month(d.Date.Month), d.Date.Day, 0, 0, 0, 0, time.UTC)
		if d.Date.Year < 1970 || d.Date.Year > 9999 || at.Month() != time.Month(d.Date.Month) || at.Day() != d.Date.Day || !d.BeatsPerMinute.Set || d.BeatsPerMinute.Value <= 0 || d.BeatsPerMinute.Value > 300 {
			n.Out.Skip("invalid daily resting heart rate")
			return
		}
		n.Samples.Add(dailySource, "resting_heart_rate", at, ingest.Tidy(d.BeatsPerMinute.Value), 0, true)
	default:
		n.Out.Skip("data point of an unread type")
	}
}

// positive reads a positive value scaled by factor; anything else is none.
func positive(x ingest.Number, factor float64) *float64 {
	if !x.Set || x.Value <= 0 {
		return nil
	}
	v := ingest.Tidy(x.Value * factor)
	return &v
}
