// Package fitbit connects Fitbit accounts through the Fitbit Web API
// (providers.md §7) and its Subscriptions API, and normalises Fitbit's
// responses into canonical workouts, sleep sessions and samples. It
// registers the provider fitbit.
//
// Which body it is. The top-level key decides:
//
//   - "activities": an activity log list (workouts);
//   - "sleep": sleep logs v1.2, "stages" (wake, light, deep, rem) or
//     "classic" (awake, restless, asleep); wearstream adds
//     "offsetFromUTCMillis", the user's offset from the profile, when it
//     fetches them, as Fitbit gives sleep times in local time without an
//     offset (without it they are read as UTC and counted as skipped);
//   - "activities-heart": daily heart rate summaries (resting heart rate)
//     and, with "activities-heart-intraday", that day's heart rate at
//     minute or second detail ({"time": "HH:mm:ss", "value": bpm}, local
//     times of the date of activities-heart[0]) as heart_rate samples of
//     "fitbit:account"; wearstream adds "offsetFromUTCMillis" to these
//     bodies too, as for sleep, and an invalid point is skipped;
//   - "hrv": daily heart rate variability (dailyRmssd);
//   - "weight": body weight logs (weight, body fat);
//   - "dateTime" with "value", or an array of them: SpO2 (the average);
//   - an array of objects with "collectionType": a subscription
//     notification, which carries no data and is counted as skipped, as
//     is a token response.
//
// Anything else is an error. Units are metric (wearstream sends no
// Accept-Language); an activity's distance is converted from its
// distanceUnit. Daily values are placed at the start of their day, UTC,
// and come from "fitbit:daily".
package fitbit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

func init() {
	ingest.Register(ingest.Provider{Name: provider, DisplayName: "Fitbit", Normalize: Normalize})
}

const provider = "fitbit"

var (
	accountSource = schemas.Source{Provider: provider, ID: provider + ":account"}
	dailySource   = schemas.Source{Provider: provider, ID: provider + ":daily", Name: "Fitbit daily summary"}
)

// ErrUnknownShape is the error of a JSON body that is none of Fitbit's
// responses.
var ErrUnknownShape = errors.New("not a known fitbit payload")

// Normalize turns one Fitbit response into canonical records.
func Normalize(ctx ingest.Context, body []byte) (ingest.Records, error) {
	body = bytes.TrimSpace(body)
	n := &normalizer{ingest.NewNormalizing(ctx, provider)}
	var err error
	switch {
	case len(body) == 0:
		err = errors.New("cannot decode fitbit body: it is empty")
	case body[0] == '[':
		err = n.array(body)
	case body[0] == '{':
		err = n.object(body)
	case json.Valid(body):
		err = fmt.Errorf("cannot normalise fitbit body: %w (a JSON scalar)", ErrUnknownShape)
	default:
		err = fmt.Errorf("cannot decode fitbit body: %w", json.Unmarshal(body, new(any)))
	}
	if err != nil {
		return ingest.Records{}, err
	}
	return n.Finish(), nil
}

// normalizer holds the state of normalising one body.
type normalizer struct{ ingest.Normalizing }

