package reads

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// EventQuery asks for one user's workouts or sleep sessions. A workout is
// placed by its start, a sleep session by its end (the day it is the night
// of is the day one wakes up). Bounds are either instants or the user's
// local days, or open when zero.
type EventQuery struct {
	Tenant string
	UserID string
	// StartTime and EndTime bound the record's time: [StartTime, EndTime).
	StartTime time.Time
	EndTime   time.Time
	// StartDate and EndDate (YYYY-MM-DD) bound the record's local day, both
	// included: the day of its time plus its own zone offset.
	StartDate string
	EndDate   string
	// RecordType keeps workouts whose type contains it (Open Wearables'
	// record_type); unused for sleep.
	RecordType string
	// Limit is the page size (0 is DefaultLimit); Cursor a page's cursor.
	Limit  int
	Cursor string
	// FilterByPriority keeps, for sleep, only the sessions of the best
	// source of each wake-up day (by Priorities; zero is the defaults).
	FilterByPriority bool
	Priorities       Priorities
	// only is, when set, the (wake-up day, source id) pairs kept.
	only [][2]string
}

// Workout is a current workout, with Open Wearables' fields.
type Workout struct {
	ID                  string
	Type                string
	Name                string
	StartTime           time.Time
	EndTime             time.Time
	ZoneOffset          int32
	DurationSeconds     float64
	Source              Source
	CaloriesKcal        *float64
	DistanceMeters      *float64
	AvgHeartRateBPM     *float64
	MaxHeartRateBPM     *float64
	AvgPaceSecPerKm     *float64
	ElevationGainMeters *float64
}

// SleepInterval is one stage of a sleep session.
type SleepInterval struct {
	Stage string
	Start time.Time
	End   time.Time
}

// SleepStages is the minutes of each stage; nil fields are unknown.
type SleepStages struct {
	Awake, Light, Deep, REM *float64
}

// Sleep is a current sleep session, with Open Wearables' fields.
type Sleep struct {
	ID                   string
	StartTime            time.Time
	EndTime              time.Time
	ZoneOffset           int32
	Source               Source
	DurationSeconds      float64
	SleepDurationSeconds float64
	InBedSeconds         float64
	EfficiencyPercent    *float64
	Stages               SleepStages
	Intervals            []SleepInterval
	IsNap                bool
}

var dateFormat = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func (q *EventQuery) check() error {
	for _, d := range []struct{ param, v string }{{"start_date", q.StartDate}, {"end_date", q.EndDate}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.v); err != nil || !dateFormat.MatchString(d.v) {
			return paramError(d.param, "must be a date (2026-01-14) or an RFC 3339 time")
		}
	}
	switch {
	case !q.StartTime.IsZero() && !q.EndTime.IsZero() && !q.EndTime.After(q.StartTime),
		q.StartDate != "" && q.EndDate != "" && q.EndDate < q.StartDate:
		return paramError("end_date", "must not be before start_date")
	}
	var err error
	q.Limit, err = checkLimit(q.Limit)
	return err
}

func (q *EventQuery) binding(route string) string {
	ms := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	return binding(route, q.Tenant, q.UserID, ms(q.StartTime), ms(q.EndTime), q.StartDate, q.EndDate, q.RecordType,
		strconv.FormatBool(q.FilterByPriority))
}

