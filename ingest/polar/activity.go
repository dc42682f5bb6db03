package polar

// Day-level data: daily activity and continuous heart rate. Both give
// local times without an offset and name no device: they are recorded as
// local time with zone offset 0.
//
// Daily activity (GET /v3/users/activities[/{date}]) becomes daily totals
// (IsDailyTotal true) at the day's start_time, from the source
// "polar:daily" as Garmin's are from "garmin:daily": the day's step total
// and the first hourly step sample both start at midnight, and on one
// source they would be one sample and replace each other. The totals are
// steps, active_calories as
// energy, calories − active_calories as basal_energy (Polar's calories
// include the BMR), distance_from_steps as distance_walking_running,
// active_duration as active_time minutes and, when the day has activity
// zone samples, the minutes in the MODERATE and VIGOROUS zones as
// exercise_time (each zone sample lasts until the next, the last until
// end_time). The intraday step samples (?steps=true) become steps with
// IsDailyTotal false from "polar:account". The daily activity score,
// inactive time, inactivity alerts and stamps are left out.
//
// Continuous heart rate (GET /v3/users/continuous-heart-rate[/{date}])
// becomes heart-rate samples at date + sample_time; 0 is no reading.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

type dailyActivity struct {
	StartTime         text   `json:"start_time"`
	EndTime           text   `json:"end_time"`
	ActiveDuration    text   `json:"active_duration"`
	Calories          number `json:"calories"`
	ActiveCalories    number `json:"active_calories"`
	Steps             number `json:"steps"`
	DistanceFromSteps number `json:"distance_from_steps"`
	Samples           *struct {
		Steps *struct {
			Samples []struct {
				Steps     number `json:"steps"`
				Timestamp text   `json:"timestamp"`
			} `json:"samples"`
		} `json:"steps"`
		ActivityZones *struct {
			Samples []zoneSample `json:"samples"`
		} `json:"activity_zones"`
	} `json:"samples"`
}

// zoneSample marks the start of a segment of the day in one activity zone.
type zoneSample struct {
	Zone      text `json:"zone"`
	Timestamp text `json:"timestamp"`
}

// activityFields are the daily activity fields Polar documents; the ones
// not read above are known and deliberately not kept.
var activityFields = ingest.SetOf("start_time", "end_time", "active_duration", "inactive_duration",
	"daily_activity", "calories", "active_calories", "steps", "inactivity_alert_count",
	"distance_from_steps", "samples")

// exerciseZones are the activity zones that count as exercise time.
var exerciseZones = ingest.SetOf("MODERATE", "VIGOROUS")

func (n *normalizer) activity(raw []byte, keys map[string]json.RawMessage) error {
	var a dailyActivity
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("cannot decode polar daily activity: %w", err)
	}
	day, ok := parseWall(string(a.StartTime))
	if !ok {
		return fmt.Errorf("cannot normalise polar daily activity: start_time %q is not an ISO-8601 time", ingest.Truncate(string(a.StartTime), 40))
	}
	n.Out.SkipUnknown(kindActivity, keys, activityFields)

	total := func(series, field string, x number) {
		switch {
		case x.Bad || (x.Set && x.Value < 0):
			n.Out.Skip("invalid daily activity field " + field)
		case x.Set:
			n.addSample(dailySource, series, day, x.Value, 0, true)
		}
	}
	total("steps", "steps", a.Steps)
	total("energy", "active_calories", a.ActiveCalories)
	if a.Calories.Set && a.ActiveCalories.Set && a.Calories.Value >= a.ActiveCalories.Value && a.ActiveCalories.Value >= 0 {
		total("basal_energy", "calories", number{Value: a.Calories.Value - a.ActiveCalories.Value, Set: true})
	} else if a.Calories.Bad || (a.Calories.Set && a.Calories.Value < 0) {
		n.Out.Skip("invalid daily activity field calories")
	}
	total("distance_walking_running", "distance_from_steps", a.DistanceFromSteps)
	if a.ActiveDuration != "" {
		if d, ok := parseDuration(string(a.ActiveDuration)); ok && d <= 86400 {
			total("active_time", "active_duration", number{Value: d / 60, Set: true})
		} else {
			n.Out.Skip("invalid daily activity field active_duration")
		}
	}
	if a.Samples == nil {
		return nil
	}
	if st := a.Samples.Steps; st != nil {
		for _, s := range st.Samples {
			t, ok := parseWall(string(s.Timestamp))
			if !ok || !s.Steps.Set || s.Steps.Value < 0 {
				n.Out.Skip("invalid daily activity step sample")
				continue
			}
			n.addSample(accountSource, "steps", t, s.Steps.Value, 0, false)
		}
	}
	if z := a.Samples.ActivityZones; z != nil && len(z.Samples) > 0 {
		n.exerciseTime(day, string(a.EndTime), z.Samples)
	}
	return nil
}

// exerciseTime adds the day's minutes in the exercise zones as a daily
// total; nothing when a zone sample lacks its zone or time, since the
// day's split is then unknown.
func (n *normalizer) exerciseTime(day time.Time, endTime string, samples []zoneSample) {
	end, ok := parseWall(endTime)
	if !ok {
		end = day.Add(24 * time.Hour)
	}
	starts := make([]time.Time, len(samples))
	for i, s := range samples {
		t, ok := parseWall(string(s.Timestamp))
		if !ok || s.Zone == "" {
			n.Out.Skip("invalid daily activity zone sample")
			return
		}
		starts[i] = t
	}
	var minutes float64
	for i, s := range samples {
		to := end
		if i+1 < len(samples) {
			to = starts[i+1]
		}
		if exerciseZones[strings.ToUpper(string(s.Zone))] && to.After(starts[i]) {
			minutes += to.Sub(starts[i]).Minutes()
		}
	}
	n.addSample(dailySource, "exercise_time", day, minutes, 0, true)
}

type continuousHR struct {
	Date             text `json:"date"`
	HeartRateSamples []struct {
		HeartRate  number `json:"heart_rate"`
		SampleTime text   `json:"sample_time"`
	} `json:"heart_rate_samples"`
}

// continuousFields are the continuous heart rate fields Polar documents.
var continuousFields = ingest.SetOf("polar_user", "date", "heart_rate_samples")

func (n *normalizer) continuous(raw []byte, keys map[string]json.RawMessage) error {
	var c continuousHR
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("cannot decode polar continuous heart rate: %w", err)
	}
	date, ok := parseDate(string(c.Date))
	if !ok {
		return fmt.Errorf("cannot normalise polar continuous heart rate: date %q is not YYYY-MM-DD", ingest.Truncate(string(c.Date), 40))
	}
	n.Out.SkipUnknown(kindContinuous, keys, continuousFields)
	for _, s := range c.HeartRateSamples {
		clock, ok := parseClock(string(s.SampleTime))
		if !ok {
			n.Out.Skip("invalid continuous heart rate sample time")
			continue
		}
		if n.positive("continuous heart rate sample", s.HeartRate) {
			n.addSample(accountSource, "heart_rate", date.Add(clock), s.HeartRate.Value, 0, false)
		}
	}
	return nil
}