func (n *normalizer) object(body []byte) error {
	keys, ok := ingest.ObjectKeys(body)
	if !ok {
		return fmt.Errorf("cannot decode fitbit body: %w", json.Unmarshal(body, new(map[string]any)))
	}
	list := func(k string) ([]json.RawMessage, error) {
		var items []json.RawMessage
		if raw := bytes.TrimSpace(keys[k]); len(raw) > 0 && string(raw) != "null" {
			if err := json.Unmarshal(raw, &items); err != nil {
				return nil, fmt.Errorf("cannot decode fitbit %s: %w", k, err)
			}
		}
		return items, nil
	}
	var key string
	for _, k := range []string{"activities", "sleep", "activities-heart", "hrv", "weight", "dateTime"} {
		if _, ok := keys[k]; ok {
			key = k
			break
		}
	}
	if _, ok := keys["access_token"]; ok && key == "" {
		n.Out.Skip("token response (no data)")
		return nil
	}
	if key == "dateTime" {
		n.spo2(body)
		return nil
	}
	if key == "" {
		return fmt.Errorf("cannot normalise fitbit body: %w (an object with none of activities, sleep, activities-heart, hrv, weight and dateTime)", ErrUnknownShape)
	}
	items, err := list(key)
	if err != nil {
		return err
	}
	var offset ingest.Number
	if raw, ok := keys["offsetFromUTCMillis"]; ok {
		_ = json.Unmarshal(raw, &offset)
	}
	switch key {
	case "activities":
		for _, raw := range items {
			if err := n.activity(raw); err != nil {
				n.Out.Skip("invalid activity")
			}
		}
	case "sleep":
		for _, raw := range items {
			if err := n.sleep(raw, offset); err != nil {
				n.Out.Skip("invalid sleep")
			}
		}
	case "activities-heart":
		for _, raw := range items {
			var d struct {
				DateTime string `json:"dateTime"`
				Value    struct {
					RestingHeartRate ingest.Number `json:"restingHeartRate"`
				} `json:"value"`
			}
			if json.Unmarshal(raw, &d) != nil {
				n.Out.Skip("invalid heart rate day")
				continue
			}
			n.daily(d.DateTime, "resting_heart_rate", d.Value.RestingHeartRate, "heart rate day")
		}
		if raw, ok := keys["activities-heart-intraday"]; ok {
			n.heartIntraday(raw, items, offset)
		}
	case "hrv":
		for _, raw := range items {
			var d struct {
				DateTime string `json:"dateTime"`
				Value    struct {
					DailyRmssd ingest.Number `json:"dailyRmssd"`
				} `json:"value"`
			}
			if json.Unmarshal(raw, &d) != nil {
				n.Out.Skip("invalid hrv day")
				continue
			}
			n.daily(d.DateTime, "heart_rate_variability_rmssd", d.Value.DailyRmssd, "hrv day")
		}
	case "weight":
		for _, raw := range items {
			n.weight(raw)
		}
	}
	return nil
}

func (n *normalizer) array(body []byte) error {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return fmt.Errorf("cannot decode fitbit body: %w", err)
	}
	known := 0
	for _, raw := range items {
		keys, ok := ingest.ObjectKeys(raw)
		switch {
		case !ok:
			n.Out.Skip("unknown fitbit list item")
		case keys["collectionType"] != nil:
			known++
			n.Out.Skip("subscription notification (fetched)")
		case keys["dateTime"] != nil && keys["value"] != nil:
			known++
			n.spo2(raw)
		default:
			n.Out.Skip("unknown fitbit list item")
		}
	}
	if known == 0 && len(items) > 0 {
		return fmt.Errorf("cannot normalise fitbit body: %w (an array of %d items, none a notification or SpO2 day)", ErrUnknownShape, len(items))
	}
	return nil
}

// day reads a yyyy-MM-dd date as the start of that day, UTC.
func day(s string) (time.Time, bool) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	return t, err == nil
}

// daily adds one daily value of series at the start of date.
func (n *normalizer) daily(date, series string, v ingest.Number, what string) {
	at, ok := day(date)
	switch {
	case !ok:
		n.Out.Skip("invalid " + what + " date")
	case !v.Set:
		if v.Bad {
			n.Out.Skip("invalid " + what + " value")
		}
	case v.Value <= 0:
		n.Out.Skip("no value: " + what + " 0")
	default:
		n.Samples.Add(dailySource, series, at, ingest.Tidy(v.Value), 0, true)
	}
}

// zoneOffset reads the offsetFromUTCMillis that wearstream adds to bodies
// of local times; without a valid one, what is read as UTC and counted.
func (n *normalizer) zoneOffset(v ingest.Number, what string) (ms int64) {
	switch {
	case v.Set && v.Value >= -ingest.MaxZoneOffset*60e3 && v.Value <= ingest.MaxZoneOffset*60e3:
		return int64(v.Value)
	case v.Set || v.Bad:
		n.Out.Skip("invalid offsetFromUTCMillis (" + what + " read as UTC)")
	default:
		n.Out.Skip(what + " without offsetFromUTCMillis (read as UTC)")
	}
	return 0
}

