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
//     stages), steps (interval counts), heartRate (samples),
//     dailyRestingHeartRate (daily values); others are counted as skipped;
//   - an array of {"data": …} notifications, or {"type": "verification"}:
//     webhook bodies, which carry no data and are counted as skipped, but
//     for a DELETE of exercise or sleep: it becomes a range deletion of
//     each interval (the workouts or sessions starting in it).
//
// Anything else is an error. Times are RFC 3339; offsets are durations
// ("3600s"). A data point is identified by its name.
//
// The layout of data points follows the field list of providers.md §8
// and Open Wearables' schemas; it was not checked against live answers.
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
	n := &normalizer{
		ctx: ctx, version: ctx.ReceivedAt.UnixMilli(), ingested: ctx.ReceivedAt.UTC(),
		samples: ingest.NewSampleBatches(ctx, provider, ingest.SumSeries),
	}
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
		return n.out, nil
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
		n.out.Skip("verification (no data)")
		return n.out, nil
	default:
		return ingest.Records{}, fmt.Errorf("cannot normalise google health body: %w (an object without dataPoints)", ErrUnknownShape)
	}
	n.samples.Finish(&n.out)
	n.out.DedupeByID()
	return n.out, nil
}

// deletedKinds are the data types whose DELETE notifications remove
// records, with the kind of record they remove.
var deletedKinds = map[string]string{"exercise": ingest.DeleteWorkouts, "sleep": ingest.DeleteSleep}

// notification reads one notification: a DELETE of exercise or sleep
// becomes a range deletion of each interval, rounded up to the next second
// as a fetch of it is; anything else is counted as skipped (an UPSERT is
// fetched).
func (n *normalizer) notification(data []byte) {
	var d Notification
	if json.Unmarshal(data, &d) != nil || !strings.EqualFold(d.Operation, "DELETE") {
		n.out.Skip("notification (fetched)")
		return
	}
	kind := deletedKinds[d.DataType]
	if kind == "" {
		n.out.Skip("delete of " + ingest.Truncate(d.DataType, 40) + " (no canonical record)")
		return
	}
	for _, iv := range d.Intervals {
		s, e, ok := iv.span()
		if !ok {
			n.out.Skip("delete with an invalid interval")
			continue
		}
		n.out.Deletions = append(n.out.Deletions, ingest.RangeDeletion{Kind: kind, Start: s, End: e})
	}
}

type normalizer struct {
	ctx      ingest.Context
	version  int64
	ingested time.Time
	out      ingest.Records
	samples  *ingest.SampleBatches
}

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
		Nap      bool     `json:"nap"`
		Stages   []struct {
			Type      string `json:"type"`
			StartTime string `json:"startTime"`
			EndTime   string `json:"endTime"`
		} `json:"stages"`
	} `json:"sleep"`
	Steps *struct {
		Interval interval      `json:"interval"`
		Count    ingest.Number `json:"count"`
	} `json:"steps"`
	HeartRate *struct {
		SampleTime struct {
			PhysicalTime string `json:"physicalTime"`
			UTCOffset    string `json:"utcOffset"`
		} `json:"sampleTime"`
		BeatsPerMinute ingest.Number `json:"beatsPerMinute"`
	} `json:"heartRate"`
	DailyRestingHeartRate *struct {
		Date struct {
			Year, Month, Day int
		} `json:"date"`
		BeatsPerMinute ingest.Number `json:"beatsPerMinute"`
	} `json:"dailyRestingHeartRate"`
}

var stageTypes = map[string]string{
	"AWAKE": schemas.StageAwake, "LIGHT": schemas.StageLight, "DEEP": schemas.StageDeep, "REM": schemas.StageREM,
	"ASLEEP": schemas.StageSleeping, "OUT_OF_BED": schemas.StageAwake,
}

