package polar

// Sleep nights (GET /v3/users/sleep[/{date}]) become sleep sessions.
//
//   - Start and end are sleep_start_time and sleep_end_time, which carry
//     their offset; the session is identified by the night's date (the
//     entity_id of Polar's SLEEP notification).
//   - Stage minutes are Polar's totals: light_sleep, deep_sleep, rem_sleep
//     and, for awake, total_interruption_duration (all seconds). Sleep is
//     light + deep + rem + unrecognized_sleep_stage, at most the span.
//     InBedSeconds and DurationSeconds are the span (end − start);
//     EfficiencyPercent is sleep / span × 100 (Polar gives none).
//   - The hypnogram, "HH:MM" → stage code (0 awake, 1 REM, 2 and 3 light,
//     4 deep, 5 unknown), gives the intervals: each entry lasts until the
//     next, the last until the end; entries are placed on the night by
//     atNight, the first is clamped to the start, and runs of one stage are
//     joined; an unknown code leaves its time uncovered. Its minutes can
//     differ from the totals, which win.
//   - heart_rate_samples ("HH:MM" → bpm) become heart-rate samples.
//   - IsNap: Polar reports nights; a session shorter than 3 h that starts
//     between 09:00 and 20:00 local time is flagged as a nap.
//
// The sleep score becomes a Summary, with its group scores, sleep charge
// and continuity as components (score.go).

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

type night struct {
	Date                      text              `json:"date"`
	SleepStartTime            text              `json:"sleep_start_time"`
	SleepEndTime              text              `json:"sleep_end_time"`
	DeviceID                  text              `json:"device_id"`
	LightSleep                number            `json:"light_sleep"`
	DeepSleep                 number            `json:"deep_sleep"`
	RemSleep                  number            `json:"rem_sleep"`
	UnrecognizedSleepStage    number            `json:"unrecognized_sleep_stage"`
	TotalInterruptionDuration number            `json:"total_interruption_duration"`
	Hypnogram                 map[string]number `json:"hypnogram"`
	HeartRateSamples          map[string]number `json:"heart_rate_samples"`
	// The night's score and its parts (score.go).
	SleepScore             number `json:"sleep_score"`
	SleepCharge            number `json:"sleep_charge"`
	Continuity             number `json:"continuity"`
	GroupDurationScore     number `json:"group_duration_score"`
	GroupSolidityScore     number `json:"group_solidity_score"`
	GroupRegenerationScore number `json:"group_regeneration_score"`
}

// nightFields are the sleep fields Polar documents; the ones not read
// above are known and deliberately not kept.
var nightFields = ingest.SetOf("polar_user", "date", "sleep_start_time", "sleep_end_time", "device_id",
	"continuity", "continuity_class", "light_sleep", "deep_sleep", "rem_sleep", "unrecognized_sleep_stage",
	"sleep_score", "total_interruption_duration", "sleep_charge", "sleep_goal", "sleep_rating",
	"short_interruption_duration", "long_interruption_duration", "sleep_cycles", "group_duration_score",
	"group_solidity_score", "group_regeneration_score", "hypnogram", "heart_rate_samples")

// hypnogramStages are the catalog stages of Polar's hypnogram codes.
var hypnogramStages = map[float64]string{
	0: schemas.StageAwake,
	1: schemas.StageREM,
	2: schemas.StageLight,
	3: schemas.StageLight,
	4: schemas.StageDeep,
	5: schemas.StageUnknown,
}

const (
	napMaxDuration = 3 * time.Hour
	napFromHour    = 9
	napToHour      = 20
)

