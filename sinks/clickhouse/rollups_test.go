package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/wearstream/wearstream/internal/chdb"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/schemas"
)

// stepsBatch is steps of testUser from garmin:app at the given UTC times,
// values and zone offsets (minutes).
func stepsBatch(version int64, samples ...schemas.Sample) schemas.SampleBatch {
	return schemas.SampleBatch{
		ID: schemas.NameID(testTenant, testUser, "rollup", fmt.Sprint(version, len(samples))), Tenant: testTenant, UserID: testUser,
		Source:     schemas.Source{Provider: "garmin", ID: "garmin:app"},
		SeriesType: "steps", Unit: "count", Version: version, RawEventID: "raw-r", IngestedAt: testBase,
		Samples: samples,
	}
}

func at(utc string, value float64, offset int32) schemas.Sample {
	ts, err := time.Parse(time.DateTime, utc)
	if err != nil {
		panic(err)
	}
	return schemas.Sample{Time: ts, Value: value, ZoneOffset: offset}
}

// rollups is the current rollup rows, one line each.
func rollups(t *testing.T, conn driver.Conn) string {
	t.Helper()
	var lines []string
	for _, q := range []string{
		"SELECT toString(hour), sample_count, value_sum, value_min, value_max FROM samples_hourly_current ORDER BY hour",
		"SELECT toString(day), sample_count, value_sum, value_min, value_max FROM samples_daily_current ORDER BY day",
	} {
		rows, err := conn.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		for rows.Next() {
			var (
				key           string
				n             uint64
				sum, min, max float64
			)
			if err := rows.Scan(&key, &n, &sum, &min, &max); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, fmt.Sprintf("%s n=%d sum=%g min=%g max=%g", key, n, sum, min, max))
		}
		rows.Close()
	}
	return strings.Join(lines, "\n")
}