// heartIntraday reads the heart rate of one day at minute or second
// detail, {"dataset": [{"time": "HH:mm:ss", "value": bpm}], ...}: local
// times of the day of activities-heart[0].
func (n *normalizer) heartIntraday(raw json.RawMessage, days []json.RawMessage, offset ingest.Number) {
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || string(raw) == "null" {
		return
	}
	var in struct {
		Dataset []json.RawMessage `json:"dataset"`
	}
	if json.Unmarshal(raw, &in) != nil {
		n.Out.Skip("invalid heart rate intraday")
		return
	}
	if len(in.Dataset) == 0 {
		return
	}
	var d struct {
		DateTime string `json:"dateTime"`
	}
	if len(days) > 0 {
		_ = json.Unmarshal(days[0], &d)
	}
	date := strings.TrimSpace(d.DateTime)
	if _, ok := day(date); !ok {
		for range in.Dataset {
			n.Out.Skip("heart rate sample without a date")
		}
		return
	}
	offMs := n.zoneOffset(offset, "heart rate")
	for _, raw := range in.Dataset {
		var p struct {
			Time  string        `json:"time"`
			Value ingest.Number `json:"value"`
		}
		if json.Unmarshal(raw, &p) != nil {
			n.Out.Skip("invalid heart rate sample")
			continue
		}
		at, err := time.Parse(time.DateTime, date+" "+strings.TrimSpace(p.Time))
		if err != nil {
			n.Out.Skip("invalid heart rate sample time")
			continue
		}
		if v := p.Value; !v.Set || v.Value <= 0 || v.Value > 300 {
			n.Out.Skip("invalid heart rate sample value")
			continue
		}
		at = at.Add(-time.Duration(offMs) * time.Millisecond)
		n.Samples.Add(accountSource, "heart_rate", at, ingest.Tidy(p.Value.Value), int32(offMs/60000), false)
	}
}

// spo2 reads one SpO2 day {dateTime, value: {avg, min, max}}.
func (n *normalizer) spo2(raw []byte) {
	var d struct {
		DateTime string `json:"dateTime"`
		Value    struct {
			Avg ingest.Number `json:"avg"`
		} `json:"value"`
	}
	if json.Unmarshal(raw, &d) != nil {
		n.Out.Skip("invalid spo2 day")
		return
	}
	if d.Value.Avg.Set && d.Value.Avg.Value > 100 {
		n.Out.Skip("invalid spo2 day value")
		return
	}
	n.daily(d.DateTime, "oxygen_saturation", d.Value.Avg, "spo2 day")
}

// weight reads one weight log {date, time, weight (kg), fat (%), logId}.
func (n *normalizer) weight(raw []byte) {
	var w struct {
		Date   string        `json:"date"`
		Time   string        `json:"time"`
		Weight ingest.Number `json:"weight"`
		Fat    ingest.Number `json:"fat"`
	}
	if json.Unmarshal(raw, &w) != nil {
		n.Out.Skip("invalid weight log")
		return
	}
	at, err := time.Parse(time.DateTime, strings.TrimSpace(w.Date)+" "+strings.TrimSpace(w.Time))
	if err != nil {
		if t, ok := day(w.Date); ok {
			at, err = t, nil
		}
	}
	if err != nil {
		n.Out.Skip("invalid weight log date")
		return
	}
	if w.Weight.Set && w.Weight.Value > 0 && w.Weight.Value < 1000 {
		n.Samples.Add(accountSource, "weight", at, ingest.Tidy(w.Weight.Value), 0, false)
	} else if w.Weight.Set || w.Weight.Bad {
		n.Out.Skip("invalid weight log weight")
	}
	if w.Fat.Set && w.Fat.Value > 0 && w.Fat.Value <= 100 {
		n.Samples.Add(accountSource, "body_fat_percentage", at, ingest.Tidy(w.Fat.Value), 0, false)
	} else if w.Fat.Set || w.Fat.Bad {
		n.Out.Skip("invalid weight log fat")
	}
}

