package suunto

// Sleep: each 24/7 sleep entry is one session.
//
//   - Start and end are BedtimeStart and BedtimeEnd, ISO-8601 with offset
//     (the end, when missing, is the start plus Duration); the session is
//     identified by SleepId, else by its start.
//   - Duration, DeepSleepDuration, LightSleepDuration and REMSleepDuration
//     are seconds. Sleep is deep + light + REM, at most the span; awake is
//     Duration − sleep (providers.md §4), at least 0. InBedSeconds and
//     DurationSeconds are the span; EfficiencyPercent is sleep / span × 100.
//     Without stage durations, sleep is Duration and Stages is nil.
//   - IsNap is Suunto's; when absent, a session shorter than 3 h that
//     starts between 09:00 and 20:00 local time is a nap.
//   - HRMin becomes the night's resting_heart_rate and AvgHRV its
//     heart_rate_variability_rmssd (0 is no value), at the session's end
//     from "suunto:daily".
//
// Suunto gives no stage intervals. HRAvg (a night average, not a heart
// rate sample) and MaxSpo2 (a maximum, not a saturation sample) are left
// out; SleepQualityScore becomes a Summary (score.go).

import (
	"encoding/json"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

type sleepEntry struct {
	BedtimeStart       text   `json:"BedtimeStart"`
	BedtimeEnd         text   `json:"BedtimeEnd"`
	Duration           number `json:"Duration"`
	DeepSleepDuration  number `json:"DeepSleepDuration"`
	LightSleepDuration number `json:"LightSleepDuration"`
	REMSleepDuration   number `json:"REMSleepDuration"`
	HRMin              number `json:"HRMin"`
	AvgHRV             number `json:"AvgHRV"`
	IsNap              *bool  `json:"IsNap"`
	SleepID            text   `json:"SleepId"`
	SleepQualityScore  number `json:"SleepQualityScore"`
}

var sleepFields = ingest.SetOf("BedtimeStart", "BedtimeEnd", "Duration", "DeepSleepDuration", "LightSleepDuration",
	"REMSleepDuration", "HRAvg", "HRMin", "AvgHRV", "MaxSpo2", "SleepQualityScore", "IsNap", "SleepId")

const (
	napMaxDuration = 3 * time.Hour
	napFromHour    = 9
	napToHour      = 20
	maxSleep       = 48 * time.Hour
)

func (n *normalizer) sleep(e *entry247) {
	var s sleepEntry
	if err := json.Unmarshal(e.EntryData, &s); err != nil {
		n.Out.Skip("invalid 24/7 sleep")
		return
	}
	startText := s.BedtimeStart
	if startText == "" {
		startText = e.Timestamp
	}
	start, zone, ok := parseTime(string(startText))
	if !ok {
		n.Out.Skip("invalid 24/7 sleep")
		return
	}
	seconds := func(field string, x number) (float64, bool) {
		if x.Bad || (x.Set && (x.Value < 0 || x.Value > maxSleep.Seconds())) {
			n.Out.Skip("invalid 24/7 sleep " + field)
			return 0, false
		}
		return x.Value, x.Set
	}
	duration, hasDuration := seconds("Duration", s.Duration)
	end, _, ok := parseTime(string(s.BedtimeEnd))
	if !ok && hasDuration {
		end, ok = start.Add(time.Duration(duration*float64(time.Second))), true
	}
	if !ok || !end.After(start) || end.Sub(start) > maxSleep {
		n.Out.Skip("invalid 24/7 sleep")
		return
	}
	n.Out.SkipUnknown(kindSleep, e.keys, sleepFields)
	span := end.Sub(start).Seconds()
	if !hasDuration {
		duration = span
	}

	deep, hasDeep := seconds("DeepSleepDuration", s.DeepSleepDuration)
	light, hasLight := seconds("LightSleepDuration", s.LightSleepDuration)
	rem, hasREM := seconds("REMSleepDuration", s.REMSleepDuration)
	var stages *schemas.SleepStages
	asleep := duration
	if hasDeep || hasLight || hasREM {
		asleep = deep + light + rem
		stages = &schemas.SleepStages{
			AwakeMinutes: ingest.Tidy(max(0, duration-asleep) / 60),
			LightMinutes: ingest.Tidy(light / 60),
			DeepMinutes:  ingest.Tidy(deep / 60),
			RemMinutes:   ingest.Tidy(rem / 60),
		}
	}
	asleep = min(asleep, span)
	eff := ingest.Tidy(asleep / span * 100)

	localStart := start.Add(time.Duration(zone) * time.Minute)
	isNap := end.Sub(start) < napMaxDuration && localStart.Hour() >= napFromHour && localStart.Hour() < napToHour
	if s.IsNap != nil {
		isNap = *s.IsNap
	}
	key := string(s.SleepID)
	if key == "" {
		key = start.Format(time.RFC3339)
	}
	n.Out.Sleep = append(n.Out.Sleep, schemas.Sleep{
		ID:                   schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "sleep", key),
		Tenant:               n.Ctx.Tenant,
		UserID:               n.Ctx.UserID,
		Source:               accountSource,
		ProviderRecordID:     string(s.SleepID),
		StartTime:            start,
		EndTime:              end,
		ZoneOffset:           zone,
		DurationSeconds:      span,
		SleepDurationSeconds: ingest.Tidy(asleep),
		InBedSeconds:         span,
		EfficiencyPercent:    &eff,
		Stages:               stages,
		IsNap:                isNap,
		Version:              n.Version,
		RawEventID:           n.Ctx.RawEventID,
		IngestedAt:           n.Ingested,
	})

	n.sleepScore(s.SleepQualityScore, key, end, zone)

	night := func(field, series string, x number) {
		switch {
		case !x.Set && !x.Bad:
		case x.Bad || x.Value < 0:
			n.Out.Skip("invalid 24/7 sleep " + field)
		case x.Value == 0:
			n.Out.Skip("no value: 24/7 sleep " + field + " 0")
		default:
			n.addSample(dailySource, series, end, x.Value, zone)
		}
	}
	night("HRMin", "resting_heart_rate", s.HRMin)
	night("AvgHRV", "heart_rate_variability_rmssd", s.AvgHRV)
}
