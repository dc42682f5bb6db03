package reads

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SleepDay is one local wake-up day of sleep: the sessions of the best
// source that slept that day, its longest main session, naps apart, and
// the vitals measured during that main session.
type SleepDay struct {
	Date string
	// Source is the source the sessions came from.
	Source Source
	// StartTime, EndTime and ZoneOffset are the longest main session's.
	StartTime, EndTime time.Time
	ZoneOffset         int32
	// DurationMinutes is the sleep of the main sessions (naps left out);
	// TotalDurationMinutes adds the naps.
	DurationMinutes      float64
	TotalDurationMinutes float64
	TimeInBedMinutes     float64
	EfficiencyPercent    *float64
	Stages               SleepStages
	// InterruptionsCount is the awake intervals of the longest session.
	InterruptionsCount int
	NapCount           int
	NapDurationMinutes float64
	Sessions           []Sleep
	// The averages during the longest main session, each from the best
	// source that measured it, and the sources they came from.
	AvgHeartRateBPM    *float64
	AvgHRVSDNNMs       *float64
	AvgHRVRMSSDMs      *float64
	AvgRespiratoryRate *float64
	AvgSpO2Percent     *float64
	VitalSources       map[string]Source
}

var sleepVitals = []string{"heart_rate", "heart_rate_variability_sdnn", "heart_rate_variability_rmssd", "respiratory_rate", "oxygen_saturation"}

