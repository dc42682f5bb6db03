package reads

import (
	"context"
	"fmt"
	"slices"
)

// Recovery is one local day of recovery: the best provider's recovery
// score, the day's vitals each from the best source that measured it, and
// the night's sleep (the sleep summary of that wake-up day).
type Recovery struct {
	Date                   string
	Source                 Source
	RecoveryScore          *float64
	RestingHeartRateBPM    *float64
	AvgHRVSDNNMs           *float64
	AvgHRVRMSSDMs          *float64
	AvgSpO2Percent         *float64
	SleepDurationSeconds   *float64
	SleepEfficiencyPercent *float64
	Sources                map[string]Source
}

var recoveryVitals = []string{"resting_heart_rate", "heart_rate_variability_sdnn", "heart_rate_variability_rmssd", "oxygen_saturation"}

// RecoverySummaries reads the user's recovery by local day, one item per
// day with a recovery score or a recovery vital, in date order.
func (r *Reader) RecoverySummaries(ctx context.Context, q DayQuery) ([]Recovery, error) {
	first, last, err := q.check()
	if err != nil {
		return nil, err
	}
	scores, err := r.Scores(ctx, ScoreQuery{Tenant: q.Tenant, UserID: q.UserID, StartDate: q.StartDate, EndDate: q.EndDate, Category: "recovery", Limit: MaxLimit})
	if err != nil {
		return nil, err
	}
	vitals, err := r.daySources(ctx, q, first, last, recoveryVitals)
	if err != nil {
		return nil, err
	}
	sleep, err := r.SleepSummaries(ctx, q)
	if err != nil {
		return nil, err
	}
	byDay := map[string]*Recovery{}
	var days []string
	day := func(d string) *Recovery {
		if rec, ok := byDay[d]; ok {
			return rec
		}
		rec := &Recovery{Date: d, Sources: map[string]Source{}}
		byDay[d], days = rec, append(days, d)
		return rec
	}
	bestScore := map[string]Score{}
	for _, s := range scores.Items {
		if cur, ok := bestScore[s.Date]; !ok || q.Priorities.better(candidate{source: s.Source}, candidate{source: cur.Source}) {
			bestScore[s.Date] = s
		}
	}
	for d, s := range bestScore {
		rec := day(d)
		rec.RecoveryScore, rec.Source = s.Value, s.Source
		rec.Sources["recovery_score"] = s.Source
	}
	for _, series := range recoveryVitals {
		for d, v := range best(q.Priorities, vitals, series) {
			rec := day(d)
			rec.Sources[series] = v.cand.source
			switch series {
			case "resting_heart_rate":
				rec.RestingHeartRateBPM = ptr(v.avg)
			case "heart_rate_variability_sdnn":
				rec.AvgHRVSDNNMs = ptr(v.avg)
			case "heart_rate_variability_rmssd":
				rec.AvgHRVRMSSDMs = ptr(v.avg)
			case "oxygen_saturation":
				rec.AvgSpO2Percent = ptr(v.avg)
			}
		}
	}
	for _, s := range sleep {
		if rec, ok := byDay[s.Date]; ok {
			rec.SleepDurationSeconds, rec.SleepEfficiencyPercent = ptr(s.DurationMinutes*60), s.EfficiencyPercent
			rec.Sources["sleep"] = s.Source
		}
	}
	slices.Sort(days)
	out := make([]Recovery, 0, len(days))
	for _, d := range days {
		rec := byDay[d]
		if rec.Source.ID == "" {
			for _, m := range recoveryVitals {
				if s, ok := rec.Sources[m]; ok {
					rec.Source = s
					break
				}
			}
		}
		out = append(out, *rec)
	}
	return out, nil
}

// ErrNoData is a summary with nothing to summarise.
var ErrNoData = fmt.Errorf("no data")
