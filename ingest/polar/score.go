package polar

// Scores. A night's sleep_score (1–100) becomes a Summary of category
// sleep from the night's device source, under the night's key (its date),
// dated by that date and recorded at the night's end, with the group
// scores (duration, solidity, regeneration, 1–100), sleep_charge (1–5)
// and continuity (1–5) as components. A nightly recharge's
// nightly_recharge_status (1 very poor … 6 very good) becomes a Summary of
// category recovery from "polar:daily", dated by its date and recorded at
// that date's local midnight (offset 0, see the package comment), with the
// ANS charge (−10 … +10), its status and the night's averages as
// components. Components are sorted by name.

import (
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// part is one named value of a score.
type part struct {
	name string
	x    number
}

// summary adds a Summary of category for the document key when the score
// lies in [lo, hi]; an invalid score is counted, a missing one is not.
func (n *normalizer) summary(what, category, key, date string, src schemas.Source, at time.Time, zone int32, score number, lo, hi float64, parts []part) {
	switch {
	case !score.Set && !score.Bad:
		return
	case score.Bad || score.Value < lo || score.Value > hi:
		n.Out.Skip("invalid " + what)
		return
	}
	if _, ok := parseDate(date); !ok {
		date = at.Add(time.Duration(zone) * time.Minute).Format(time.DateOnly)
	}
	value := score.Value
	s := schemas.Summary{
		ID:     schemas.SummaryID(n.Ctx.Tenant, n.Ctx.UserID, provider, category, key),
		Tenant: n.Ctx.Tenant, UserID: n.Ctx.UserID, Source: src, ProviderRecordID: key, Category: category,
		Date: date, RecordedAt: at, ZoneOffset: zone, Value: &value,
		Version: n.Version, RawEventID: n.Ctx.RawEventID, IngestedAt: n.Ingested,
	}
	for _, p := range parts {
		switch {
		case p.x.Bad:
			n.Out.Skip("invalid " + what + " component " + p.name)
		case p.x.Set:
			v := p.x.Value
			s.Components = append(s.Components, schemas.SummaryComponent{Name: p.name, Value: &v})
		}
	}
	n.Out.Summaries = append(n.Out.Summaries, s)
}

// sleepScore adds the Summary of a night's score.
func (n *normalizer) sleepScore(s *night, key string, src schemas.Source, end time.Time, zone int32) {
	n.summary("sleep score", schemas.SummarySleep, key, string(s.Date), src, end, zone, s.SleepScore, 1, 100, []part{
		{"continuity", s.Continuity},
		{"group_duration_score", s.GroupDurationScore},
		{"group_regeneration_score", s.GroupRegenerationScore},
		{"group_solidity_score", s.GroupSolidityScore},
		{"sleep_charge", s.SleepCharge},
	})
}

// rechargeScore adds the Summary of a nightly recharge dated date.
func (n *normalizer) rechargeScore(r *recharge, date time.Time) {
	day := date.Format(time.DateOnly)
	n.summary("nightly recharge status", schemas.SummaryRecovery, day, day, dailySource, date, 0, r.Status, 1, 6, []part{
		{"ans_charge", r.ANSCharge},
		{"ans_charge_status", r.ANSChargeStatus},
		{"beat_to_beat_avg", r.BeatToBeatAvg},
		{"breathing_rate_avg", r.BreathingRateAvg},
		{"heart_rate_avg", r.HeartRateAvg},
		{"heart_rate_variability_avg", r.HeartRateVariabilityAvg},
	})
}