// eventSQL is the page query of a table whose FINAL must not see a time
// filter (see the package comment): FINAL over the user's key range in a
// subquery, every other condition outside it. ClickHouse 18.16 does not
// push the outer conditions into a FINAL subquery; current ClickHouse may,
// and since 26.3 defers partition pruning until after FINAL, so both give
// the current rows (TestWorkoutsCurrentByTimeAndLocalDay).
func eventSQL(columns, table, timeCol string, q EventQuery, cur *cursor) (page string, pageArgs []any, count string, countArgs []any) {
	args := []any{q.Tenant, q.UserID}
	where := []string{"deleted = 0"}
	if !q.StartTime.IsZero() {
		where = append(where, timeCol+" >= toDateTime(?, 'UTC')")
		args = append(args, q.StartTime.Unix())
	}
	if !q.EndTime.IsZero() {
		where = append(where, timeCol+" < toDateTime(?, 'UTC')")
		args = append(args, q.EndTime.Unix())
	}
	localDay := "toDate(" + timeCol + " + zone_offset * 60)"
	if q.StartDate != "" {
		where = append(where, localDay+" >= toDate(?)")
		args = append(args, q.StartDate)
	}
	if q.EndDate != "" {
		where = append(where, localDay+" <= toDate(?)")
		args = append(args, q.EndDate)
	}
	if q.RecordType != "" {
		where = append(where, "positionCaseInsensitive(type, ?) > 0")
		args = append(args, q.RecordType)
	}
	if q.only != nil {
		pairs := make([]string, 0, len(q.only))
		for _, p := range q.only {
			pairs = append(pairs, "(?, ?)")
			args = append(args, p[0], p[1])
		}
		if len(pairs) == 0 {
			where = append(where, "0")
		} else {
			where = append(where, "(toString("+localDay+"), source_id) IN ("+strings.Join(pairs, ", ")+")")
		}
	}
	from := " FROM (SELECT *, toString(id) AS rid FROM " + table + " FINAL WHERE tenant_id = ? AND user_id = toUUID(?))"
	count, countArgs = "SELECT count()"+from+" WHERE "+strings.Join(where, " AND "), args
	args = append([]any(nil), args...)
	order := "start_time, rid"
	if cur != nil {
		cond, cargs := beyond([]key{{"start_time", "toDateTime(?, 'UTC')", cur.Sec}, {"rid", "?", cur.ID}}, cur.Back)
		where = append(where, cond)
		args = append(args, cargs...)
		if cur.Back {
			order = "start_time DESC, rid DESC"
		}
	}
	page = "SELECT " + columns + from + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + order + " LIMIT " + strconv.Itoa(q.Limit+1)
	return page, args, count, countArgs
}

const workoutColumns = "rid, type, name, start_time, end_time, zone_offset, duration_seconds, source_id, provider, device, device_type, source_name," +
	" calories_kcal, distance_meters, avg_heart_rate_bpm, max_heart_rate_bpm, avg_pace_sec_per_km, elevation_gain_meters"

// Workouts reads one page of the user's current workouts, by start time.
func (r *Reader) Workouts(ctx context.Context, q EventQuery) (Page[Workout], error) {
	if err := q.check(); err != nil {
		return Page[Workout]{}, err
	}
	bind := q.binding("workouts")
	cur, err := decodeCursor(q.Cursor, bind)
	if err != nil {
		return Page[Workout]{}, err
	}
	ctx = finalContext(ctx)
	page, args, count, countArgs := eventSQL(workoutColumns, "workouts", "start_time", q, cur)
	total, err := r.count(ctx, count, countArgs)
	if err != nil {
		return Page[Workout]{}, err
	}
	rows, err := r.conn.Query(ctx, page, args...)
	if err != nil {
		return Page[Workout]{}, fmt.Errorf("cannot read workouts: %w", err)
	}
	defer rows.Close()
	var out []Workout
	for rows.Next() {
		var (
			w    Workout
			zone int16
		)
		if err := rows.Scan(&w.ID, &w.Type, &w.Name, &w.StartTime, &w.EndTime, &zone, &w.DurationSeconds,
			&w.Source.ID, &w.Source.Provider, &w.Source.Device, &w.Source.DeviceType, &w.Source.Name,
			&w.CaloriesKcal, &w.DistanceMeters, &w.AvgHeartRateBPM, &w.MaxHeartRateBPM, &w.AvgPaceSecPerKm, &w.ElevationGainMeters); err != nil {
			return Page[Workout]{}, fmt.Errorf("cannot read workouts: %w", err)
		}
		w.ZoneOffset, w.StartTime, w.EndTime = int32(zone), w.StartTime.UTC(), w.EndTime.UTC()
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return Page[Workout]{}, fmt.Errorf("cannot read workouts: %w", err)
	}
	pg := pager[Workout]{limit: q.Limit, in: cur, query: bind, pos: func(w Workout) cursor {
		return cursor{Sec: w.StartTime.Unix(), ID: w.ID}
	}}
	return pg.page(out, total), nil
}

const sleepColumns = "rid, start_time, end_time, zone_offset, source_id, provider, device, device_type, source_name," +
	" duration_seconds, sleep_duration_seconds, in_bed_seconds, efficiency_percent, awake_minutes, light_minutes, deep_minutes, rem_minutes," +
	" is_nap, interval_stage, interval_start, interval_end"