func (n *normalizer) sleep(raw []byte, keys map[string]json.RawMessage) error {
	var s night
	if err := json.Unmarshal(raw, &s); err != nil {
		return fmt.Errorf("cannot decode polar sleep: %w", err)
	}
	start, zone, hasZone, ok1 := parseTime(string(s.SleepStartTime))
	end, _, _, ok2 := parseTime(string(s.SleepEndTime))
	if !ok1 || !ok2 || !hasZone || !end.After(start) || end.Sub(start) > 48*time.Hour {
		return fmt.Errorf("cannot normalise polar sleep: sleep_start_time %q and sleep_end_time %q are not a span of ISO-8601 times with offsets",
			ingest.Truncate(string(s.SleepStartTime), 40), ingest.Truncate(string(s.SleepEndTime), 40))
	}
	n.Out.SkipUnknown(kindSleep, keys, nightFields)
	src := deviceSource(string(s.DeviceID), "")
	span := end.Sub(start).Seconds()

	seconds := func(field string, x number) (float64, bool) {
		if x.Bad || (x.Set && x.Value < 0) {
			n.Out.Skip("invalid sleep field " + field)
			return 0, false
		}
		return x.Value, x.Set
	}
	light, hasLight := seconds("light_sleep", s.LightSleep)
	deep, hasDeep := seconds("deep_sleep", s.DeepSleep)
	rem, hasREM := seconds("rem_sleep", s.RemSleep)
	unrecognized, _ := seconds("unrecognized_sleep_stage", s.UnrecognizedSleepStage)
	awake, hasAwake := seconds("total_interruption_duration", s.TotalInterruptionDuration)

	asleep := light + deep + rem + unrecognized
	var stages *schemas.SleepStages
	if hasLight || hasDeep || hasREM {
		if !hasAwake {
			awake = max(0, span-asleep)
		}
		stages = &schemas.SleepStages{
			AwakeMinutes: ingest.Tidy(awake / 60),
			LightMinutes: ingest.Tidy(light / 60),
			DeepMinutes:  ingest.Tidy(deep / 60),
			RemMinutes:   ingest.Tidy(rem / 60),
		}
	} else {
		asleep = span
		if hasAwake {
			asleep = max(0, span-awake)
		}
	}
	asleep = min(asleep, span)
	eff := ingest.Tidy(asleep / span * 100)

	key := string(s.Date)
	if key == "" {
		key = start.Format(time.RFC3339)
	}
	localStart := start.Add(time.Duration(zone) * time.Minute)
	localEnd := end.Add(time.Duration(zone) * time.Minute)
	out := schemas.Sleep{
		ID:                   schemas.RecordID(n.Ctx.Tenant, n.Ctx.UserID, provider, "sleep", key),
		Tenant:               n.Ctx.Tenant,
		UserID:               n.Ctx.UserID,
		Source:               src,
		ProviderRecordID:     string(s.Date),
		StartTime:            start,
		EndTime:              end,
		ZoneOffset:           zone,
		DurationSeconds:      span,
		SleepDurationSeconds: ingest.Tidy(asleep),
		InBedSeconds:         span,
		EfficiencyPercent:    &eff,
		Stages:               stages,
		IsNap:                end.Sub(start) < napMaxDuration && localStart.Hour() >= napFromHour && localStart.Hour() < napToHour,
		Intervals:            n.hypnogram(s.Hypnogram, localStart, localEnd, zone),
		Version:              n.Version,
		RawEventID:           n.Ctx.RawEventID,
		IngestedAt:           n.Ingested,
	}
	n.Out.Sleep = append(n.Out.Sleep, out)
	n.sleepScore(&s, key, src, end, zone)

	for clock, bpm := range s.HeartRateSamples {
		t, ok := n.nightTime("sleep heart rate", clock, localStart, localEnd)
		switch {
		case !ok:
		case bpm.Bad || !bpm.Set || bpm.Value < 0:
			n.Out.Skip("invalid sleep heart rate sample")
		case bpm.Value == 0:
			n.Out.Skip("no value: sleep heart rate sample 0")
		default:
			n.addSample(src, "heart_rate", t.Add(-time.Duration(zone)*time.Minute), bpm.Value, zone, false)
		}
	}
	return nil
}

// nightTime places an "HH:MM" key on the night from localStart to localEnd
// (local wall-clock times written as UTC); keys that are unreadable or more
// than an hour outside the night are skipped.
func (n *normalizer) nightTime(what, clock string, localStart, localEnd time.Time) (time.Time, bool) {
	c, ok := parseClock(clock)
	if !ok {
		n.Out.Skip("invalid " + what + " time")
		return time.Time{}, false
	}
	t := atNight(c, localStart)
	if t.After(localEnd.Add(time.Hour)) {
		n.Out.Skip(what + " outside the night")
		return time.Time{}, false
	}
	return t, true
}

// hypnogram turns the hypnogram into stage intervals in UTC.
func (n *normalizer) hypnogram(h map[string]number, localStart, localEnd time.Time, zone int32) []schemas.SleepInterval {
	type entry struct {
		at    time.Time
		stage string
	}
	entries := make([]entry, 0, len(h))
	for clock, code := range h {
		t, ok := n.nightTime("hypnogram", clock, localStart, localEnd)
		if !ok {
			continue
		}
		stage, known := hypnogramStages[code.Value]
		if !code.Set || !known {
			// Its time still ends the stage before it.
			n.Out.Skip("unknown hypnogram stage")
		}
		entries = append(entries, entry{t, stage})
	}
	slices.SortFunc(entries, func(a, b entry) int { return a.at.Compare(b.at) })
	toUTC := func(t time.Time) time.Time { return t.Add(-time.Duration(zone) * time.Minute) }
	var out []schemas.SleepInterval
	for i, e := range entries {
		from, to := e.at, localEnd
		if i+1 < len(entries) {
			to = entries[i+1].at
		}
		if from.Before(localStart) {
			from = localStart
		}
		if to.After(localEnd) {
			to = localEnd
		}
		if e.stage == "" || !to.After(from) {
			continue
		}
		if k := len(out); k > 0 && out[k-1].Stage == e.stage && out[k-1].End.Equal(toUTC(from)) {
			out[k-1].End = toUTC(to)
			continue
		}
		out = append(out, schemas.SleepInterval{Stage: e.stage, Start: toUTC(from), End: toUTC(to)})
	}
	return out
}
