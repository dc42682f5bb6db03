package clickhouse

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/schemas"
)

func TestMain(m *testing.M) {
	code := m.Run()
	chserver.StopTestServer()
	os.Exit(code)
}

// newDatabase returns a connection to a fresh database of the shared test
// server, migrated when migrate is true.
func newDatabase(tb testing.TB, migrate bool) driver.Conn {
	tb.Helper()
	srv := chserver.TestServer(tb)
	db := srv.NewDatabase(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := Connect(ctx, srv.Addr, db, chserver.Tagged(db))
	if err != nil {
		tb.Fatalf("Connect: %v", err)
	}
	tb.Cleanup(func() { conn.Close() })
	if migrate {
		if _, err := Migrate(ctx, conn, nil); err != nil {
			tb.Fatalf("Migrate: %v", err)
		}
	}
	return conn
}

func count(tb testing.TB, conn driver.Conn, query string, args ...any) uint64 {
	tb.Helper()
	var n uint64
	if err := conn.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

var (
	testTenant = "acme"
	testUser   = schemas.NameID("acme", "user-1")
	testBase   = time.Date(2026, 3, 31, 23, 59, 58, 0, time.UTC)
)

// sampleBatch returns n heart-rate samples, 250 ms apart from testBase, from
// the given source id.
func sampleBatch(n int, sourceID string, version int64) schemas.SampleBatch {
	daily := true
	b := schemas.SampleBatch{
		ID:         schemas.NameID(testTenant, testUser, sourceID, "heart_rate", time.Now().String()),
		Tenant:     testTenant,
		UserID:     testUser,
		Source:     schemas.Source{Provider: "garmin", ID: sourceID, Name: "Garmin Connect"},
		SeriesType: "heart_rate",
		Unit:       "bpm",
		Version:    version,
		RawEventID: "raw-1",
		IngestedAt: time.Now().UTC(),
	}
	for i := range n {
		s := schemas.Sample{Time: testBase.Add(time.Duration(i) * 250 * time.Millisecond), Value: 60 + float64(i%40), ZoneOffset: 120}
		if i == 0 {
			s.IsDailyTotal = &daily
		}
		b.Samples = append(b.Samples, s)
	}
	return b
}

func ptr(f float64) *float64 { return &f }

func workout(version int64) schemas.Workout {
	return schemas.Workout{
		ID:               schemas.RecordID(testTenant, testUser, "garmin", "workout", "w-1"),
		Tenant:           testTenant,
		UserID:           testUser,
		Source:           schemas.Source{Provider: "garmin", ID: "garmin:fenix", Device: "Fenix 7", DeviceType: "watch"},
		ProviderRecordID: "w-1",
		Type:             "running",
		Name:             "Morning run",
		StartTime:        testBase,
		EndTime:          testBase.Add(time.Hour),
		ZoneOffset:       120,
		DurationSeconds:  3600,
		CaloriesKcal:     ptr(640),
		AvgHeartRateBPM:  ptr(151.5),
		Version:          version,
		RawEventID:       "raw-w",
		IngestedAt:       time.Now().UTC(),
	}
}

func sleepSession(version int64, stages bool) schemas.Sleep {
	s := schemas.Sleep{
		ID:                   schemas.RecordID(testTenant, testUser, "oura", "sleep", "s-1"),
		Tenant:               testTenant,
		UserID:               testUser,
		Source:               schemas.Source{Provider: "oura", ID: "oura:ring", DeviceType: "ring"},
		ProviderRecordID:     "s-1",
		StartTime:            testBase.Add(-8 * time.Hour),
		EndTime:              testBase,
		ZoneOffset:           120,
		DurationSeconds:      8 * 3600,
		SleepDurationSeconds: 7 * 3600,
		InBedSeconds:         8 * 3600,
		EfficiencyPercent:    ptr(87.5),
		Intervals: []schemas.SleepInterval{
			{Stage: "light", Start: testBase.Add(-8 * time.Hour), End: testBase.Add(-7 * time.Hour)},
			{Stage: "deep", Start: testBase.Add(-7 * time.Hour), End: testBase.Add(-6 * time.Hour)},
		},
		Version:    version,
		RawEventID: "raw-s",
		IngestedAt: time.Now().UTC(),
	}
	if stages {
		s.Stages = &schemas.SleepStages{AwakeMinutes: 30, LightMinutes: 240, DeepMinutes: 90, RemMinutes: 120}
	}
	return s
}
