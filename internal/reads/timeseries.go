package reads

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// Resolution is the bucket width of a timeseries read.
type Resolution string

// The resolutions: raw samples, clock buckets of the user's local time, and
// the user's local day.
const (
	Raw       Resolution = "raw"
	OneMinute Resolution = "1min"
	FiveMin   Resolution = "5min"
	Quarter   Resolution = "15min"
	OneHour   Resolution = "1hour"
	OneDay    Resolution = "1day"
)

// startOf is the ClickHouse function that truncates a local time to the
// start of its bucket (all exist on 18.16, unlike toStartOfInterval).
var startOf = map[Resolution]string{
	OneMinute: "toStartOfMinute",
	FiveMin:   "toStartOfFiveMinute",
	Quarter:   "toStartOfFifteenMinutes",
	OneHour:   "toStartOfHour",
	OneDay:    "toStartOfDay",
}

// ParseResolution reads a resolution name; "" is Raw.
func ParseResolution(s string) (Resolution, error) {
	r := Resolution(s)
	if s == "" || r == Raw {
		return Raw, nil
	}
	if _, ok := startOf[r]; ok {
		return r, nil
	}
	return "", paramError("resolution", "must be one of raw, 1min, 5min, 15min, 1hour, 1day")
}

// TimeseriesQuery asks for one user's samples in [Start, End).
type TimeseriesQuery struct {
	Tenant string
	UserID string
	Start  time.Time
	End    time.Time
	// Types are series type names of the catalog; none means every type.
	Types      []string
	Resolution Resolution
	// Limit is the page size (0 is DefaultLimit); Cursor a page's cursor.
	Limit  int
	Cursor string
}

// Point is one item of a timeseries: a sample, or the aggregate of one
// bucket of one series from one source.
type Point struct {
	// Time is the sample's time, or the start of its bucket: for 1day the
	// user's local midnight, in the offset of the day's first sample.
	Time       time.Time
	ZoneOffset int32 // minutes east of UTC; for a bucket, at its first sample
	Type       string
	Value      float64
	Unit       string
	Source     Source
	// IsDailyTotal is the sample's flag (nil when unknown); for a bucket,
	// true when any of its samples is a daily total.
	IsDailyTotal *bool
	// Samples is how many samples the item stands for (1 when raw).
	Samples uint64
	// Aggregation is how a bucket's value was computed ("" when raw).
	Aggregation schemas.Aggregation
}

// check validates q and fills its defaults.
func (q *TimeseriesQuery) check() error {
	if q.Start.IsZero() {
		return paramError("start_time", "required, an RFC 3339 time such as 2026-01-14T00:00:00-05:00")
	}
	if q.End.IsZero() {
		return paramError("end_time", "required, an RFC 3339 time such as 2026-01-15T00:00:00-05:00")
	}
	if !q.End.After(q.Start) {
		return paramError("end_time", "must be after start_time")
	}
	for _, t := range q.Types {
		if _, ok := schemas.LookupSeriesType(t); !ok {
			return paramError("types", strconv.Quote(t)+" is not a series type (GET /api/v1/meta/series-types lists them)")
		}
	}
	if q.Resolution == "" {
		q.Resolution = Raw
	}
	if _, err := ParseResolution(string(q.Resolution)); err != nil {
		return err
	}
	var err error
	q.Limit, err = checkLimit(q.Limit)
	return err
}

// binding is the digest a cursor of q must carry.
func (q *TimeseriesQuery) binding() string {
	types := slices.Clone(q.Types)
	slices.Sort(types)
	types = slices.Compact(types)
	return binding("timeseries", q.Tenant, q.UserID, strconv.FormatInt(q.Start.UnixMilli(), 10),
		strconv.FormatInt(q.End.UnixMilli(), 10), string(q.Resolution), strings.Join(types, ","))
}

// where is the filter of q's samples: one user's sort-key range, the
// types, the time range to the millisecond, current revisions only.
func (q *TimeseriesQuery) where() (string, []any) {
	from, to := q.Start.UTC(), q.End.UTC()
	w := "tenant_id = ? AND user_id = toUUID(?)"
	args := []any{q.Tenant, q.UserID}
	if len(q.Types) > 0 {
		w += " AND series_type IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(q.Types)), ", ") + ")"
		for _, t := range q.Types {
			args = append(args, t)
		}
	}
	w += " AND ts >= toDateTime(?, 'UTC') AND ts <= toDateTime(?, 'UTC')" +
		" AND toUInt64(ts) * 1000 + ts_ms >= ? AND toUInt64(ts) * 1000 + ts_ms < ? AND deleted = 0"
	args = append(args, from.Unix(), to.Unix(), from.UnixMilli(), to.UnixMilli())
	return w, args
}

