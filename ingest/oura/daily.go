package oura

// Daily documents and heart rate.
//
//   - daily_activity: steps, active_calories (energy, kcal),
//     equivalent_walking_distance (distance_walking_running, m) and the
//     high, medium and low activity time (active_time, s → min) are
//     whole-day totals at the document's timestamp (the start of Oura's
//     day, with the offset) or, without one, midnight UTC of its day; met
//     {interval, items, timestamp} becomes average_met samples.
//   - daily_readiness: temperature_deviation and temperature_trend_deviation
//     (°C against the user's baseline) become skin_temperature_deviation
//     and skin_temperature_trend_deviation.
//   - daily_spo2: spo2_percentage.average becomes oxygen_saturation and
//     breathing_disturbance_index its series, at the day.
//   - heartrate rows {bpm, source, timestamp} become heart-rate samples.

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

type activityDoc struct {
	Day                       ingest.Text   `json:"day"`
	Timestamp                 ingest.Text   `json:"timestamp"`
	Steps                     ingest.Number `json:"steps"`
	ActiveCalories            ingest.Number `json:"active_calories"`
	EquivalentWalkingDistance ingest.Number `json:"equivalent_walking_distance"`
	HighActivityTime          ingest.Number `json:"high_activity_time"`
	MediumActivityTime        ingest.Number `json:"medium_activity_time"`
	LowActivityTime           ingest.Number `json:"low_activity_time"`
	MET                       *series       `json:"met"`
}

var activityFields = ingest.SetOf("id", "class_5_min", "score", "active_calories", "average_met_minutes",
	"contributors", "equivalent_walking_distance", "high_activity_met_minutes", "high_activity_time",
	"inactivity_alerts", "low_activity_met_minutes", "low_activity_time", "medium_activity_met_minutes",
	"medium_activity_time", "met", "meters_to_target", "non_wear_time", "resting_time", "sedentary_met_minutes",
	"sedentary_time", "steps", "target_calories", "target_meters", "total_calories", "day", "timestamp", "meta")

// activitySamples are the series of the samples a daily_activity document
// adds (activity below): the totals at the document's timestamp, where its
// summary lies, and the met series, whose span the summary's Spans entry
// gives; its delete removes them.
var activitySamples = []ingest.SampleGroup{
	{SourceID: dailySource.ID, Series: []string{"steps", "energy", "distance_walking_running", "active_time"}},
	{SourceID: ringSource.ID, Series: []string{"average_met"}},
}

func (n *normalizer) activity(raw []byte, keys map[string]json.RawMessage) error {
	var a activityDoc
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("cannot decode oura daily_activity: %w", err)
	}
	at, zone, ok := dayTime(string(a.Timestamp), string(a.Day))
	if !ok {
		return fmt.Errorf("cannot normalise oura daily_activity: neither timestamp nor day is a time")
	}
	n.Out.SkipUnknown("daily_activity", keys, activityFields)
	scored := len(n.Out.Summaries)
	if err := n.score("daily_activity", raw); err != nil {
		return err
	}
	for _, v := range []struct {
		field, series string
		x             ingest.Number
	}{
		{"steps", "steps", a.Steps},
		{"active_calories", "energy", a.ActiveCalories},
		{"equivalent_walking_distance", "distance_walking_running", a.EquivalentWalkingDistance},
	} {
		if p := n.positive("daily_activity field "+v.field, v.x); p != nil {
			n.addSample(dailySource, v.series, at, *p, zone, true)
		}
	}
	active, any := 0.0, false
	for _, x := range []ingest.Number{a.HighActivityTime, a.MediumActivityTime, a.LowActivityTime} {
		if p := n.positive("daily_activity field activity_time", x); p != nil {
			active += *p
			any = true
		}
	}
	if any {
		n.addSample(dailySource, "active_time", at, active/60, zone, true)
	}
	if a.MET != nil && len(a.MET.Items) > 0 {
		start, mzone, ok := parseTime(string(a.MET.Timestamp))
		if !ok || !a.MET.Interval.Set || a.MET.Interval.Value <= 0 || a.MET.Interval.Value > 86400 {
			n.Out.Skip("invalid daily_activity met series")
			return nil
		}
		step := time.Duration(a.MET.Interval.Value * float64(time.Second))
		for i, x := range a.MET.Items {
			if !x.Set || x.Value < 0 {
				if x.Set || x.Bad {
					n.Out.Skip("invalid daily_activity met sample")
				}
				continue
			}
			n.addSample(ringSource, "average_met", start.Add(time.Duration(i)*step), x.Value, mzone, false)
		}
		// The summary's samples span the met series too.
		last := start.Add(time.Duration(len(a.MET.Items)-1) * step)
		if len(n.Out.Summaries) > scored && (start.Before(at) || last.After(at)) {
			if n.Out.Spans == nil {
				n.Out.Spans = map[string]ingest.Span{}
			}
			span := ingest.Span{Start: at, End: at}
			if start.Before(at) {
				span.Start = start
			}
			if last.After(at) {
				span.End = last
			}
			n.Out.Spans[n.Out.Summaries[scored].ID] = span
		}
	}
	return nil
}

