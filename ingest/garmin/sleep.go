package garmin

// Sleep. A sleep summary is one night: it starts at startTimeInSeconds and
// durationInSeconds is the time asleep (deep + light + REM), so the night
// ends at the end of its last sleepLevelsMap interval when that is later
// (the awake time lies outside the duration; providers.md §1). Stage
// minutes come from Garmin's stage durations, or from the intervals when
// the durations are absent; a night without either has no stages. The
// naps Garmin lists in a summary become sleep sessions of their own with
// IsNap set. Sleep SpO2 and respiration maps become samples; the night's
// score becomes a Summary (score.go).

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// sleepStages maps Garmin's sleep levels to sleep stages.
var sleepStages = map[string]string{
	"deep":         schemas.StageDeep,
	"light":        schemas.StageLight,
	"rem":          schemas.StageREM,
	"awake":        schemas.StageAwake,
	"unmeasurable": schemas.StageUnknown,
}

func (n *normalizer) sleep(raw json.RawMessage) {
	var s sleepSummary
	if !n.decode(raw, &s) {
		return
	}
	start, zone, ok := startOf(&s.common)
	if !ok {
		n.invalidItem()
		return
	}
	intervals := n.sleepIntervals(s.Levels)
	end := start
	if d, ok := seconds(s.Duration); ok {
		end = start.Add(time.Duration(d * float64(time.Second)))
	}
	for _, iv := range intervals {
		if iv.Start.Before(start) {
			start = iv.Start
		}
		if iv.End.After(end) {
			end = iv.End
		}
	}
	if !end.After(start) {
		n.invalidItem()
		n.naps(&s, zone)
		return
	}
	span := end.Sub(start).Seconds()

	out := schemas.Sleep{
		ID:               schemas.RecordID(n.ctx.Tenant, n.ctx.UserID, provider, "sleep", sleepKey(&s, start)),
		Tenant:           n.ctx.Tenant,
		UserID:           n.ctx.UserID,
		Source:           wellnessSource,
		ProviderRecordID: strings.TrimSpace(s.SummaryID),
		StartTime:        start,
		EndTime:          end,
		ZoneOffset:       zone,
		DurationSeconds:  span,
		InBedSeconds:     span,
		Intervals:        intervals,
		Version:          n.version,
		RawEventID:       n.ctx.RawEventID,
		IngestedAt:       n.ingested,
	}
	asleep := span
	if d, ok := seconds(s.Duration); ok {
		asleep = d
	}
	if st, ok := stageMinutes(&s, intervals); ok {
		out.Stages = st
		asleep = (st.DeepMinutes + st.LightMinutes + st.RemMinutes) * 60
	}
	out.SleepDurationSeconds = min(ingest.Tidy(asleep), span)
	if out.Stages != nil {
		eff := ingest.Tidy(out.SleepDurationSeconds / span * 100)
		out.EfficiencyPercent = &eff
	}
	n.out.Sleep = append(n.out.Sleep, out)
	n.sleepScore(&s, sleepKey(&s, start), end, zone)

	// Sleep SpO2 and respiration are offsets from Garmin's start, not from
	// the earliest interval.
	if at, _, ok := startOf(&s.common); ok {
		n.addOffsets(wellnessSource, "oxygen_saturation", at, zone, s.SpO2)
		n.addOffsets(wellnessSource, "respiratory_rate", at, zone, s.Respiration)
	}
	n.naps(&s, zone)
}

// sleepKey is the provider record id a night is identified by: its summary
// id, or its start when it has none.
func sleepKey(s *sleepSummary, start time.Time) string {
	if id := strings.TrimSpace(s.SummaryID); id != "" {
		return id
	}
	return "sleep-" + strconv.FormatInt(start.Unix(), 10)
}