// Timeseries reads one page of q.
func (r *Reader) Timeseries(ctx context.Context, q TimeseriesQuery) (Page[Point], error) {
	if err := q.check(); err != nil {
		return Page[Point]{}, err
	}
	bind := q.binding()
	cur, err := decodeCursor(q.Cursor, bind)
	if err != nil {
		return Page[Point]{}, err
	}
	ctx = finalContext(ctx)
	if q.Resolution == Raw {
		return r.rawSamples(ctx, q, cur, bind)
	}
	return r.buckets(ctx, q, cur, bind)
}

const rawColumns = "series_type, ts, ts_ms, source_id, provider, device, device_type, source_name, value, unit, zone_offset, is_daily_total"

// rawSamples pages through the samples in the order of the table's sort
// key: series type, time, source.
func (r *Reader) rawSamples(ctx context.Context, q TimeseriesQuery, cur *cursor, bind string) (Page[Point], error) {
	where, args := q.where()
	total, err := r.count(ctx, "SELECT count() FROM samples FINAL WHERE "+where, args)
	if err != nil {
		return Page[Point]{}, err
	}
	order := "series_type, ts, ts_ms, source_id"
	if cur != nil {
		cond, cargs := beyond([]key{
			{"series_type", "?", cur.Type},
			{"ts", "toDateTime(?, 'UTC')", cur.Sec},
			{"ts_ms", "?", cur.MS},
			{"source_id", "?", cur.ID},
		}, cur.Back)
		where += " AND " + cond
		args = append(args, cargs...)
		if cur.Back {
			order = "series_type DESC, ts DESC, ts_ms DESC, source_id DESC"
		}
	}
	sql := "SELECT " + rawColumns + " FROM samples FINAL WHERE " + where +
		" ORDER BY " + order + " LIMIT " + strconv.Itoa(q.Limit+1)
	rows, err := r.conn.Query(ctx, sql, args...)
	if err != nil {
		return Page[Point]{}, fmt.Errorf("cannot read samples: %w", err)
	}
	defer rows.Close()
	var points []Point
	for rows.Next() {
		var (
			p     Point
			ms    uint16
			zone  int16
			daily *uint8
		)
		if err := rows.Scan(&p.Type, &p.Time, &ms, &p.Source.ID, &p.Source.Provider, &p.Source.Device,
			&p.Source.DeviceType, &p.Source.Name, &p.Value, &p.Unit, &zone, &daily); err != nil {
			return Page[Point]{}, fmt.Errorf("cannot read samples: %w", err)
		}
		p.Time = p.Time.Add(time.Duration(ms) * time.Millisecond).UTC()
		p.ZoneOffset, p.IsDailyTotal, p.Samples = int32(zone), flag(daily), 1
		points = append(points, p)
	}
	if err := rows.Err(); err != nil {
		return Page[Point]{}, fmt.Errorf("cannot read samples: %w", err)
	}
	pg := pager[Point]{limit: q.Limit, in: cur, query: bind, pos: func(p Point) cursor {
		return cursor{Type: p.Type, Sec: p.Time.Unix(), MS: int64(p.Time.Nanosecond() / int(time.Millisecond)), ID: p.Source.ID}
	}}
	return pg.page(points, total), nil
}

// bucketKey is the SQL of a sample's bucket. Clock buckets are cut on the
// user's local clock and named by their start instant (so the two 01:00
// hours of a daylight-saving fall-back are two buckets); a day is the local
// date, named by local midnight written as if it were UTC, and turned into
// an instant with the offset of the day's first sample.
func bucketKey(res Resolution) string {
	local := "(ts + zone_offset * 60)"
	if res == OneDay {
		return startOf[res] + local
	}
	return startOf[res] + local + " - zone_offset * 60"
}