// activity is the part of an activity log that is kept.
type activity struct {
	LogID            ingest.Text   `json:"logId"`
	ActivityName     string        `json:"activityName"`
	ActivityTypeID   ingest.Number `json:"activityTypeId"`
	StartTime        string        `json:"startTime"`
	Duration         ingest.Number `json:"duration"`
	Calories         ingest.Number `json:"calories"`
	Distance         ingest.Number `json:"distance"`
	DistanceUnit     string        `json:"distanceUnit"`
	Steps            ingest.Number `json:"steps"`
	AverageHeartRate ingest.Number `json:"averageHeartRate"`
	ElevationGain    ingest.Number `json:"elevationGain"`
	Speed            ingest.Number `json:"speed"`
	Source           *struct {
		ID   ingest.Text `json:"id"`
		Name string      `json:"name"`
		Type string      `json:"type"`
	} `json:"source"`
}

// activity normalises one activity log; its startTime carries an offset.
func (n *normalizer) activity(raw []byte) error {
	var a activity
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("cannot decode fitbit activity: %w", err)
	}
	id := string(a.LogID)
	if id == "" {
		return errors.New("cannot normalise fitbit activity: logId is missing")
	}
	start, err := time.Parse("2006-01-02T15:04:05.999Z07:00", strings.TrimSpace(a.StartTime))
	if err != nil {
		return fmt.Errorf("cannot normalise fitbit activity %s: startTime: %w", id, err)
	}
	_, off := start.Zone()
	if !a.Duration.Set || a.Duration.Value < 0 || a.Duration.Value > 31*86400e3 {
		return fmt.Errorf("cannot normalise fitbit activity %s: duration is missing", id)
	}
	dur := ingest.Tidy(a.Duration.Value / 1000)
	src := accountSource
	if a.Source != nil {
		if sid := strings.TrimSpace(string(a.Source.ID)); sid != "" {
			src.ID = provider + ":" + sid
		}
		src.Device = strings.TrimSpace(a.Source.Name)
		src.DeviceType = strings.TrimSpace(a.Source.Type)
	}
	typeID := int64(-1)
	if a.ActivityTypeID.Set {
		typeID = int64(a.ActivityTypeID.Value)
	}
	unified := WorkoutType(typeID, a.ActivityName)
	w := schemas.Workout{
		ID:                  schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "workout", id),
		Tenant:              n.Ctx.Tenant,
		UserID:              n.Ctx.UserID,
		Source:              src,
		ProviderRecordID:    id,
		Type:                unified,
		Name:                strings.TrimSpace(a.ActivityName),
		StartTime:           start.UTC(),
		EndTime:             start.UTC().Add(time.Duration(dur * float64(time.Second))),
		ZoneOffset:          int32(off / 60),
		DurationSeconds:     dur,
		CaloriesKcal:        n.stat("calories", a.Calories, 1),
		Steps:               n.stat("steps", a.Steps, 1),
		AvgHeartRateBPM:     n.stat("averageHeartRate", a.AverageHeartRate, 1),
		ElevationGainMeters: n.stat("elevationGain", a.ElevationGain, 1),
		Version:             n.Version,
		RawEventID:          n.Ctx.RawEventID,
		IngestedAt:          n.Ingested,
	}
	if a.Distance.Set {
		factor := 1000.0 // Kilometer, and what Fitbit sends without Accept-Language
		if strings.EqualFold(strings.TrimSpace(a.DistanceUnit), "Mile") {
			factor = 1609.344
		}
		w.DistanceMeters = n.stat("distance", a.Distance, factor)
	}
	if w.DistanceMeters != nil && *w.DistanceMeters > 0 && dur > 0 {
		v := ingest.Tidy(*w.DistanceMeters / dur)
		w.AvgSpeedMPS = &v
		if schemas.ReportsPace(unified) {
			p := ingest.Tidy(dur / (*w.DistanceMeters / 1000))
			w.AvgPaceSecPerKm = &p
		}
	}
	n.Out.Workouts = append(n.Out.Workouts, w)
	return nil
}

// stat reads a positive statistic, scaled by factor; 0 is no value.
func (n *normalizer) stat(field string, x ingest.Number, factor float64) *float64 {
	switch {
	case x.Bad || (x.Set && x.Value < 0):
		n.Out.Skip("invalid activity field " + field)
		return nil
	case !x.Set || x.Value == 0:
		return nil
	}
	v := ingest.Tidy(x.Value * factor)
	return &v
}
