package reads

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// BodyQuery asks for one user's body snapshot at Now.
type BodyQuery struct {
	Tenant, UserID string
	Now            time.Time
	// AveragePeriodDays (1 to 7) is the window of the averaged vitals;
	// LatestWindowHours (1 to 24) how old a latest reading may be.
	AveragePeriodDays int
	LatestWindowHours int
	Priorities        Priorities
}

// Body is Open Wearables' body summary: slow-changing measures (the best
// source's latest value of each), vitals averaged over a period, and
// recent point readings. Sources names the source of each measure.
type Body struct {
	Source Source
	// Slow-changing.
	WeightKg, HeightCm, BodyFatPercent, MuscleMassKg, BMI *float64
	// Averaged over [PeriodStart, PeriodEnd].
	PeriodDays                  int
	PeriodStart, PeriodEnd      time.Time
	RestingHeartRateBPM         *float64
	AvgHRVSDNNMs, AvgHRVRMSSDMs *float64
	// Latest, within the window.
	BodyTemperatureC, SkinTemperatureC   *float64
	BodyTemperatureAt, SkinTemperatureAt *time.Time
	BloodPressure                        *BloodPressure
	BloodPressureAt                      *time.Time
	Sources                              map[string]Source
}

// BloodPressure is the readings of a window.
type BloodPressure struct {
	AvgSystolic, MaxSystolic, MinSystolic    float64
	AvgDiastolic, MaxDiastolic, MinDiastolic float64
	Readings                                 uint64
}

type seriesSource struct {
	series    string
	cand      candidate
	last, avg float64
	mn, mx    float64
	count     uint64
	lastAt    time.Time
}