// buckets pages through one item per (series type, bucket, source), in
// that order, each with every aggregation; the catalog picks the value.
func (r *Reader) buckets(ctx context.Context, q TimeseriesQuery, cur *cursor, bind string) (Page[Point], error) {
	where, args := q.where()
	inner := "SELECT series_type AS b_type, " + bucketKey(q.Resolution) + " AS b_key, source_id AS b_source," +
		" any(provider) AS b_provider, argMax(device, ts) AS b_device, argMax(device_type, ts) AS b_device_type," +
		" argMax(source_name, ts) AS b_source_name, any(unit) AS b_unit," +
		" argMin(zone_offset, toUInt64(ts) * 1000 + ts_ms) AS b_zone, max(is_daily_total) AS b_daily, count() AS b_count," +
		" sum(value) AS b_sum, avg(value) AS b_avg, max(value) AS b_max," +
		" argMax(value, toUInt64(ts) * 1000 + ts_ms) AS b_last" +
		" FROM samples FINAL WHERE " + where + " GROUP BY b_type, b_key, b_source"
	total, err := r.count(ctx, "SELECT count() FROM ("+inner+")", args)
	if err != nil {
		return Page[Point]{}, err
	}
	outerWhere, order := "", "b_type, b_key, b_source"
	if cur != nil {
		cond, cargs := beyond([]key{
			{"b_type", "?", cur.Type},
			{"b_key", "toDateTime(?, 'UTC')", cur.Sec},
			{"b_source", "?", cur.ID},
		}, cur.Back)
		outerWhere = " WHERE " + cond
		args = append(args, cargs...)
		if cur.Back {
			order = "b_type DESC, b_key DESC, b_source DESC"
		}
	}
	sql := "SELECT b_type, b_key, b_source, b_provider, b_device, b_device_type, b_source_name, b_unit, b_zone, b_daily," +
		" b_count, b_sum, b_avg, b_max, b_last FROM (" + inner + ")" + outerWhere +
		" ORDER BY " + order + " LIMIT " + strconv.Itoa(q.Limit+1)
	rows, err := r.conn.Query(ctx, sql, args...)
	if err != nil {
		return Page[Point]{}, fmt.Errorf("cannot read sample buckets: %w", err)
	}
	defer rows.Close()
	var points []Point
	for rows.Next() {
		var (
			p                 Point
			bucket            time.Time
			zone              int16
			daily             *uint8
			sum, avg, mx, lst float64
		)
		if err := rows.Scan(&p.Type, &bucket, &p.Source.ID, &p.Source.Provider, &p.Source.Device, &p.Source.DeviceType,
			&p.Source.Name, &p.Unit, &zone, &daily, &p.Samples, &sum, &avg, &mx, &lst); err != nil {
			return Page[Point]{}, fmt.Errorf("cannot read sample buckets: %w", err)
		}
		p.ZoneOffset, p.IsDailyTotal = int32(zone), flag(daily)
		p.Time = bucket.UTC()
		if q.Resolution == OneDay {
			p.Time = p.Time.Add(-time.Duration(zone) * time.Minute)
		}
		st, _ := schemas.LookupSeriesType(p.Type)
		p.Aggregation = st.Aggregation
		switch st.Aggregation {
		case schemas.AggSum:
			p.Value = sum
		case schemas.AggMax:
			p.Value = mx
		case schemas.AggLast:
			p.Value = lst
		default:
			p.Value, p.Aggregation = avg, schemas.AggAvg
		}
		points = append(points, p)
	}
	if err := rows.Err(); err != nil {
		return Page[Point]{}, fmt.Errorf("cannot read sample buckets: %w", err)
	}
	// The position is the bucket's key, which for a day is local midnight
	// written as UTC: the item's time plus its offset.
	pg := pager[Point]{limit: q.Limit, in: cur, query: bind, pos: func(p Point) cursor {
		sec := p.Time.Unix()
		if q.Resolution == OneDay {
			sec += int64(p.ZoneOffset) * 60
		}
		return cursor{Type: p.Type, Sec: sec, ID: p.Source.ID}
	}}
	return pg.page(points, total), nil
}

func (r *Reader) count(ctx context.Context, sql string, args []any) (uint64, error) {
	var n uint64
	if err := r.conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("cannot count: %w", err)
	}
	return n, nil
}

func flag(b *uint8) *bool {
	if b == nil {
		return nil
	}
	v := *b == 1
	return &v
}
