package clickhouse

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

func TestWriterSamplesIdempotent(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()

	batch := sampleBatch(1000, "garmin:app", 1)
	for range 2 {
		if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{batch}}); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if n := count(t, conn, "SELECT count() FROM samples"); n != 2000 {
		t.Fatalf("raw rows = %d, want 2000 before merges", n)
	}
	if n := count(t, conn, "SELECT count() FROM samples FINAL"); n != 1000 {
		t.Fatalf("rows under FINAL = %d, want 1000", n)
	}

	// The same samples from another source are other samples.
	other := sampleBatch(1000, "apple:watch", 1)
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{other}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if n := count(t, conn, "SELECT count() FROM samples FINAL"); n != 2000 {
		t.Fatalf("rows under FINAL = %d, want 2000", n)
	}

	// Late device information replaces the rows instead of adding some.
	late := sampleBatch(1000, "garmin:app", 2)
	late.Source.Device, late.Source.DeviceType = "Forerunner 965", "watch"
	for i := range late.Samples {
		late.Samples[i].Value += 1000
	}
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{late}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if n := count(t, conn, "SELECT count() FROM samples FINAL"); n != 2000 {
		t.Fatalf("rows under FINAL after a higher version = %d, want 2000", n)
	}
	if n := count(t, conn, "SELECT count() FROM samples FINAL WHERE source_id = 'garmin:app' AND (version != 2 OR value < 1000 OR device != 'Forerunner 965')"); n != 0 {
		t.Fatalf("%d rows still show the old version", n)
	}

	// Millisecond part, offset and the nullable daily-total flag survive.
	var (
		ts     time.Time
		ms     uint16
		offset int16
		daily  *uint8
	)
	row := conn.QueryRow(ctx, "SELECT ts, ts_ms, zone_offset, is_daily_total FROM samples FINAL WHERE source_id = 'garmin:app' ORDER BY ts, ts_ms LIMIT 1 OFFSET 1")
	if err := row.Scan(&ts, &ms, &offset, &daily); err != nil {
		t.Fatalf("scan: %v", err)
	}
	if !ts.Equal(testBase) || ms != 250 || offset != 120 || daily != nil {
		t.Fatalf("second sample = %v +%d ms, offset %d, daily %v; want %v +250 ms, 120, nil", ts, ms, offset, daily, testBase)
	}
	if n := count(t, conn, "SELECT count() FROM samples FINAL WHERE is_daily_total = 1"); n != 2 {
		t.Fatalf("daily totals = %d, want 2", n)
	}
	// The batch crosses a month boundary: two partitions.
	if n := count(t, conn, "SELECT uniqExact(partition) FROM system.parts WHERE database = currentDatabase() AND table = 'samples' AND active"); n != 2 {
		t.Fatalf("partitions = %d, want 2", n)
	}
}