// Rollups follow the user's local day, not the UTC day, and stay exact when
// samples are re-sent, revised and deleted; the same statements give the
// same rows on current ClickHouse.
func TestRollupsByLocalDay(t *testing.T) {
	srv := chserver.TestServer(t)
	conn := newDatabase(t, true)
	db := currentDatabase(t, conn)
	w := NewWriter(conn)
	ctx := context.Background()
	forever := func(string) int32 { return 0 }
	update := func() {
		t.Helper()
		if _, err := w.UpdateRollups(ctx, forever, nil, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	write := func(b schemas.SampleBatch) {
		t.Helper()
		if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{b}}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(step, want string) {
		t.Helper()
		if got := rollups(t, conn); got != want {
			t.Fatalf("%s: rollups\n%s\nwant\n%s", step, got, want)
		}
	}

	// UTC+2 until the flight, then UTC-5: the last sample is on 1 April in
	// UTC but on 31 March where the user is.
	first := stepsBatch(1,
		at("2026-03-31 21:30:00", 10, 120), // 23:30 local, 31 March
		at("2026-03-31 21:59:59", 20, 120), // 23:59:59 local, 31 March
		at("2026-03-31 22:00:00", 30, 120), // 00:00 local, 1 April
		at("2026-03-31 22:30:00", 40, 120), // 00:30 local, 1 April
		at("2026-04-01 03:00:00", 5, -300), // 22:00 local, 31 March
	)
	write(first)
	update()
	check("first rollup", `2026-03-31 22:00:00 n=1 sum=5 min=5 max=5
2026-03-31 23:00:00 n=2 sum=30 min=10 max=20
2026-04-01 00:00:00 n=2 sum=70 min=30 max=40
2026-03-31 n=3 sum=35 min=5 max=20
2026-04-01 n=2 sum=70 min=30 max=40`)

	// The same batch again (a replay): counted once.
	write(first)
	update()
	check("re-sent", `2026-03-31 22:00:00 n=1 sum=5 min=5 max=5
2026-03-31 23:00:00 n=2 sum=30 min=10 max=20
2026-04-01 00:00:00 n=2 sum=70 min=30 max=40
2026-03-31 n=3 sum=35 min=5 max=20
2026-04-01 n=2 sum=70 min=30 max=40`)

	// A revision of the 00:30 sample.
	write(stepsBatch(2, at("2026-03-31 22:30:00", 50, 120)))
	update()
	check("revised", `2026-03-31 22:00:00 n=1 sum=5 min=5 max=5
2026-03-31 23:00:00 n=2 sum=30 min=10 max=20
2026-04-01 00:00:00 n=2 sum=80 min=30 max=50
2026-03-31 n=3 sum=35 min=5 max=20
2026-04-01 n=2 sum=80 min=30 max=50`)

	// Deleting 22:00 to 23:00 UTC empties 1 April: its rows end deleted.
	write(schemas.SampleBatch{
		ID: schemas.NameID("rollup", "deletion"), Tenant: testTenant, UserID: testUser,
		Source: schemas.Source{Provider: "garmin", ID: "garmin:app"}, SeriesType: "steps", Unit: "count",
		Version: 3, RawEventID: "raw-del", IngestedAt: testBase,
		Deletion: &schemas.SampleDeletion{Start: time.Date(2026, 3, 31, 22, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 31, 23, 0, 0, 0, time.UTC)},
	})
	update()
	const final = `2026-03-31 22:00:00 n=1 sum=5 min=5 max=5
2026-03-31 23:00:00 n=2 sum=30 min=10 max=20
2026-03-31 n=3 sum=35 min=5 max=20`
	check("deleted", final)
	// Asked outside the replay: replayed, the deletion's tombstones are in
	// samples before the first rebuild, which never writes 1 April.
	if got := srv.Query(t, db, "SELECT count() FROM samples_daily FINAL WHERE day = toDate('2026-04-01') AND deleted = 1"); got != "count()\nUInt64\n1\n" {
		t.Fatalf("1 April's daily rows deleted:\n%s\nwant 1", got)
	}

	schema, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	srv.ReplayOnCurrent(t, db, schema, nil)
}

// A frozen day (its raw samples may have started to expire) is not
// rebuilt: its rollups keep the samples that expired.
func TestRollupsOfFrozenDaysStay(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{stepsBatch(1,
		at("2026-03-31 10:00:00", 7, 0), at("2026-03-31 11:00:00", 8, 0))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.UpdateRollups(ctx, func(string) int32 { return 0 }, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	// Retention expires 10:00; a late sample arrives; the day is frozen.
	if err := conn.Exec(ctx, "ALTER TABLE samples DELETE WHERE ts < toDateTime('2026-03-31 10:30:00', 'UTC')"); err != nil {
		t.Fatal(err)
	}
	for count(t, conn, "SELECT count() FROM samples") != 1 {
		time.Sleep(50 * time.Millisecond)
	}
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{stepsBatch(2, at("2026-03-31 12:00:00", 9, 0))}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 4, 3, 12, 0, 0, 0, time.UTC)
	if !Frozen(time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), 3, now) {
		t.Fatal("31 March is not frozen on 3 April with 3 days of raw samples")
	}
	if n, err := w.UpdateRollups(ctx, func(string) int32 { return 3 }, nil, now); err != nil || n != 0 {
		t.Fatalf("rebuilt %d days (err %v), want 0", n, err)
	}
	want := "2026-03-31 10:00:00 n=1 sum=7 min=7 max=7\n2026-03-31 11:00:00 n=1 sum=8 min=8 max=8\n2026-03-31 n=2 sum=15 min=7 max=8"
	if got := rollups(t, conn); got != want {
		t.Fatalf("rollups\n%s\nwant\n%s", got, want)
	}
}

// A day freezes once its earliest possible sample (18 hours east) is past
// the raw cutoff, and never with samples kept for ever.
func TestFrozen(t *testing.T) {
	day := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	f := func(rawDays int32, now string, want bool) {
		t.Helper()
		n, err := time.Parse(time.DateTime, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := Frozen(day, rawDays, n); got != want {
			t.Fatalf("Frozen(31 March, %d days, %s) = %v, want %v", rawDays, now, got, want)
		}
	}
	f(0, "2100-01-01 00:00:00", false)
	f(3, "2026-04-02 06:00:00", false) // cutoff 30 March 06:00 = 31 March 00:00 at 18 hours east
	f(3, "2026-04-02 06:00:01", true)
	// The day's last sample (1 April 18:00 UTC, 18 hours west) was written
	// by 19:00 and rolled up by 20:10: the day is complete well before.
	f(3, "2026-04-01 20:10:00", false)
}

// The rollup retention deletes a tenant's rollups of local days before its
// cutoff on 18.16, nothing newer and nothing of another tenant; the
// statements run on current ClickHouse too.
func TestRollupRetention(t *testing.T) {
	srv := chserver.TestServer(t)
	conn := newDatabase(t, true)
	db := currentDatabase(t, conn)
	w := NewWriter(conn)
	ctx := context.Background()
	for _, tenant := range []string{"acme", "other"} {
		b := stepsBatch(1, at("2026-03-31 21:30:00", 10, 120), at("2026-03-31 22:30:00", 40, 120))
		b.Tenant = tenant
		if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{b}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.UpdateRollups(ctx, func(string) int32 { return 0 }, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	// One day kept on 2 April at 10:00: local days before 1 April go.
	now := time.Date(2026, 4, 2, 10, 0, 0, 0, time.UTC)
	if err := w.ApplyRetention(ctx, schemas.Retention{Tenant: "acme", RollupsDays: 1}, now); err != nil {
		t.Fatal(err)
	}
	left := func(tenant string) string {
		return fmt.Sprint(count(t, conn, "SELECT count() FROM samples_hourly WHERE tenant_id = ?", tenant), " ",
			count(t, conn, "SELECT count() FROM samples_daily WHERE tenant_id = ?", tenant), " ",
			count(t, conn, "SELECT uniqExact(day) FROM rollup_days WHERE tenant_id = ?", tenant))
	}
	deadline := time.Now().Add(time.Minute)
	for left("acme") != "1 1 1" {
		if time.Now().After(deadline) {
			t.Fatalf("acme's rollup rows (hourly, daily, days) after the retention: %s, want 1 1 1", left("acme"))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := left("other"); got != "2 2 2" {
		t.Fatalf("other tenant's rollup rows: %s, want 2 2 2", got)
	}

	statements, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	alters := srv.SentQueries(t, db, "ALTER")
	if len(alters) != 3 {
		t.Fatalf("sent %d mutations, want 3: %q", len(alters), alters)
	}
	statements = append(statements, "SET mutations_sync = 1")
	statements = append(statements, alters...)
	chdb.MustRun(t, nil, statements...)
}

// storageUsers, storageDays and perDay shape the storage measurement: one
// watch per user with heart rate each minute (jittered), steps and active
// energy each 15 minutes, HRV each 30 minutes, random values.
const (
	storageUsers = 40
	storageDays  = 15
	perDay       = 1440 + 96 + 96 + 48
)

// TestRollupStorage measures on 18.16 the bytes on disk per sample and per
// rollup row, after merges, and how long the rebuild of a user's local day
// takes (logged; README "Retention" records the figures).
func TestRollupStorage(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a million samples")
	}
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()
	n := storageUsers * storageDays * perDay
	load := fmt.Sprintf(`INSERT INTO samples (tenant_id, user_id, series_type, ts, ts_ms, source_id, provider, device, device_type, source_name, value, unit, zone_offset, is_daily_total, batch_id, raw_event_id, version, deleted, ingested_at)
SELECT 'acme', toUUID(concat('00000000-0000-4000-8000-0000000000', toString(10 + u))), series, ts, 0, concat('garmin:fenix-', toString(u)), 'garmin', 'Fenix 7', 'watch', 'Garmin Connect',
  multiIf(k < 1440, toFloat64(50 + rand() %% 90), k < 1536, toFloat64(rand() %% 1500), k < 1632, (rand() %% 5000) / 100, 20 + (rand() %% 800) / 10),
  multiIf(k < 1440, 'bpm', k < 1536, 'count', k < 1632, 'kcal', 'ms'), 60, NULL,
  toUUID(concat('00000000-0000-4000-8000-', toString(100000000000 + u * 10000 + d * 10 + s))), concat('raw-', toString(u), '-', toString(d), '-', toString(s)), 1, 0, ts + 3600
FROM (SELECT number, intDiv(number, %[1]d) AS u, intDiv(number %% %[1]d, %[2]d) AS d, number %% %[2]d AS k,
  multiIf(k < 1440, 0, k < 1536, 1, k < 1632, 2, 3) AS s, arrayElement(['heart_rate', 'steps', 'active_energy', 'hrv'], s + 1) AS series,
  toDateTime('2026-03-01 00:00:00', 'UTC') + d * 86400 + multiIf(k < 1440, toInt64(k * 60 + rand() %% 20), k < 1536, toInt64(k - 1440) * 900, k < 1632, toInt64(k - 1536) * 900, toInt64(k - 1632) * 1800) AS ts
FROM system.numbers LIMIT %[3]d)`, storageDays*perDay, perDay, n)
	if err := conn.Exec(ctx, load); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	days, err := w.UpdateRollups(ctx, func(string) int32 { return 0 }, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	// Every local day of every user, the first one straddling midnight
	// UTC+1 included.
	if want := storageUsers * (storageDays + 1); days != want {
		t.Fatalf("rebuilt %d days, want %d", days, want)
	}
	for table, want := range map[string]uint64{
		"samples":        uint64(n),
		"samples_hourly": storageUsers * storageDays * 24 * 4, // UTC+1: from 01:00 on the first day to 00:59 after the last
		"samples_daily":  storageUsers * (storageDays + 1) * 4,
	} {
		if err := conn.Exec(ctx, "OPTIMIZE TABLE "+table+" FINAL"); err != nil {
			t.Fatal(err)
		}
		var disk, rows uint64
		if err := conn.QueryRow(ctx, "SELECT sum(bytes_on_disk), sum(rows) FROM system.parts WHERE database = currentDatabase() AND table = ? AND active", table).Scan(&disk, &rows); err != nil {
			t.Fatal(err)
		}
		if rows != want {
			t.Errorf("%s holds %d rows, want %d", table, rows, want)
		}
		t.Logf("%s on disk: %d rows, %d bytes, %.1f bytes per row", table, rows, disk, float64(disk)/float64(rows))
	}
	t.Logf("rebuilt %d local days in %v, %v per day", days, took.Round(time.Millisecond), (took / time.Duration(days)).Round(time.Millisecond))
}

// An erasure deletes the user's rollups with the rest of their rows, and a
// provider's data deletion deletes that provider's rollups; another user's
// rollups stay.
func TestErasureDeletesRollups(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()
	jane, joe := testUser, schemas.NameID("acme", "user-2")
	for _, u := range []string{jane, joe} {
		for _, provider := range []string{"garmin", "oura"} {
			b := stepsBatch(1, at("2026-03-31 21:30:00", 10, 120))
			b.UserID, b.Source = u, schemas.Source{Provider: provider, ID: provider + ":app"}
			if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{b}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := w.UpdateRollups(ctx, func(string) int32 { return 0 }, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := w.Erase(ctx, []schemas.Erasure{{UserID: jane, ErasedAt: time.Now()}, {UserID: joe, Provider: "oura", ErasedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	left := func() string {
		return fmt.Sprint(count(t, conn, "SELECT count() FROM samples_hourly WHERE user_id = toUUID(?)", jane), " ",
			count(t, conn, "SELECT count() FROM samples_daily WHERE user_id = toUUID(?)", jane), " ",
			count(t, conn, "SELECT count() FROM rollup_days WHERE user_id = toUUID(?)", jane), " ",
			count(t, conn, "SELECT count() FROM samples_hourly WHERE user_id = toUUID(?) AND provider = 'oura'", joe), " ",
			count(t, conn, "SELECT count() FROM samples_daily WHERE user_id = toUUID(?) AND provider = 'garmin'", joe))
	}
	deadline := time.Now().Add(time.Minute)
	for left() != "0 0 0 0 1" {
		if time.Now().After(deadline) {
			t.Fatalf("rollup rows left (jane hourly, daily, days; joe's oura hourly, garmin daily): %s, want 0 0 0 0 1", left())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The sink's scheduled run rolls up what it wrote by local day and expires
// raw samples: a day within the raw retention is rolled up exactly, and
// samples of a day already past it are expired without a rollup (a rebuild
// from what is left would be wrong once retention started on the day).
func TestSinkRollsUpAndExpires(t *testing.T) {
	conn := newDatabase(t, true)
	k := newKafka(t)
	yesterday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	b := stepsBatch(1,
		schemas.Sample{Time: yesterday.Add(21*time.Hour + 30*time.Minute), Value: 10, ZoneOffset: 120}, // 23:30 local
		schemas.Sample{Time: yesterday.Add(22*time.Hour + 30*time.Minute), Value: 40, ZoneOffset: 120}, // 00:30 local, today
		schemas.Sample{Time: yesterday.AddDate(0, 0, -9), Value: 99, ZoneOffset: 120},                  // past the retention
	)
	k.produce(t, topics.Samples(), b.UserID, b)
	startSink(t, Config{
		Client:         k.consumer(t, "rollups"),
		Decode:         decodeJSON,
		Writer:         NewWriter(conn),
		BatchWait:      50 * time.Millisecond,
		Retention:      func() []schemas.Retention { return []schemas.Retention{{Tenant: testTenant, RawSamplesDays: 3}} },
		RetentionEvery: 50 * time.Millisecond,
	})
	day := func(d time.Time) string { return d.Format(time.DateOnly) }
	want := fmt.Sprintf("%s 23:00:00 n=1 sum=10 min=10 max=10\n%s 00:00:00 n=1 sum=40 min=40 max=40\n%s n=1 sum=10 min=10 max=10\n%s n=1 sum=40 min=40 max=40",
		day(yesterday), day(yesterday.AddDate(0, 0, 1)), day(yesterday), day(yesterday.AddDate(0, 0, 1)))
	waitFor(t, "rollups built and old samples expired", func() bool {
		return rollups(t, conn) == want && count(t, conn, "SELECT count() FROM samples") == 2
	})
}