// seriesSources aggregates series per source over [from, to).
func (r *Reader) seriesSources(ctx context.Context, tenant, userID string, series []string, from, to time.Time) ([]seriesSource, error) {
	args := []any{tenant, userID}
	for _, s := range series {
		args = append(args, s)
	}
	args = append(args, from.Unix(), to.Unix())
	sql := "SELECT series_type, source_id, any(provider), any(device_type), argMax(value, toUInt64(ts) * 1000 + ts_ms), avg(value), min(value), max(value), count(), max(ts)" +
		" FROM samples FINAL WHERE tenant_id = ? AND user_id = toUUID(?) AND series_type IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(series)), ", ") + ")" +
		" AND ts >= toDateTime(?, 'UTC') AND ts < toDateTime(?, 'UTC') AND deleted = 0 GROUP BY series_type, source_id"
	rows, err := r.conn.Query(finalContext(ctx), sql, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read body samples: %w", err)
	}
	defer rows.Close()
	var out []seriesSource
	for rows.Next() {
		var s seriesSource
		if err := rows.Scan(&s.series, &s.cand.source.ID, &s.cand.source.Provider, &s.cand.source.DeviceType,
			&s.last, &s.avg, &s.mn, &s.mx, &s.count, &s.lastAt); err != nil {
			return nil, fmt.Errorf("cannot read body samples: %w", err)
		}
		s.lastAt = s.lastAt.UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

func bestSeries(p Priorities, all []seriesSource, series string) (seriesSource, bool) {
	var b seriesSource
	found := false
	for _, s := range all {
		if s.series == series && (!found || p.better(s.cand, b.cand)) {
			b, found = s, true
		}
	}
	return b, found
}

// BodySummary reads the user's body snapshot; ErrNoData when the user has
// no body measure, vital or reading at all.
func (r *Reader) BodySummary(ctx context.Context, q BodyQuery) (Body, error) {
	if q.AveragePeriodDays == 0 {
		q.AveragePeriodDays = 7
	}
	if q.LatestWindowHours == 0 {
		q.LatestWindowHours = 4
	}
	switch {
	case q.AveragePeriodDays < 1 || q.AveragePeriodDays > 7:
		return Body{}, paramError("average_period", "must be a whole number of days from 1 to 7")
	case q.LatestWindowHours < 1 || q.LatestWindowHours > 24:
		return Body{}, paramError("latest_window_hours", "must be a whole number of hours from 1 to 24")
	}
	if q.Priorities.Providers == nil && q.Priorities.DeviceTypes == nil {
		q.Priorities = DefaultPriorities()
	}
	now := q.Now.UTC()
	b := Body{PeriodDays: q.AveragePeriodDays, PeriodEnd: now, PeriodStart: now.Add(-time.Duration(q.AveragePeriodDays) * 24 * time.Hour), Sources: map[string]Source{}}
	found := false
	take := func(all []seriesSource, series string) (seriesSource, bool) {
		s, ok := bestSeries(q.Priorities, all, series)
		if ok {
			b.Sources[series], found = s.cand.source, true
		}
		return s, ok
	}
	slow, err := r.seriesSources(ctx, q.Tenant, q.UserID, []string{"weight", "height", "body_fat_percentage", "skeletal_muscle_mass", "lean_body_mass"}, time.Unix(0, 0), now.Add(time.Second))
	if err != nil {
		return Body{}, err
	}
	for _, m := range []struct {
		series string
		to     **float64
	}{{"weight", &b.WeightKg}, {"height", &b.HeightCm}, {"body_fat_percentage", &b.BodyFatPercent}, {"skeletal_muscle_mass", &b.MuscleMassKg}} {
		if s, ok := take(slow, m.series); ok {
			*m.to = ptr(s.last)
		}
	}
	if b.MuscleMassKg == nil {
		if s, ok := take(slow, "lean_body_mass"); ok {
			b.MuscleMassKg = ptr(s.last)
		}
	}
	if b.WeightKg != nil && b.HeightCm != nil && *b.HeightCm > 0 {
		m := *b.HeightCm / 100
		b.BMI = ptr(*b.WeightKg / (m * m))
	}
	avg, err := r.seriesSources(ctx, q.Tenant, q.UserID, []string{"resting_heart_rate", "heart_rate_variability_sdnn", "heart_rate_variability_rmssd"}, b.PeriodStart, now.Add(time.Second))
	if err != nil {
		return Body{}, err
	}
	for _, m := range []struct {
		series string
		to     **float64
	}{{"resting_heart_rate", &b.RestingHeartRateBPM}, {"heart_rate_variability_sdnn", &b.AvgHRVSDNNMs}, {"heart_rate_variability_rmssd", &b.AvgHRVRMSSDMs}} {
		if s, ok := take(avg, m.series); ok {
			*m.to = ptr(s.avg)
		}
	}
	latest, err := r.seriesSources(ctx, q.Tenant, q.UserID, []string{"body_temperature", "skin_temperature", "blood_pressure_systolic", "blood_pressure_diastolic"},
		now.Add(-time.Duration(q.LatestWindowHours)*time.Hour), now.Add(time.Second))
	if err != nil {
		return Body{}, err
	}
	if s, ok := take(latest, "body_temperature"); ok {
		b.BodyTemperatureC, b.BodyTemperatureAt = ptr(s.last), ptr(s.lastAt)
	}
	if s, ok := take(latest, "skin_temperature"); ok {
		b.SkinTemperatureC, b.SkinTemperatureAt = ptr(s.last), ptr(s.lastAt)
	}
	if sys, ok := take(latest, "blood_pressure_systolic"); ok {
		bp := &BloodPressure{AvgSystolic: sys.avg, MaxSystolic: sys.mx, MinSystolic: sys.mn, Readings: sys.count}
		for _, d := range latest {
			if d.series == "blood_pressure_diastolic" && d.cand.source.ID == sys.cand.source.ID {
				bp.AvgDiastolic, bp.MaxDiastolic, bp.MinDiastolic = d.avg, d.mx, d.mn
				b.Sources["blood_pressure_diastolic"] = d.cand.source
			}
		}
		b.BloodPressure, b.BloodPressureAt = bp, ptr(sys.lastAt)
	}
	if !found {
		return Body{}, ErrNoData
	}
	for _, m := range []string{"weight", "height", "body_fat_percentage", "resting_heart_rate", "heart_rate_variability_sdnn", "body_temperature", "blood_pressure_systolic"} {
		if s, ok := b.Sources[m]; ok {
			b.Source = s
			break
		}
	}
	return b, nil
}
