package reads

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// Activity is one local day of activity, each metric from the best source
// that has it that day (see Priorities.better).
type Activity struct {
	Date string
	// Source is the source of the steps, else of the first metric found.
	Source Source
	// Sources names, by metric, the source its value came from.
	Sources          map[string]Source
	Steps            *float64
	DistanceMeters   *float64
	FloorsClimbed    *float64
	ElevationMeters  *float64
	ActiveKcal       *float64
	TotalKcal        *float64
	ActiveMinutes    *float64
	SedentaryMinutes *float64
	Intensity        *IntensityMinutes
	HeartRate        *HeartRateStats
}

// IntensityMinutes are the minutes in each heart-rate zone.
type IntensityMinutes struct{ Light, Moderate, Vigorous float64 }

// HeartRateStats are a day's heart-rate mean, maximum and minimum.
type HeartRateStats struct{ Avg, Max, Min float64 }

// The activity rules, as Open Wearables: a minute with at least
// ActiveStepsPerMinute steps is active, one with fewer is sedentary;
// heart-rate zones are fractions of a maximum heart rate of 220 − age,
// with age DefaultAge since wearstream keeps no birth date; a floor is
// 3 m of climb when no flights are counted.
const (
	ActiveStepsPerMinute = 30
	DefaultAge           = 30
	metresPerFloor       = 3.0
)

// daySource is one source's aggregates of one series on one day.
type daySource struct {
	day, series string
	cand        candidate
	value       float64 // the daily total when there is one, else the sum of the samples
	avg, mn, mx float64
	count       uint64
	last        float64
	lastAt      time.Time
	// From the per-minute pass (steps and heart rate, intraday only).
	active, sedentary, light, moderate, vigorous uint64
}

var activitySeries = []string{"steps", "distance_walking_running", "flights_climbed", "energy", "basal_energy", "heart_rate"}

// daySources reads, for every local day of q, series and source, the
// aggregates the summaries choose from.
func (r *Reader) daySources(ctx context.Context, q DayQuery, first, last time.Time, series []string) ([]daySource, error) {
	where, args := sampleRange(q, first, last, series)
	sql := "SELECT " + localDay + " AS day, series_type, source_id, any(provider), argMax(device, ts), argMax(device_type, ts), argMax(source_name, ts)," +
		" max(ifNull(is_daily_total, 0)) AS has_daily, sumIf(value, ifNull(is_daily_total, 0) = 1), sumIf(value, ifNull(is_daily_total, 0) = 0)," +
		" avg(value), min(value), max(value), count(), argMax(value, toUInt64(ts) * 1000 + ts_ms), max(ts)" +
		" FROM samples FINAL WHERE " + where + " GROUP BY day, series_type, source_id ORDER BY day, series_type, source_id"
	rows, err := r.conn.Query(finalContext(ctx), sql, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read daily samples: %w", err)
	}
	defer rows.Close()
	var out []daySource
	for rows.Next() {
		var (
			d          daySource
			daily      uint8
			dsum, isum float64
			src        = &d.cand.source
		)
		if err := rows.Scan(&d.day, &d.series, &src.ID, &src.Provider, &src.Device, &src.DeviceType, &src.Name,
			&daily, &dsum, &isum, &d.avg, &d.mn, &d.mx, &d.count, &d.last, &d.lastAt); err != nil {
			return nil, fmt.Errorf("cannot read daily samples: %w", err)
		}
		d.cand.daily = daily == 1
		d.value = isum
		if d.cand.daily {
			d.value = dsum
		}
		d.lastAt = d.lastAt.UTC()
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read daily samples: %w", err)
	}
	return out, nil
}

// minuteCounts adds to days the active and sedentary minutes of each steps
// source and the zone minutes of each heart-rate source, from intraday
// samples summed (steps) or averaged (heart rate) per local minute.
func (r *Reader) minuteCounts(ctx context.Context, q DayQuery, first, last time.Time, days []daySource) error {
	where, args := sampleRange(q, first, last, []string{"steps", "heart_rate"})
	maxHR := 220.0 - DefaultAge
	zone := func(lo, hi float64) string {
		return fmt.Sprintf("countIf(series_type = 'heart_rate' AND v >= %g AND v < %g)", lo*maxHR, hi*maxHR)
	}
	sql := "SELECT day, series_type, source_id," +
		fmt.Sprintf(" countIf(series_type = 'steps' AND v >= %d), countIf(series_type = 'steps' AND v < %d),", ActiveStepsPerMinute, ActiveStepsPerMinute) +
		zone(0.50, 0.64) + ", " + zone(0.64, 0.77) + ", " + zone(0.77, 0.94) +
		" FROM (SELECT " + localDay + " AS day, series_type, source_id, toStartOfMinute(ts) AS minute," +
		" if(series_type = 'steps', sum(value), avg(value)) AS v FROM samples FINAL WHERE " + where +
		" AND ifNull(is_daily_total, 0) = 0 GROUP BY day, series_type, source_id, minute) GROUP BY day, series_type, source_id"
	rows, err := r.conn.Query(finalContext(ctx), sql, args...)
	if err != nil {
		return fmt.Errorf("cannot read minutes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			day, series, source                       string
			active, sedentary, light, moderate, vigor uint64
		)
		if err := rows.Scan(&day, &series, &source, &active, &sedentary, &light, &moderate, &vigor); err != nil {
			return fmt.Errorf("cannot read minutes: %w", err)
		}
		for i := range days {
			if d := &days[i]; d.day == day && d.series == series && d.cand.source.ID == source {
				d.active, d.sedentary, d.light, d.moderate, d.vigorous = active, sedentary, light, moderate, vigor
			}
		}
	}
	return rows.Err()
}