func (n *normalizer) point(raw []byte) {
	var p point
	if err := json.Unmarshal(raw, &p); err != nil {
		n.out.Skip("invalid data point")
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
			n.out.Skip("invalid exercise")
			return
		}
		unified := WorkoutType(strings.TrimSpace(e.ExerciseType))
		w := schemas.Workout{
			ID: schemas.RecordID(n.ctx.Tenant, n.ctx.UserID, provider, "workout", p.Name), Tenant: n.ctx.Tenant, UserID: n.ctx.UserID,
			Source: src, ProviderRecordID: p.Name, Type: unified, Name: strings.TrimSpace(e.DisplayName),
			StartTime: start, EndTime: end, ZoneOffset: zone, DurationSeconds: end.Sub(start).Seconds(),
			CaloriesKcal:        positive(e.MetricsSummary.CaloriesKcal, 1),
			DistanceMeters:      positive(e.MetricsSummary.DistanceMillimeters, 0.001),
			Steps:               positive(e.MetricsSummary.Steps, 1),
			AvgHeartRateBPM:     positive(e.MetricsSummary.AverageHeartRateBeatsPerMinute, 1),
			ElevationGainMeters: positive(e.MetricsSummary.ElevationGainMillimeters, 0.001),
			Version:             n.version, RawEventID: n.ctx.RawEventID, IngestedAt: n.ingested,
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
		n.out.Workouts = append(n.out.Workouts, w)
	case p.Sleep != nil:
		s := p.Sleep
		start, end, zone, ok := s.Interval.read()
		if !ok || p.Name == "" {
			n.out.Skip("invalid sleep")
			return
		}
		out := schemas.Sleep{
			ID: schemas.RecordID(n.ctx.Tenant, n.ctx.UserID, provider, "sleep", p.Name), Tenant: n.ctx.Tenant, UserID: n.ctx.UserID,
			Source: src, ProviderRecordID: p.Name, StartTime: start, EndTime: end, ZoneOffset: zone,
			DurationSeconds: end.Sub(start).Seconds(), InBedSeconds: end.Sub(start).Seconds(), IsNap: s.Nap,
			Version: n.version, RawEventID: n.ctx.RawEventID, IngestedAt: n.ingested,
		}
		minutes := map[string]float64{}
		for _, st := range s.Stages {
			stage, known := stageTypes[strings.ToUpper(strings.TrimSpace(st.Type))]
			ss, e1 := time.Parse(time.RFC3339Nano, st.StartTime)
			se, e2 := time.Parse(time.RFC3339Nano, st.EndTime)
			if !known || e1 != nil || e2 != nil || !se.After(ss) || se.Sub(ss) > 48*time.Hour {
				n.out.Skip("invalid sleep stage")
				continue
			}
			out.Intervals = append(out.Intervals, schemas.SleepInterval{Stage: stage, Start: ss.UTC(), End: se.UTC()})
			minutes[stage] += se.Sub(ss).Minutes()
		}
		if len(out.Intervals) > 0 {
			out.Stages = &schemas.SleepStages{AwakeMinutes: minutes[schemas.StageAwake], LightMinutes: minutes[schemas.StageLight],
				DeepMinutes: minutes[schemas.StageDeep], RemMinutes: minutes[schemas.StageREM]}
			out.SleepDurationSeconds = (minutes[schemas.StageLight] + minutes[schemas.StageDeep] + minutes[schemas.StageREM] + minutes[schemas.StageSleeping]) * 60
		} else {
			out.SleepDurationSeconds = out.DurationSeconds
		}
		n.out.Sleep = append(n.out.Sleep, out)
	case p.Steps != nil:
		start, _, zone, ok := p.Steps.Interval.read()
		if !ok || !p.Steps.Count.Set || p.Steps.Count.Value < 0 {
			n.out.Skip("invalid steps")
			return
		}
		n.samples.Add(src, "steps", start, ingest.Tidy(p.Steps.Count.Value), zone, false)
	case p.HeartRate != nil:
		at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(p.HeartRate.SampleTime.PhysicalTime))
		if bpm := p.HeartRate.BeatsPerMinute; err != nil || !bpm.Set || bpm.Value <= 0 || bpm.Value > 300 {
			n.out.Skip("invalid heart rate")
			return
		}
		n.samples.Add(src, "heart_rate", at.UTC(), ingest.Tidy(p.HeartRate.BeatsPerMinute.Value), offset(p.HeartRate.SampleTime.UTCOffset), false)
	case p.DailyRestingHeartRate != nil:
		d := p.DailyRestingHeartRate
		at := time.Date(d.Date.Year, time.Month(d.Date.Month), d.Date.Day, 0, 0, 0, 0, time.UTC)
		if d.Date.Year < 1970 || d.Date.Year > 9999 || at.Month() != time.Month(d.Date.Month) || at.Day() != d.Date.Day || !d.BeatsPerMinute.Set || d.BeatsPerMinute.Value <= 0 || d.BeatsPerMinute.Value > 300 {
			n.out.Skip("invalid daily resting heart rate")
			return
		}
		n.samples.Add(dailySource, "resting_heart_rate", at, ingest.Tidy(d.BeatsPerMinute.Value), 0, true)
	default:
		n.out.Skip("data point of an unread type")
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
