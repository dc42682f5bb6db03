package main

// Loading the benchmark's data on the server with INSERT ... SELECT FROM
// numbers(), which writes tens of millions of rows a minute where sending
// them from the client would take far longer. User i (0-based) has the id
// 00000000-0000-4000-8000-<i, 12 digits>; every row is on tenant
// "bench", at zone offset −05:00, so local days are not UTC days.

import (
	"context"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
)

// benchTenant owns every loaded row.
const benchTenant = "bench"

// benchZone is the loaded rows' offset, minutes east of UTC.
const benchZone = -300

// userID is the id of user i.
func userID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

// userSQL is userID in ClickHouse SQL over the expression u.
func userSQL(u string) string {
	return "toUUID(concat('00000000-0000-4000-8000-', substring(toString(1000000000000 + " + u + "), 2, 12)))"
}

// idSQL is a row id in ClickHouse SQL over the expression n (a batch or
// workout id; 18.16 has no generateUUIDv4).
func idSQL(n string) string {
	return "toUUID(concat('00000000-0000-4000-9000-', substring(toString(1000000000000 + " + n + "), 2, 12)))"
}

// dataset is what load writes.
type dataset struct {
	users, days int
	start       time.Time // UTC; local midnight at benchZone of the first day
}

// rows is the number of sample rows the dataset holds.
func (d dataset) rows() (heartRate, steps int) {
	return d.users * d.days * 1440, d.users * d.days * 24
}

// loaded reports whether the samples table already holds the dataset (a
// reused -dir).
func loaded(ctx context.Context, conn driver.Conn, d dataset) (bool, error) {
	var n uint64
	if err := conn.QueryRow(ctx, "SELECT count() FROM samples WHERE tenant_id = ?", benchTenant).Scan(&n); err != nil {
		return false, fmt.Errorf("cannot count samples: %w", err)
	}
	hr, st := d.rows()
	return n == uint64(hr+st), nil
}

// load writes one-minute heart rate, hourly steps and one workout a day for
// every user, user after user (the sort key's order, so parts merge
// cheaply), and then merges the samples to one part per partition.
func load(ctx context.Context, conn driver.Conn, d dataset, optimize bool, logf func(string, ...any)) error {
	hr, st := d.rows()
	start := d.start.Unix()
	samples := func(series, unit string, n, step, perUser int, value string) string {
		return fmt.Sprintf(`INSERT INTO samples (tenant_id, user_id, series_type, ts, ts_ms, source_id, provider, device,
  device_type, source_name, value, unit, zone_offset, is_daily_total, batch_id, raw_event_id, version, deleted, ingested_at)
SELECT '%s', %s, '%s', toDateTime(%d + (number %% %d) * %d, 'UTC'), 0, 'garmin:device', 'garmin', 'Forerunner',
  'watch', 'Garmin', %s, '%s', %d, 0, %s, 'bench', 1, 0, now()
FROM numbers(%d)`, benchTenant, userSQL(fmt.Sprintf("intDiv(number, %d)", perUser)), series, start, perUser, step, value, unit, benchZone, idSQL(fmt.Sprintf("intDiv(number, %d)", perUser/d.days)), n)
	}
	statements := []struct{ what, sql string }{
		{fmt.Sprintf("%d heart-rate rows", hr), samples("heart_rate", "bpm", hr, 60, d.days*1440, "60 + (number % 37)")},
		{fmt.Sprintf("%d steps rows", st), samples("steps", "count", st, 3600, d.days*24, "100 + (number % 500)")},
		{fmt.Sprintf("%d workouts", d.users*d.days), fmt.Sprintf(`INSERT INTO workouts (tenant_id, user_id, id, source_id, provider,
  device, device_type, source_name, provider_record_id, type, name, start_time, end_time, zone_offset, duration_seconds,
  calories_kcal, distance_meters, avg_heart_rate_bpm, max_heart_rate_bpm, min_heart_rate_bpm, avg_pace_sec_per_km,
  elevation_gain_meters, steps, avg_speed_mps, max_speed_mps, avg_power_watts, raw_event_id, version, deleted, ingested_at)
SELECT '%s', %s, %s, 'garmin:Forerunner', 'garmin', 'Forerunner', 'watch', 'Garmin', toString(number),
  'running', 'Morning run', toDateTime(%d + (number %% %d) * 86400 + 12 * 3600, 'UTC'),
  toDateTime(%d + (number %% %d) * 86400 + 13 * 3600, 'UTC'), %d, 3600,
  500, 10000, 150, 175, 90, 360, 50, 9000, 2.8, 4.1, NULL, 'bench', 1, 0, now()
FROM numbers(%d)`, benchTenant, userSQL(fmt.Sprintf("intDiv(number, %d)", d.days)), idSQL("number"), start, d.days, start, d.days, benchZone, d.users*d.days)},
	}
	for _, s := range statements {
		began := time.Now()
		if err := conn.Exec(ctx, s.sql); err != nil {
			return fmt.Errorf("cannot load %s: %w", s.what, err)
		}
		logf("loaded %s in %s", s.what, time.Since(began).Round(time.Second))
	}
	if optimize {
		began := time.Now()
		for _, table := range []string{"samples", "workouts"} {
			if err := conn.Exec(ctx, "OPTIMIZE TABLE "+table+" FINAL"); err != nil {
				return fmt.Errorf("cannot optimize %s: %w", table, err)
			}
		}
		logf("merged in %s", time.Since(began).Round(time.Second))
	}
	return nil
}