func TestWriterWorkoutsAndSleep(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()

	rows := Rows{Workouts: []schemas.Workout{workout(1)}, Sleep: []schemas.Sleep{sleepSession(1, false)}}
	for range 2 {
		if err := w.Write(ctx, rows); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	updated := workout(2)
	updated.CaloriesKcal = ptr(700)
	updated.Deleted = true
	if err := w.Write(ctx, Rows{Workouts: []schemas.Workout{updated}, Sleep: []schemas.Sleep{sleepSession(2, true)}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if n := count(t, conn, "SELECT count() FROM workouts FINAL"); n != 1 {
		t.Fatalf("workouts under FINAL = %d, want 1", n)
	}
	if n := count(t, conn, "SELECT count() FROM sleep FINAL"); n != 1 {
		t.Fatalf("sleep sessions under FINAL = %d, want 1", n)
	}

	var (
		version   uint64
		deleted   uint8
		kcal      *float64
		distance  *float64
		heartRate *float64
		start     time.Time
	)
	if err := conn.QueryRow(ctx, "SELECT version, deleted, calories_kcal, distance_meters, avg_heart_rate_bpm, start_time FROM workouts FINAL").
		Scan(&version, &deleted, &kcal, &distance, &heartRate, &start); err != nil {
		t.Fatalf("scan workout: %v", err)
	}
	if version != 2 || deleted != 1 || kcal == nil || *kcal != 700 || distance != nil || heartRate == nil || *heartRate != 151.5 || !start.Equal(testBase) {
		t.Fatalf("workout = v%d deleted %d kcal %v distance %v hr %v start %v", version, deleted, kcal, distance, heartRate, start)
	}

	var (
		deep       *float64
		efficiency *float64
		stages     []string
		starts     []time.Time
	)
	if err := conn.QueryRow(ctx, "SELECT deep_minutes, efficiency_percent, interval_stage, interval_start FROM sleep FINAL").
		Scan(&deep, &efficiency, &stages, &starts); err != nil {
		t.Fatalf("scan sleep: %v", err)
	}
	if deep == nil || *deep != 90 || efficiency == nil || *efficiency != 87.5 || len(stages) != 2 || stages[1] != "deep" || !starts[1].Equal(testBase.Add(-7*time.Hour)) {
		t.Fatalf("sleep = deep %v efficiency %v stages %v starts %v", deep, efficiency, stages, starts)
	}
	if n := count(t, conn, "SELECT count() FROM sleep WHERE version = 1 AND deep_minutes IS NULL"); n != 2 {
		t.Fatalf("version-1 sessions without stages = %d, want 2", n)
	}
}

func TestWriterRejectsInvalid(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	f := func(name string, rows Rows) {
		t.Helper()
		if err := w.Write(context.Background(), rows); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%s: Write error = %v, want ErrInvalid", name, err)
		}
	}
	good := sampleBatch(3, "garmin:app", 1)

	b := sampleBatch(3, "garmin:app", 1)
	b.UserID = "not-a-uuid"
	f("user id", Rows{Samples: []schemas.SampleBatch{good, b}})

	b = sampleBatch(3, "garmin:app", 1)
	b.Samples[1].Time = time.Time{}
	f("zero time", Rows{Samples: []schemas.SampleBatch{b}})

	wk := workout(1)
	wk.ZoneOffset = 5000
	f("zone offset", Rows{Workouts: []schemas.Workout{wk}})

	sl := sleepSession(1, true)
	sl.Version = -1
	f("version", Rows{Sleep: []schemas.Sleep{sl}})

	if n := count(t, conn, "SELECT count() FROM samples"); n != 0 {
		t.Fatalf("an invalid write inserted %d rows", n)
	}
}

func BenchmarkWriter(b *testing.B) {
	conn := newDatabase(b, true)
	w := NewWriter(conn)
	ctx := context.Background()
	const perBatch = 100_000
	// 100 batches of 1000 samples: one Write of 100k rows.
	rows := Rows{}
	for i := range 100 {
		sb := sampleBatch(perBatch/100, "garmin:app", 1)
		sb.SeriesType = []string{"heart_rate", "steps", "hrv_sdnn", "spo2"}[i%4]
		for j := range sb.Samples {
			sb.Samples[j].Time = sb.Samples[j].Time.Add(time.Duration(i) * time.Hour)
		}
		rows.Samples = append(rows.Samples, sb)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := w.Write(ctx, rows); err != nil {
			b.Fatalf("Write: %v", err)
		}
	}
	b.ReportMetric(float64(perBatch*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// TestWriterSampleDeletions applies deleting batches: by source and by
// provider, to the millisecond, idempotently, never to samples at or above
// the deletion's version, and a later revision brings a sample back.
func TestWriterSampleDeletions(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()
	app, other := sampleBatch(1000, "garmin:app", 1), sampleBatch(1000, "garmin:other", 1)
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{app, other}}); err != nil {
		t.Fatal(err)
	}
	deletion := func(id, source string, from, to time.Duration, version int64) schemas.SampleBatch {
		return schemas.SampleBatch{
			ID: schemas.NameID("deletion", id), Tenant: testTenant, UserID: testUser,
			Source: schemas.Source{Provider: "garmin", ID: source}, SeriesType: "heart_rate", Unit: "bpm",
			Version: version, RawEventID: "raw-del", IngestedAt: time.Now().UTC(),
			Deletion: &schemas.SampleDeletion{Start: testBase.Add(from), End: testBase.Add(to)},
		}
	}
	// Samples are 250 ms apart: [10.125 s, 20 s) holds samples 41 to 79 of
	// garmin:app; [100 s, 101 s) four of each source; nothing of version 1
	// is below version 1.
	bySource := deletion("a", "garmin:app", 10125*time.Millisecond, 20*time.Second, 5)
	byProvider := deletion("b", "", 100*time.Second, 101*time.Second, 5)
	sameVersion := deletion("c", "", 0, time.Second, 1)
	for range 2 {
		if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{bySource, byProvider, sameVersion}}); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if n := count(t, conn, "SELECT count() FROM samples_current"); n != 2000-39-8 {
		t.Fatalf("current samples = %d, want %d", n, 2000-39-8)
	}
	if n := count(t, conn, "SELECT count() FROM samples FINAL WHERE deleted = 1 AND version = 5 AND raw_event_id = 'raw-del'"); n != 47 {
		t.Fatalf("tombstones = %d, want 47", n)
	}
	if n := count(t, conn, "SELECT count() FROM samples_current WHERE source_id = 'garmin:app' AND ts >= toDateTime(?, 'UTC') AND ts < toDateTime(?, 'UTC')",
		testBase.Add(11*time.Second).Unix(), testBase.Add(20*time.Second).Unix()); n != 0 {
		t.Fatalf("%d samples left inside the deleted range", n)
	}

	// A later revision of the samples is newer than the deletion.
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{sampleBatch(1000, "garmin:app", 6)}}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, "SELECT count() FROM samples_current"); n != 2000-4 {
		t.Fatalf("current samples after a newer revision = %d, want %d", n, 2000-4)
	}

	bad := deletion("d", "garmin:app", time.Second, time.Second, 7)
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{bad}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty range: err = %v, want ErrInvalid", err)
	}
	bad = deletion("e", "garmin:app", 0, time.Second, 7)
	bad.Samples = app.Samples[:1]
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{bad}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("deletion with samples: err = %v, want ErrInvalid", err)
	}
}

