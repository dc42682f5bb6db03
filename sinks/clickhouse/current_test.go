package clickhouse

// The schema and the SQL of this package on current ClickHouse: the engine
// that npm's chdb ships (internal/chdb), next to the 18.16 test server.

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/internal/chdb"
	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/schemas"
)

// schemaQueries describe the tables; both engines must give the same answer.
var schemaQueries = []string{
	"SELECT table, name, type, comment FROM system.columns WHERE database = currentDatabase() ORDER BY table, name",
	"SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name",
}

// TestMigrationsOnCurrentClickHouse applies every migration twice on the
// current engine, statement by statement as Migrate splits them, and checks
// that it ends with the same tables, columns, types and comments as 18.16.
func TestMigrationsOnCurrentClickHouse(t *testing.T) {
	statements, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	n := len(statements)
	statements = append(statements, statements...)
	statements = append(statements, schemaQueries...)
	run := chdb.MustRun(t, nil, statements...)
	if !strings.HasPrefix(run.Version, "26.") {
		t.Fatalf("chdb runs ClickHouse %s, want 26.x", run.Version)
	}

	srv := chserver.TestServer(t)
	conn := newDatabase(t, true)
	db := currentDatabase(t, conn)
	for i, q := range schemaQueries {
		got, want := run.Results[2*n+i].Out, srv.Query(t, db, q)
		if got != want {
			t.Errorf("ClickHouse %s and 18.16 differ on %s\n26.x:\n%s\n18.16:\n%s", run.Version, q, got, want)
		}
	}
}

// TestWriterOnCurrentClickHouse writes every kind of row with the Writer on
// 18.16, deletes samples, and reads what the code reads; then it replays on
// the current engine the exact text 18.16 received (the bound sample
// deletion included), starting from the rows as they were before the
// deletion, and compares every answer.
func TestWriterOnCurrentClickHouse(t *testing.T) {
	srv := chserver.TestServer(t)
	conn := newDatabase(t, true)
	db := currentDatabase(t, conn)
	w := NewWriter(conn)
	ctx := context.Background()

	wk := workout(1)
	wk.Laps = []schemas.WorkoutLap{
		{Kind: "lap", Index: 0, StartTime: wk.StartTime, EndTime: wk.StartTime.Add(5 * time.Minute), DistanceMeters: ptr(1000)},
		{Kind: "segment", Index: 0, StartTime: wk.StartTime, EndTime: wk.StartTime.Add(10 * time.Minute), SwimmingStroke: "freestyle"},
	}
	at := testBase.Add(250 * time.Millisecond)
	attempt := schemas.Attempt{ID: "a-1", MessageID: "msg_1", Tenant: testTenant, EndpointID: "ep_1", UserID: testUser,
		EventType: "workout.created", Attempt: 1, Trigger: "scheduled", StatusCode: 500, Error: "endpoint answered 500",
		DurationMS: 12, AttemptedAt: at, NextAttempt: at.Add(5 * time.Second), Payload: []byte(`{"type":"workout.created"}`)}
	if err := w.Write(ctx, Rows{
		Samples:   []schemas.SampleBatch{sampleBatch(8, "garmin:app", 1)},
		Workouts:  []schemas.Workout{wk},
		Sleep:     []schemas.Sleep{sleepSession(1, true)},
		Summaries: []schemas.Summary{summary(1, 80)},
		Attempts:  []schemas.Attempt{attempt},
	}); err != nil {
		t.Fatal(err)
	}
	before := srv.Snapshot(t, db)

	// Samples are 250 ms apart from testBase: [250 ms, 1 s) holds three.
	deletion := schemas.SampleBatch{
		ID: schemas.NameID("deletion", "current"), Tenant: testTenant, UserID: testUser,
		Source: schemas.Source{Provider: "garmin", ID: "garmin:app"}, SeriesType: "heart_rate", Unit: "bpm",
		Version: 5, RawEventID: "raw-del", IngestedAt: testBase.Add(time.Hour),
		Deletion: &schemas.SampleDeletion{Start: testBase.Add(250 * time.Millisecond), End: testBase.Add(time.Second)},
	}
	if err := w.Write(ctx, Rows{Samples: []schemas.SampleBatch{deletion}}); err != nil {
		t.Fatal(err)
	}
	if _, err := appliedVersions(ctx, conn); err != nil {
		t.Fatal(err)
	}
	if err := DeliveriesReady(ctx, conn); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query string
		want  uint64
	}{
		{"SELECT count() FROM samples_current", 5},
		{"SELECT count() FROM samples FINAL WHERE deleted = 1 AND version = 5", 3},
		{"SELECT count() FROM workouts_current", 1},
		{"SELECT count() FROM workout_laps_current", 2},
		{"SELECT count() FROM sleep_current", 1},
		{"SELECT count() FROM summaries_current", 1},
		{"SELECT count() FROM deliveries FINAL", 1},
	} {
		if n := count(t, conn, c.query); n != c.want {
			t.Fatalf("%s = %d on 18.16, want %d", c.query, n, c.want)
		}
	}
	// The states the current engine must reach too, row by row.
	for _, q := range []string{
		"SELECT * FROM samples FINAL ORDER BY ts, ts_ms, source_id",
		"SELECT * FROM workouts_current", "SELECT * FROM workout_laps_current ORDER BY kind, lap_index",
		"SELECT * FROM sleep_current", "SELECT * FROM summaries_current", "SELECT * FROM deliveries FINAL",
	} {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		rows.Close()
	}

	schema, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	script := srv.ReplayOnCurrent(t, db, schema, before)
	var replayed []string
	for _, q := range script[2+len(schema):] { // after the database, USE and the schema
		switch {
		case strings.HasPrefix(q, "INSERT INTO samples (") && strings.Contains(q, "FROM samples FINAL"):
			replayed = append(replayed, "sample deletion")
		case strings.HasPrefix(q, "INSERT INTO "):
			replayed = append(replayed, strings.Fields(q)[2])
		case q == "EXISTS TABLE deliveries", q == "SELECT DISTINCT version FROM schema_migrations":
			replayed = append(replayed, q)
		}
	}
	slices.Sort(replayed)
	want := "EXISTS TABLE deliveries, SELECT DISTINCT version FROM schema_migrations, SELECT DISTINCT version FROM schema_migrations, " +
		"deliveries, sample deletion, samples, schema_migrations, sleep, summaries, workout_laps, workouts"
	if got := strings.Join(replayed, ", "); got != want {
		t.Fatalf("replayed %s\nwant %s", got, want)
	}
}