// sleepIntervals reads sleepLevelsMap into intervals ordered by start.
func (n *normalizer) sleepIntervals(levels map[string][]timeSpan) []schemas.SleepInterval {
	var out []schemas.SleepInterval
	for level, spans := range levels {
		stage, ok := sleepStages[strings.ToLower(strings.TrimSpace(level))]
		if !ok {
			for range spans {
				n.out.Skip("unknown sleep stage " + truncate(level, 80))
			}
			continue
		}
		for _, sp := range spans {
			from, ok1 := instant(sp.Start)
			to, ok2 := instant(sp.End)
			if !ok1 || !ok2 || !to.After(from) || to.Sub(from) > 48*time.Hour {
				n.out.Skip(reasonBadInterval)
				continue
			}
			out = append(out, schemas.SleepInterval{Stage: stage, Start: from, End: to})
		}
	}
	slices.SortFunc(out, func(a, b schemas.SleepInterval) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Stage, b.Stage)
	})
	return out
}

// stageMinutes returns the minutes per stage from Garmin's stage durations,
// or else from the intervals; false when the night has neither.
func stageMinutes(s *sleepSummary, intervals []schemas.SleepInterval) (*schemas.SleepStages, bool) {
	fields := []*float64{s.DeepSeconds, s.LightSeconds, s.RemSeconds, s.AwakeSeconds}
	if slices.ContainsFunc(fields, func(v *float64) bool { return v != nil }) {
		minutes := func(v *float64) float64 {
			if sec, ok := seconds(v); ok {
				return ingest.Tidy(sec / 60)
			}
			return 0
		}
		return &schemas.SleepStages{
			DeepMinutes:  minutes(s.DeepSeconds),
			LightMinutes: minutes(s.LightSeconds),
			RemMinutes:   minutes(s.RemSeconds),
			AwakeMinutes: minutes(s.AwakeSeconds),
		}, true
	}
	if len(intervals) == 0 {
		return nil, false
	}
	var st schemas.SleepStages
	for _, iv := range intervals {
		m := iv.End.Sub(iv.Start).Minutes()
		switch iv.Stage {
		case schemas.StageDeep:
			st.DeepMinutes += m
		case schemas.StageLight:
			st.LightMinutes += m
		case schemas.StageREM:
			st.RemMinutes += m
		case schemas.StageAwake:
			st.AwakeMinutes += m
		}
	}
	st.DeepMinutes, st.LightMinutes = ingest.Tidy(st.DeepMinutes), ingest.Tidy(st.LightMinutes)
	st.RemMinutes, st.AwakeMinutes = ingest.Tidy(st.RemMinutes), ingest.Tidy(st.AwakeMinutes)
	return &st, true
}

// naps turns the naps of a sleep summary into nap sessions, identified by
// their start (a nap has no id of its own). A nap without an offset takes
// the night's.
func (n *normalizer) naps(s *sleepSummary, nightZone int32) {
	for _, np := range s.Naps {
		start, ok := instant(np.Start)
		zone := nightZone
		if ok && np.Offset != nil {
			zone, ok = zoneMinutes(np.Offset)
		}
		d, okd := seconds(np.Duration)
		if !ok || !okd || d <= 0 || d > 24*3600 {
			n.out.Skip(reasonBadNap)
			continue
		}
		n.out.Sleep = append(n.out.Sleep, schemas.Sleep{
			ID:                   schemas.RecordID(n.ctx.Tenant, n.ctx.UserID, provider, "sleep", "nap-"+strconv.FormatInt(start.Unix(), 10)),
			Tenant:               n.ctx.Tenant,
			UserID:               n.ctx.UserID,
			Source:               wellnessSource,
			ProviderRecordID:     strings.TrimSpace(s.SummaryID),
			StartTime:            start,
			EndTime:              start.Add(time.Duration(d * float64(time.Second))),
			ZoneOffset:           zone,
			DurationSeconds:      d,
			SleepDurationSeconds: d,
			InBedSeconds:         d,
			IsNap:                true,
			Version:              n.version,
			RawEventID:           n.ctx.RawEventID,
			IngestedAt:           n.ingested,
		})
	}
}