// BenchmarkWriterSampleDeletion applies the deletion of an hour of one
// user's heart rate (3,600 of a day's 86,400 samples at 1 Hz, among other
// users' samples), each time at a higher version, so every iteration
// tombstones the hour again.
func BenchmarkWriterSampleDeletion(b *testing.B) {
	conn := newDatabase(b, true)
	w := NewWriter(conn)
	ctx := context.Background()
	day := sampleBatch(86_400*4, "garmin:app", 1) // 250 ms apart: a day at 4 Hz
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{day}}); err != nil {
		b.Fatal(err)
	}
	for i := range 9 { // other users' days in the same table
		other := day
		other.UserID, other.ID = schemas.NameID("user", strconv.Itoa(i)), schemas.NameID("batch", strconv.Itoa(i))
		if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{other}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		del := schemas.SampleBatch{
			ID: schemas.NameID("deletion", strconv.Itoa(i)), Tenant: testTenant, UserID: testUser,
			Source: schemas.Source{Provider: "garmin", ID: "garmin:app"}, SeriesType: "heart_rate", Unit: "bpm",
			Version: int64(2*i + 2), IngestedAt: time.Now().UTC(),
			Deletion: &schemas.SampleDeletion{Start: testBase.Add(12 * time.Hour), End: testBase.Add(13 * time.Hour)},
		}
		if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{del}}); err != nil {
			b.Fatal(err)
		}
		// The next deletion finds the hour current again.
		back := day
		back.Version = int64(2*i + 3)
		back.Samples = day.Samples[12*3600*4 : 13*3600*4]
		b.StopTimer()
		if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{back}}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	if n := count(b, conn, "SELECT count() FROM samples WHERE deleted = 1 AND version = ?", 2*(b.N-1)+2); n != 4*3600 {
		b.Fatalf("the last deletion wrote %d tombstones, want %d", n, 4*3600)
	}
	b.ReportMetric(float64(4*3600*b.N)/b.Elapsed().Seconds(), "tombstones/s")
}
