package oura

// Sleep periods (GET /v2/usercollection/sleep[/{id}]), one per period of a
// day, identified by Oura's id.
//
//   - Start and end are bedtime_start and bedtime_end, with their offset.
//   - type long_sleep is the main sleep; sleep (a confirmed nap) and
//     late_nap are naps; rest (a rejected detection) and deleted are
//     skipped.
//   - Durations are seconds: total_sleep_duration, time_in_bed, and the
//     stage totals deep, light, REM and awake_time; efficiency is 1–100.
//   - The hypnogram, sleep_phase_30_sec (preferred) or sleep_phase_5_min,
//     has one character per epoch from bedtime_start: 1 deep, 2 light,
//     3 REM, 4 awake; runs of one stage become intervals.
//   - heart_rate and hrv are {interval (s), items, timestamp} series with
//     null gaps: heart-rate and HRV (RMSSD) samples from the ring.
//   - lowest_heart_rate (resting heart rate), average_breath (respiratory
//     rate) and average_hrv are night values at bedtime_end, from
//     oura:daily.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

type sleepPeriod struct {
	ID                 ingest.Text   `json:"id"`
	Type               ingest.Text   `json:"type"`
	BedtimeStart       ingest.Text   `json:"bedtime_start"`
	BedtimeEnd         ingest.Text   `json:"bedtime_end"`
	TotalSleepDuration ingest.Number `json:"total_sleep_duration"`
	TimeInBed          ingest.Number `json:"time_in_bed"`
	DeepSleepDuration  ingest.Number `json:"deep_sleep_duration"`
	LightSleepDuration ingest.Number `json:"light_sleep_duration"`
	RemSleepDuration   ingest.Number `json:"rem_sleep_duration"`
	AwakeTime          ingest.Number `json:"awake_time"`
	Efficiency         ingest.Number `json:"efficiency"`
	LowestHeartRate    ingest.Number `json:"lowest_heart_rate"`
	AverageBreath      ingest.Number `json:"average_breath"`
	AverageHRV         ingest.Number `json:"average_hrv"`
	Phase30s           ingest.Text   `json:"sleep_phase_30_sec"`
	Phase5m            ingest.Text   `json:"sleep_phase_5_min"`
	HeartRate          *series       `json:"heart_rate"`
	HRV                *series       `json:"hrv"`
}

// series is one of Oura's regular sample series.
type series struct {
	Interval  ingest.Number   `json:"interval"`
	Items     []ingest.Number `json:"items"`
	Timestamp ingest.Text     `json:"timestamp"`
}

// sleepFields are the sleep fields Oura documents; the ones not read above
// are known and deliberately not kept.
var sleepFields = ingest.SetOf("id", "average_breath", "average_heart_rate", "average_hrv", "awake_time",
	"bedtime_end", "bedtime_start", "day", "deep_sleep_duration", "efficiency", "heart_rate", "hrv", "latency",
	"light_sleep_duration", "low_battery_alert", "lowest_heart_rate", "movement_30_sec", "period", "readiness",
	"readiness_score_delta", "rem_sleep_duration", "restless_periods", "sleep_phase_5_min", "sleep_phase_30_sec",
	"sleep_score_delta", "sleep_algorithm_version", "time_in_bed", "total_sleep_duration", "type", "ring_id",
	"app_sleep_phase_5_min", "meta")

// sleepSamples are the series of the samples a sleep period adds (the
// series and night values at the end of sleep below): its delete removes
// them over the period, whose end is where the night values lie.
var sleepSamples = []ingest.SampleGroup{
	{SourceID: ringSource.ID, Series: []string{"heart_rate", "heart_rate_variability_rmssd"}},
	{SourceID: dailySource.ID, Series: []string{"resting_heart_rate", "respiratory_rate", "heart_rate_variability_rmssd"}},
}

// phaseStages are the catalog stages of the hypnogram characters.
var phaseStages = map[byte]string{'1': schemas.StageDeep, '2': schemas.StageLight, '3': schemas.StageREM, '4': schemas.StageAwake}

