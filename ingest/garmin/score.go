package garmin

// Scores. Garmin's own scores become Summaries from the "garmin:daily"
// source, on Garmin's 0–100 scales:
//
//   - sleep: a night's overallSleepScore.value, its qualifierKey (or
//     qualifier) as qualifier, and the sleepScores parts (totalDuration,
//     deepPercentage, stress, ...) as components sorted by name, each with
//     its value when it has one and its qualifier. Dated by calendarDate
//     (the morning the night ends) and recorded at the night's end; one
//     per night, under the night's key (sleepKey).
//   - stress: a day's averageStressLevel, with stressQualifier as
//     qualifier and the day's maximum and the seconds at each stress level
//     as components; a -1 or -2 average (no value) gives no score.
//   - body_battery: a day's highest body battery (Garmin's daily peak, as
//     Open Wearables reports it), with the lowest, charged and drained
//     values as components.
//
// The daily scores are recorded at the day's start and identified by the
// calendar date, so a day re-sent during the day keeps its ids. The
// three-minute stress and body battery values stay samples (wellness.go).

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/schemas"
)

// garminScore is one score object of a sleep summary.
type garminScore struct {
	Value        ingest.Number `json:"value"`
	QualifierKey ingest.Text   `json:"qualifierKey"`
	Qualifier    ingest.Text   `json:"qualifier"`
}

func (g garminScore) qualifier() string {
	if g.QualifierKey != "" {
		return string(g.QualifierKey)
	}
	return string(g.Qualifier)
}

// scoreValue returns a score on 0–100, or false; an invalid one is
// counted under what.
func (n *normalizer) scoreValue(what string, x ingest.Number) (float64, bool) {
	switch {
	case !x.Set && !x.Bad:
		return 0, false
	case x.Bad || x.Value < 0 || x.Value > 100:
		n.out.Skip("invalid " + what)
		return 0, false
	}
	return x.Value, true
}

// sleepScore adds the Summary of a night's score, if it has one; key is
// the night's key, end its end and zone its offset.
func (n *normalizer) sleepScore(s *sleepSummary, key string, end time.Time, zone int32) {
	if len(s.OverallScore) == 0 || string(s.OverallScore) == "null" {
		return
	}
	var overall garminScore
	if json.Unmarshal(s.OverallScore, &overall) != nil {
		n.out.Skip("invalid sleep score")
		return
	}
	value, ok := n.scoreValue("sleep score", overall.Value)
	if !ok {
		return
	}
	sum := n.summary(schemas.SummarySleep, key, s.CalendarDate, end, zone, value)
	sum.Qualifier = overall.qualifier()
	var parts map[string]garminScore
	if len(s.SubScores) > 0 && json.Unmarshal(s.SubScores, &parts) != nil {
		n.out.Skip("invalid sleep score components")
	}
	names := make([]string, 0, len(parts))
	for name := range parts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := parts[name]
		c := schemas.SummaryComponent{Name: truncate(name, 80), Qualifier: p.qualifier()}
		if v, ok := n.scoreValue("sleep score component", p.Value); ok {
			c.Value = &v
		}
		if c.Value != nil || c.Qualifier != "" {
			sum.Components = append(sum.Components, c)
		}
	}
	n.out.Summaries = append(n.out.Summaries, sum)
}

// dailyScores adds the stress and body battery Summaries of a daily
// summary that starts at start.
func (n *normalizer) dailyScores(d *dailySummary, start time.Time, zone int32) {
	key := dayKey(&d.common, start, zone)
	if d.AverageStress != nil && *d.AverageStress >= 0 {
		if v, ok := n.scoreValue("stress score", ingest.Number{Value: *d.AverageStress, Set: true}); ok {
			s := n.summary(schemas.SummaryStress, key, d.CalendarDate, start, zone, v)
			if q := strings.TrimSpace(d.StressQualifier); q != "" && !strings.EqualFold(q, "unknown") {
				s.Qualifier = q
			}
			s.Components = components(
				component{"max_stress_level", d.MaxStress},
				component{"stress_duration_seconds", d.StressDuration},
				component{"rest_stress_duration_seconds", d.RestStressDuration},
				component{"activity_stress_duration_seconds", d.ActiveStressDuration},
				component{"low_stress_duration_seconds", d.LowStressDuration},
				component{"medium_stress_duration_seconds", d.MediumStressDuration},
				component{"high_stress_duration_seconds", d.HighStressDuration},
			)
			n.out.Summaries = append(n.out.Summaries, s)
		}
	}
	if d.BodyBatteryHighest != nil {
		if v, ok := n.scoreValue("body battery score", ingest.Number{Value: *d.BodyBatteryHighest, Set: true}); ok {
			s := n.summary(schemas.SummaryBodyBattery, key, d.CalendarDate, start, zone, v)
			s.Components = components(
				component{"lowest", d.BodyBatteryLowest},
				component{"charged", d.BodyBatteryCharged},
				component{"drained", d.BodyBatteryDrained},
			)
			n.out.Summaries = append(n.out.Summaries, s)
		}
	}
}

// component is one named value of a daily score.
type component struct {
	name string
	v    *float64
}

// components keeps the parts that have a finite, non-negative value
// (Garmin's -1 and -2 mean no value), in the order given.
func components(parts ...component) []schemas.SummaryComponent {
	var out []schemas.SummaryComponent
	for _, p := range parts {
		if p.v != nil && *p.v >= 0 && !math.IsInf(*p.v, 0) {
			v := *p.v
			out = append(out, schemas.SummaryComponent{Name: p.name, Value: &v})
		}
	}
	return out
}

// summary is a Summary of category for the document key, dated by the
// calendar date when it is one and else by the local day of at.
func (n *normalizer) summary(category, key, calendarDate string, at time.Time, zone int32, value float64) schemas.Summary {
	date := strings.TrimSpace(calendarDate)
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		date = at.Add(time.Duration(zone) * time.Minute).Format(time.DateOnly)
	}
	return schemas.Summary{
		ID:     schemas.SummaryID(n.ctx.Tenant, n.ctx.UserID, provider, category, key),
		Tenant: n.ctx.Tenant, UserID: n.ctx.UserID, Source: dailySource, ProviderRecordID: key,
		Category: category, Date: date, RecordedAt: at, ZoneOffset: zone, Value: &value,
		Version: n.version, RawEventID: n.ctx.RawEventID, IngestedAt: n.ingested,
	}
}

// dayKey identifies a day's scores: its calendar date, or the local day of
// its start.
func dayKey(c *common, start time.Time, zone int32) string {
	if d := strings.TrimSpace(c.CalendarDate); d != "" {
		if _, err := time.Parse(time.DateOnly, d); err == nil {
			return "day/" + d
		}
	}
	return "day/" + start.Add(time.Duration(zone)*time.Minute).Format(time.DateOnly)
}