// sleepsOfDays reads the user's current sessions whose local wake-up day
// lies in q's range.
func (r *Reader) sleepsOfDays(ctx context.Context, q DayQuery) ([]Sleep, error) {
	sql := "SELECT " + sleepColumns + " FROM (SELECT *, toString(id) AS rid FROM sleep FINAL WHERE tenant_id = ? AND user_id = toUUID(?))" +
		" WHERE deleted = 0 AND toDate(end_time + zone_offset * 60) >= toDate(?) AND toDate(end_time + zone_offset * 60) <= toDate(?)" +
		" ORDER BY start_time, rid"
	rows, err := r.conn.Query(finalContext(ctx), sql, q.Tenant, q.UserID, q.StartDate, q.EndDate)
	if err != nil {
		return nil, fmt.Errorf("cannot read sleep sessions: %w", err)
	}
	defer rows.Close()
	var out []Sleep
	for rows.Next() {
		s, err := scanSleep(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read sleep sessions: %w", err)
	}
	return out, nil
}

// wakeDay is the local day a session ends on.
func wakeDay(s Sleep) string {
	return s.EndTime.Add(time.Duration(s.ZoneOffset) * time.Minute).Format(time.DateOnly)
}

// bestSleepSource is, per wake-up day, the best source among those with
// a main session that day, or with only naps when no source has one.
func bestSleepSource(p Priorities, sessions []Sleep) map[string]candidate {
	out := map[string]candidate{}
	main := map[string]bool{}
	for _, s := range sessions {
		day, c := wakeDay(s), candidate{source: s.Source}
		cur, ok := out[day]
		switch {
		case !ok, !s.IsNap && !main[day], s.IsNap == !main[day] && p.better(c, cur):
			out[day] = c
			main[day] = main[day] || !s.IsNap
		}
	}
	return out
}

// SleepSummaries reads the user's sleep by local wake-up day, one item per
// day with a session, in date order.
func (r *Reader) SleepSummaries(ctx context.Context, q DayQuery) ([]SleepDay, error) {
	if _, _, err := q.check(); err != nil {
		return nil, err
	}
	sessions, err := r.sleepsOfDays(ctx, q)
	if err != nil {
		return nil, err
	}
	chosen := bestSleepSource(q.Priorities, sessions)
	byDay := map[string]*SleepDay{}
	var days []string
	for _, s := range sessions {
		day := wakeDay(s)
		if chosen[day].source.ID != s.Source.ID {
			continue
		}
		d, ok := byDay[day]
		if !ok {
			d = &SleepDay{Date: day, Source: s.Source, VitalSources: map[string]Source{}}
			byDay[day] = d
			days = append(days, day)
		}
		d.Sessions = append(d.Sessions, s)
	}
	slices.Sort(days)
	out := make([]SleepDay, 0, len(days))
	for _, day := range days {
		d := byDay[day]
		var longest *Sleep
		for i := range d.Sessions {
			s := &d.Sessions[i]
			minutes := s.SleepDurationSeconds / 60
			d.TotalDurationMinutes += minutes
			if s.IsNap {
				d.NapCount++
				d.NapDurationMinutes += minutes
				continue
			}
			d.DurationMinutes += minutes
			d.TimeInBedMinutes += s.InBedSeconds / 60
			d.Stages.Awake = addOpt(d.Stages.Awake, s.Stages.Awake)
			d.Stages.Light = addOpt(d.Stages.Light, s.Stages.Light)
			d.Stages.Deep = addOpt(d.Stages.Deep, s.Stages.Deep)
			d.Stages.REM = addOpt(d.Stages.REM, s.Stages.REM)
			if longest == nil || s.DurationSeconds > longest.DurationSeconds {
				longest = s
			}
		}
		if longest == nil { // naps only: the longest nap places the day
			for i := range d.Sessions {
				if longest == nil || d.Sessions[i].DurationSeconds > longest.DurationSeconds {
					longest = &d.Sessions[i]
				}
			}
		}
		d.StartTime, d.EndTime, d.ZoneOffset = longest.StartTime, longest.EndTime, longest.ZoneOffset
		d.EfficiencyPercent = longest.EfficiencyPercent
		if d.EfficiencyPercent == nil && d.TimeInBedMinutes > 0 {
			d.EfficiencyPercent = ptr(100 * d.DurationMinutes / d.TimeInBedMinutes)
		}
		for _, iv := range longest.Intervals {
			if iv.Stage == "awake" {
				d.InterruptionsCount++
			}
		}
		out = append(out, *d)
	}
	if err := r.sleepVitals(ctx, q, out); err != nil {
		return nil, err
	}
	return out, nil
}

// sleepVitals fills each day's averages during its longest session, in
// one query: each sample is placed in its window with arrayFirstIndex.
func (r *Reader) sleepVitals(ctx context.Context, q DayQuery, days []SleepDay) error {
	if len(days) == 0 {
		return nil
	}
	windows := make([]string, len(days))
	from, to := days[0].StartTime, days[0].EndTime
	for i, d := range days {
		windows[i] = "[" + strconv.FormatInt(d.StartTime.Unix(), 10) + ", " + strconv.FormatInt(d.EndTime.Unix(), 10) + "]"
		from, to = minTime(from, d.StartTime), maxTime(to, d.EndTime)
	}
	args := []any{q.Tenant, q.UserID}
	for _, s := range sleepVitals {
		args = append(args, s)
	}
	args = append(args, from.Unix(), to.Unix())
	sql := "SELECT w, series_type, source_id, any(provider), any(device_type), avg(value) FROM (" +
		"SELECT arrayFirstIndex(x -> x[1] <= toUInt64(ts) AND toUInt64(ts) < x[2], [" + strings.Join(windows, ", ") + "]) AS w, series_type, source_id, provider, device_type, value" +
		" FROM samples FINAL WHERE tenant_id = ? AND user_id = toUUID(?) AND series_type IN (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(sleepVitals)), ", ") + ") AND ts >= toDateTime(?, 'UTC') AND ts < toDateTime(?, 'UTC') AND deleted = 0" +
		") WHERE w > 0 GROUP BY w, series_type, source_id"
	rows, err := r.conn.Query(finalContext(ctx), sql, args...)
	if err != nil {
		return fmt.Errorf("cannot read vitals during sleep: %w", err)
	}
	defer rows.Close()
	type pick struct {
		c   candidate
		avg float64
	}
	picked := map[[2]string]pick{} // (day index, series) → best
	for rows.Next() {
		var (
			w      uint32
			series string
			p      pick
		)
		if err := rows.Scan(&w, &series, &p.c.source.ID, &p.c.source.Provider, &p.c.source.DeviceType, &p.avg); err != nil {
			return fmt.Errorf("cannot read vitals during sleep: %w", err)
		}
		k := [2]string{strconv.Itoa(int(w) - 1), series}
		if cur, ok := picked[k]; !ok || q.Priorities.better(p.c, cur.c) {
			picked[k] = p
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cannot read vitals during sleep: %w", err)
	}
	for k, p := range picked {
		i, _ := strconv.Atoi(k[0])
		d := &days[i]
		d.VitalSources[k[1]] = p.c.source
		v := ptr(p.avg)
		switch k[1] {
		case "heart_rate":
			d.AvgHeartRateBPM = v
		case "heart_rate_variability_sdnn":
			d.AvgHRVSDNNMs = v
		case "heart_rate_variability_rmssd":
			d.AvgHRVRMSSDMs = v
		case "respiratory_rate":
			d.AvgRespiratoryRate = v
		case "oxygen_saturation":
			d.AvgSpO2Percent = v
		}
	}
	return nil
}

func addOpt(a, b *float64) *float64 {
	switch {
	case b == nil:
		return a
	case a == nil:
		return ptr(*b)
	}
	return ptr(*a + *b)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