func (n *normalizer) sleep(raw []byte, keys map[string]json.RawMessage) error {
	var s sleepPeriod
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("cannot decode oura sleep: %w", err)
	}
	typ := strings.ToLower(string(s.Type))
	if typ == "rest" || typ == "deleted" {
		n.Out.Skip("sleep of type " + typ)
		return nil
	}
	start, zone, ok1 := parseTime(string(s.BedtimeStart))
	end, _, ok2 := parseTime(string(s.BedtimeEnd))
	switch {
	case !ok1 || !ok2:
		return fmt.Errorf("cannot normalise oura sleep: bedtime_start %q or bedtime_end %q is not an ISO-8601 time with offset",
			ingest.Truncate(string(s.BedtimeStart), 40), ingest.Truncate(string(s.BedtimeEnd), 40))
	case !end.After(start) || end.Sub(start) > 48*time.Hour:
		return fmt.Errorf("cannot normalise oura sleep: it ends before it starts or lasts over two days")
	case string(s.ID) == "":
		return fmt.Errorf("cannot normalise oura sleep: id is missing")
	}
	n.Out.SkipUnknown(kindSleep, keys, sleepFields)
	span := end.Sub(start).Seconds()
	seconds := func(field string, x ingest.Number) float64 {
		if p := n.positive("sleep field "+field, x); p != nil {
			return min(*p, span)
		}
		return 0
	}
	inBed := span
	if v := seconds("time_in_bed", s.TimeInBed); v > 0 {
		inBed = v
	}
	stages := &schemas.SleepStages{
		DeepMinutes:  ingest.Tidy(seconds("deep_sleep_duration", s.DeepSleepDuration) / 60),
		LightMinutes: ingest.Tidy(seconds("light_sleep_duration", s.LightSleepDuration) / 60),
		RemMinutes:   ingest.Tidy(seconds("rem_sleep_duration", s.RemSleepDuration) / 60),
		AwakeMinutes: ingest.Tidy(seconds("awake_time", s.AwakeTime) / 60),
	}
	asleep := seconds("total_sleep_duration", s.TotalSleepDuration)
	if !s.TotalSleepDuration.Set {
		asleep = min((stages.DeepMinutes+stages.LightMinutes+stages.RemMinutes)*60, span)
	}
	asleep = min(asleep, inBed)
	rec := schemas.Sleep{
		ID:                   n.recordID(kindSleep, string(s.ID)),
		Tenant:               n.Ctx.Tenant,
		UserID:               n.Ctx.UserID,
		Source:               ringSource,
		ProviderRecordID:     string(s.ID),
		StartTime:            start,
		EndTime:              end,
		ZoneOffset:           zone,
		DurationSeconds:      span,
		SleepDurationSeconds: ingest.Tidy(asleep),
		InBedSeconds:         inBed,
		IsNap:                typ == "sleep" || typ == "late_nap",
		Version:              n.Version,
		RawEventID:           n.Ctx.RawEventID,
		IngestedAt:           n.Ingested,
	}
	if *stages != (schemas.SleepStages{}) {
		rec.Stages = stages
	}
	if e := s.Efficiency; e.Set && e.Value >= 0 && e.Value <= 100 {
		v := ingest.Tidy(e.Value)
		rec.EfficiencyPercent = &v
	} else if e.Set || e.Bad {
		n.Out.Skip("invalid sleep field efficiency")
	}
	switch {
	case string(s.Phase30s) != "":
		rec.Intervals = n.hypnogram(string(s.Phase30s), 30*time.Second, start, end)
	case string(s.Phase5m) != "":
		rec.Intervals = n.hypnogram(string(s.Phase5m), 5*time.Minute, start, end)
	}
	n.Out.Sleep = append(n.Out.Sleep, rec)

	n.series(s.HeartRate, "heart_rate", start, end)
	n.series(s.HRV, "heart_rate_variability_rmssd", start, end)
	for _, v := range []struct {
		field, series string
		x             ingest.Number
	}{
		{"lowest_heart_rate", "resting_heart_rate", s.LowestHeartRate},
		{"average_breath", "respiratory_rate", s.AverageBreath},
		{"average_hrv", "heart_rate_variability_rmssd", s.AverageHRV},
	} {
		if p := n.positive("sleep field "+v.field, v.x); p != nil && *p > 0 {
			n.addSample(dailySource, v.series, end, *p, zone, false)
		}
	}
	return nil
}

// hypnogram turns a hypnogram of epochs of step from start into stage
// intervals, joining runs of one stage; an unknown character leaves its
// epoch uncovered and epochs past end are dropped.
func (n *normalizer) hypnogram(phases string, step time.Duration, start, end time.Time) []schemas.SleepInterval {
	var out []schemas.SleepInterval
	for i := 0; i < len(phases); i++ {
		from := start.Add(time.Duration(i) * step)
		if !from.Before(end) {
			n.Out.Skip("hypnogram epochs after bedtime_end")
			break
		}
		stage, ok := phaseStages[phases[i]]
		if !ok {
			n.Out.Skip("unknown hypnogram stage")
			continue
		}
		to := from.Add(step)
		if to.After(end) {
			to = end
		}
		if k := len(out); k > 0 && out[k-1].Stage == stage && out[k-1].End.Equal(from) {
			out[k-1].End = to
			continue
		}
		out = append(out, schemas.SleepInterval{Stage: stage, Start: from, End: to})
	}
	return out
}

// series adds the samples of one of a sleep period's series, dropping the
// null gaps and what lies outside the period.
func (n *normalizer) series(s *series, name string, start, end time.Time) {
	if s == nil || len(s.Items) == 0 {
		return
	}
	at, zone, ok := parseTime(string(s.Timestamp))
	if !ok || !s.Interval.Set || s.Interval.Value <= 0 || s.Interval.Value > 86400 {
		n.Out.Skip("invalid sleep " + name + " series")
		return
	}
	step := time.Duration(s.Interval.Value * float64(time.Second))
	for i, x := range s.Items {
		ts := at.Add(time.Duration(i) * step)
		switch {
		case ts.Before(start) || ts.After(end):
			n.Out.Skip("sleep " + name + " sample outside the period")
		case !x.Set || x.Value <= 0:
			if x.Bad || x.Set {
				n.Out.Skip("invalid sleep " + name + " sample")
			}
		default:
			n.addSample(ringSource, name, ts, x.Value, zone, false)
		}
	}
}