// SleepSessions reads one page of the user's current sleep sessions, naps
// included, by start time; the bounds apply to their end.
func (r *Reader) SleepSessions(ctx context.Context, q EventQuery) (Page[Sleep], error) {
	q.RecordType = ""
	if err := q.check(); err != nil {
		return Page[Sleep]{}, err
	}
	bind := q.binding("sleep")
	cur, err := decodeCursor(q.Cursor, bind)
	if err != nil {
		return Page[Sleep]{}, err
	}
	ctx = finalContext(ctx)
	if q.FilterByPriority {
		if q.only, err = r.bestSleepPairs(ctx, q); err != nil {
			return Page[Sleep]{}, err
		}
	}
	page, args, count, countArgs := eventSQL(sleepColumns, "sleep", "end_time", q, cur)
	total, err := r.count(ctx, count, countArgs)
	if err != nil {
		return Page[Sleep]{}, err
	}
	rows, err := r.conn.Query(ctx, page, args...)
	if err != nil {
		return Page[Sleep]{}, fmt.Errorf("cannot read sleep sessions: %w", err)
	}
	defer rows.Close()
	var out []Sleep
	for rows.Next() {
		s, err := scanSleep(rows)
		if err != nil {
			return Page[Sleep]{}, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return Page[Sleep]{}, fmt.Errorf("cannot read sleep sessions: %w", err)
	}
	pg := pager[Sleep]{limit: q.Limit, in: cur, query: bind, pos: func(s Sleep) cursor {
		return cursor{Sec: s.StartTime.Unix(), ID: s.ID}
	}}
	return pg.page(out, total), nil
}

// scanSleep reads one row of sleepColumns.
func scanSleep(rows driver.Rows) (Sleep, error) {
	var (
		s            Sleep
		zone         int16
		nap          uint8
		stage        []string
		start, until []time.Time
	)
	if err := rows.Scan(&s.ID, &s.StartTime, &s.EndTime, &zone, &s.Source.ID, &s.Source.Provider, &s.Source.Device,
		&s.Source.DeviceType, &s.Source.Name, &s.DurationSeconds, &s.SleepDurationSeconds, &s.InBedSeconds,
		&s.EfficiencyPercent, &s.Stages.Awake, &s.Stages.Light, &s.Stages.Deep, &s.Stages.REM,
		&nap, &stage, &start, &until); err != nil {
		return Sleep{}, fmt.Errorf("cannot read sleep sessions: %w", err)
	}
	s.ZoneOffset, s.IsNap = int32(zone), nap == 1
	s.StartTime, s.EndTime = s.StartTime.UTC(), s.EndTime.UTC()
	s.Intervals = make([]SleepInterval, 0, len(stage))
	for i := range stage {
		if i < len(start) && i < len(until) {
			s.Intervals = append(s.Intervals, SleepInterval{Stage: stage[i], Start: start[i].UTC(), End: until[i].UTC()})
		}
	}
	return s, nil
}

// bestSleepPairs is, for each wake-up day of q's range, the best source
// that slept that day (see bestSleepSource).
func (r *Reader) bestSleepPairs(ctx context.Context, q EventQuery) ([][2]string, error) {
	if q.Priorities.Providers == nil && q.Priorities.DeviceTypes == nil {
		q.Priorities = DefaultPriorities()
	}
	all := q
	all.Limit, all.FilterByPriority = MaxLimit, false
	sql, args, _, _ := eventSQL("end_time, zone_offset, source_id, provider, device_type, is_nap", "sleep", "end_time", all, nil)
	sql = strings.TrimSuffix(sql, " LIMIT "+strconv.Itoa(MaxLimit+1))
	rows, err := r.conn.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("cannot read sleep sources: %w", err)
	}
	defer rows.Close()
	var sessions []Sleep
	for rows.Next() {
		var (
			s    Sleep
			zone int16
			nap  uint8
		)
		if err := rows.Scan(&s.EndTime, &zone, &s.Source.ID, &s.Source.Provider, &s.Source.DeviceType, &nap); err != nil {
			return nil, fmt.Errorf("cannot read sleep sources: %w", err)
		}
		s.EndTime, s.ZoneOffset, s.IsNap = s.EndTime.UTC(), int32(zone), nap == 1
		sessions = append(sessions, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read sleep sources: %w", err)
	}
	out := [][2]string{}
	for day, c := range bestSleepSource(q.Priorities, sessions) {
		out = append(out, [2]string{day, c.source.ID})
	}
	return out, nil
}