// best returns, per day, the best source's aggregates of series.
func best(p Priorities, days []daySource, series string) map[string]daySource {
	out := map[string]daySource{}
	for _, d := range days {
		if d.series != series {
			continue
		}
		if cur, ok := out[d.day]; !ok || p.better(d.cand, cur.cand) {
			out[d.day] = d
		}
	}
	return out
}

// ActivitySummaries reads the user's activity by local day, one item per
// day with data, in date order.
func (r *Reader) ActivitySummaries(ctx context.Context, q DayQuery) ([]Activity, error) {
	first, last, err := q.check()
	if err != nil {
		return nil, err
	}
	days, err := r.daySources(ctx, q, first, last, activitySeries)
	if err != nil {
		return nil, err
	}
	if err := r.minuteCounts(ctx, q, first, last, days); err != nil {
		return nil, err
	}
	elevation, err := r.workoutElevation(ctx, q)
	if err != nil {
		return nil, err
	}
	chosen := map[string]map[string]daySource{}
	for _, s := range activitySeries {
		chosen[s] = best(q.Priorities, days, s)
	}
	chosenMinutes := map[string]daySource{}
	for _, d := range days {
		if d.series != "steps" || d.active+d.sedentary == 0 {
			continue
		}
		if cur, ok := chosenMinutes[d.day]; !ok || q.Priorities.better(d.cand, cur.cand) {
			chosenMinutes[d.day] = d
		}
	}
	var dates []string
	for _, d := range days {
		dates = append(dates, d.day)
	}
	for day := range elevation {
		dates = append(dates, day)
	}
	slices.Sort(dates)
	dates = slices.Compact(dates)
	out := make([]Activity, 0, len(dates))
	for _, day := range dates {
		a := Activity{Date: day, Sources: map[string]Source{}}
		take := func(series, metric string) (daySource, bool) {
			d, ok := chosen[series][day]
			if ok {
				a.Sources[metric] = d.cand.source
			}
			return d, ok
		}
		if d, ok := take("steps", "steps"); ok {
			a.Steps = ptr(d.value)
		}
		// Minutes need intraday steps: the best source that has them,
		// which need not be the one whose daily total won the steps.
		if d, ok := chosenMinutes[day]; ok {
			a.Sources["active_minutes"] = d.cand.source
			a.ActiveMinutes, a.SedentaryMinutes = ptr(float64(d.active)), ptr(float64(d.sedentary))
		}
		if d, ok := take("distance_walking_running", "distance_meters"); ok {
			a.DistanceMeters = ptr(d.value)
		}
		if e, ok := elevation[day]; ok {
			a.ElevationMeters = ptr(e)
		}
		if d, ok := take("flights_climbed", "floors_climbed"); ok {
			a.FloorsClimbed = ptr(d.value)
		} else if a.ElevationMeters != nil {
			a.FloorsClimbed = ptr(math.Floor(*a.ElevationMeters / metresPerFloor))
		}
		active, hasActive := take("energy", "active_calories_kcal")
		basal, hasBasal := take("basal_energy", "basal_calories_kcal")
		if hasActive {
			a.ActiveKcal = ptr(active.value)
		}
		if hasActive || hasBasal {
			a.TotalKcal = ptr(active.value + basal.value)
		}
		if d, ok := take("heart_rate", "heart_rate"); ok {
			a.HeartRate = &HeartRateStats{Avg: d.avg, Max: d.mx, Min: d.mn}
			if d.light+d.moderate+d.vigorous > 0 || d.count > 0 {
				a.Intensity = &IntensityMinutes{Light: float64(d.light), Moderate: float64(d.moderate), Vigorous: float64(d.vigorous)}
			}
		}
		if s, ok := a.Sources["steps"]; ok {
			a.Source = s
		} else {
			for _, m := range []string{"distance_meters", "active_calories_kcal", "basal_calories_kcal", "floors_climbed", "heart_rate"} {
				if s, ok := a.Sources[m]; ok {
					a.Source = s
					break
				}
			}
		}
		out = append(out, a)
	}
	return out, nil
}

// workoutElevation is the climb of the user's current workouts by the
// local day of their start.
func (r *Reader) workoutElevation(ctx context.Context, q DayQuery) (map[string]float64, error) {
	sql := "SELECT toString(toDate(start_time + zone_offset * 60)) AS day, sum(elevation_gain_meters)" +
		" FROM (SELECT * FROM workouts FINAL WHERE tenant_id = ? AND user_id = toUUID(?))" +
		" WHERE deleted = 0 AND isNotNull(elevation_gain_meters) AND day >= ? AND day <= ? GROUP BY day"
	rows, err := r.conn.Query(finalContext(ctx), sql, q.Tenant, q.UserID, q.StartDate, q.EndDate)
	if err != nil {
		return nil, fmt.Errorf("cannot read workout elevation: %w", err)
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var (
			day string
			e   *float64
		)
		if err := rows.Scan(&day, &e); err != nil {
			return nil, fmt.Errorf("cannot read workout elevation: %w", err)
		}
		if e != nil {
			out[day] = *e
		}
	}
	return out, rows.Err()
}

func ptr[T any](v T) *T { return &v }