type readinessDoc struct {
	Day                       ingest.Text   `json:"day"`
	Timestamp                 ingest.Text   `json:"timestamp"`
	TemperatureDeviation      ingest.Number `json:"temperature_deviation"`
	TemperatureTrendDeviation ingest.Number `json:"temperature_trend_deviation"`
}

var readinessFields = ingest.SetOf("id", "contributors", "day", "score", "temperature_deviation",
	"temperature_trend_deviation", "timestamp", "meta")

// readinessSamples are the series of the samples a daily_readiness
// document adds at its timestamp (readiness below), which its delete removes.
var readinessSamples = []ingest.SampleGroup{
	{SourceID: dailySource.ID, Series: []string{"skin_temperature_deviation", "skin_temperature_trend_deviation"}},
}

func (n *normalizer) readiness(raw []byte, keys map[string]json.RawMessage) error {
	var r readinessDoc
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("cannot decode oura daily_readiness: %w", err)
	}
	at, zone, ok := dayTime(string(r.Timestamp), string(r.Day))
	if !ok {
		return fmt.Errorf("cannot normalise oura daily_readiness: neither timestamp nor day is a time")
	}
	n.Out.SkipUnknown("daily_readiness", keys, readinessFields)
	if err := n.score("daily_readiness", raw); err != nil {
		return err
	}
	for _, v := range []struct {
		field, series string
		x             ingest.Number
	}{
		{"temperature_deviation", "skin_temperature_deviation", r.TemperatureDeviation},
		{"temperature_trend_deviation", "skin_temperature_trend_deviation", r.TemperatureTrendDeviation},
	} {
		switch {
		case v.x.Bad || (v.x.Set && (v.x.Value < -10 || v.x.Value > 10)):
			n.Out.Skip("invalid daily_readiness field " + v.field)
		case v.x.Set:
			n.addSample(dailySource, v.series, at, v.x.Value, zone, false)
		}
	}
	return nil
}

type spo2Doc struct {
	Day            ingest.Text `json:"day"`
	SpO2Percentage *struct {
		Average ingest.Number `json:"average"`
	} `json:"spo2_percentage"`
	BreathingDisturbanceIndex ingest.Number `json:"breathing_disturbance_index"`
}

var spo2Fields = ingest.SetOf("id", "day", "spo2_percentage", "breathing_disturbance_index", "meta")

func (n *normalizer) spo2(raw []byte, keys map[string]json.RawMessage) error {
	var s spo2Doc
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("cannot decode oura daily_spo2: %w", err)
	}
	at, zone, ok := dayTime("", string(s.Day))
	if !ok {
		return fmt.Errorf("cannot normalise oura daily_spo2: day is not a date")
	}
	n.Out.SkipUnknown("daily_spo2", keys, spo2Fields)
	if s.SpO2Percentage != nil {
		switch x := s.SpO2Percentage.Average; {
		case x.Bad || (x.Set && (x.Value <= 0 || x.Value > 100)):
			n.Out.Skip("invalid daily_spo2 field spo2_percentage.average")
		case x.Set:
			n.addSample(dailySource, "oxygen_saturation", at, x.Value, zone, false)
		}
	}
	if p := n.positive("daily_spo2 field breathing_disturbance_index", s.BreathingDisturbanceIndex); p != nil {
		n.addSample(dailySource, "breathing_disturbance_index", at, *p, zone, false)
	}
	return nil
}

func (n *normalizer) heartRate(raw []byte) error {
	var h struct {
		BPM       ingest.Number `json:"bpm"`
		Timestamp ingest.Text   `json:"timestamp"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return fmt.Errorf("cannot decode oura heartrate: %w", err)
	}
	at, zone, ok := parseTime(string(h.Timestamp))
	if !ok {
		return fmt.Errorf("cannot normalise oura heartrate: timestamp %q is not an ISO-8601 time with offset", ingest.Truncate(string(h.Timestamp), 40))
	}
	if !h.BPM.Set || h.BPM.Value <= 0 || h.BPM.Value > 300 {
		n.Out.Skip("invalid heartrate bpm")
		return nil
	}
	n.addSample(ringSource, "heart_rate", at, h.BPM.Value, zone, false)
	return nil
}
