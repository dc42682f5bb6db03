package clickhouse

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/internal/chdb"
	"github.com/wearstream/wearstream/schemas"
)

// deletedAcrossMonths asks for the workouts that start from March 2026 on
// and are not deleted, with the table filtered directly under FINAL.
const deletedAcrossMonths = "SELECT count() AS n FROM workouts FINAL WHERE deleted = 0 AND start_time >= toDateTime('2026-03-01 00:00:00', 'UTC')"

// TestIDOnlyDeleteHidesTheRecord deletes a workout with a revision that
// carries only its id (its start time zero, so in another month), and asks
// for the workouts from that month on with FINAL and a time filter on the
// table. Before 0006 the two revisions were in different partitions and 18.16
// returned the deleted workout; now they share one, and a merge keeps only
// the delete.
func TestIDOnlyDeleteHidesTheRecord(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()
	wk := workout(1)
	gone := schemas.Workout{ID: wk.ID, Tenant: testTenant, UserID: testUser, Version: 2, Deleted: true, Change: schemas.ChangeDeleted}
	if err := w.Write(ctx, Rows{Workouts: []schemas.Workout{wk}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, Rows{Workouts: []schemas.Workout{gone}}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, deletedAcrossMonths+" SETTINGS optimize_move_to_prewhere = 0"); n != 0 {
		t.Fatalf("FINAL with a time filter returned %d deleted workouts on 18.16", n)
	}
	if n := count(t, conn, "SELECT count() FROM workouts_current WHERE start_time >= toDateTime('2026-03-01 00:00:00', 'UTC')"); n != 0 {
		t.Fatalf("workouts_current returned %d deleted workouts", n)
	}
	if err := conn.Exec(ctx, "OPTIMIZE TABLE workouts FINAL"); err != nil {
		t.Fatal(err)
	}
	var version uint64
	var deleted uint8
	if err := conn.QueryRow(ctx, "SELECT count(), any(version), any(deleted) FROM workouts").Scan(new(uint64), &version, &deleted); err != nil {
		t.Fatal(err)
	}
	if n := count(t, conn, "SELECT count() FROM workouts"); n != 1 || version != 2 || deleted != 1 {
		t.Fatalf("after a merge workouts holds %d rows (version %d, deleted %d), want the delete alone", n, version, deleted)
	}
}

// TestIDOnlyDeleteOnCurrentClickHouse runs the same on the current engine,
// also with the settings under which FINAL collapses only inside a partition
// (compatibility 26.2 and do_not_merge_across_partitions_select_final). The
// workout is written before 0006 and its delete after, so the rebuild's
// copy is checked too.
func TestIDOnlyDeleteOnCurrentClickHouse(t *testing.T) {
	all, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	var before, after []string
	for _, m := range all {
		if m.version < 6 {
			before = append(before, splitStatements(m.sql)...)
		} else {
			after = append(after, splitStatements(m.sql)...)
		}
	}
	wk := workout(1)
	row := func(start string, version int, deleted int) string {
		return fmt.Sprintf("INSERT INTO workouts (tenant_id, user_id, id, start_time, end_time, version, deleted) VALUES ('%s', '%s', '%s', '%s', '%s', %d, %d)",
			testTenant, testUser, wk.ID, start, start, version, deleted)
	}
	queries := []string{
		deletedAcrossMonths,
		deletedAcrossMonths + " SETTINGS compatibility = '26.2'",
		deletedAcrossMonths + " SETTINGS do_not_merge_across_partitions_select_final = 1",
		"SELECT count() AS n FROM workouts_current WHERE start_time >= toDateTime('2026-03-01 00:00:00', 'UTC')",
	}
	var script []string
	script = append(script, before...)
	script = append(script, row(wk.StartTime.UTC().Format(time.DateTime), 1, 0))
	script = append(script, after...)
	script = append(script, row("1970-01-01 00:00:00", 2, 1), "SELECT uniqExact(version) AS n FROM workouts")
	script = append(script, queries...)
	run := chdb.MustRun(t, nil, script...)
	if got := run.Results[len(script)-len(queries)-1].Out; got != "n\nUInt64\n2\n" {
		t.Fatalf("ClickHouse %s holds %q workout versions after 0006 and the delete, want 2 (the copied one and the delete)", run.Version, got)
	}
	for i, q := range queries {
		if got := run.Results[len(script)-len(queries)+i].Out; got != "n\nUInt64\n0\n" {
			t.Errorf("ClickHouse %s: %s\nanswered %q, want no row", run.Version, q, strings.ReplaceAll(got, "\n", " "))
		}
	}
}

// TestUnpartitionMigrationKeepsRows fills the monthly-partitioned tables of
// migrations 0001 to 0005, then migrates: 0006 rebuilds them without
// partitions and keeps every row, and the views read the new tables.
func TestUnpartitionMigrationKeepsRows(t *testing.T) {
	conn := newDatabase(t, false)
	ctx := context.Background()
	all, err := loadMigrations(migrationFiles)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range all {
		if m.version >= 6 {
			break
		}
		for _, stmt := range splitStatements(m.sql) {
			if err := conn.Exec(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", m.name, err)
			}
		}
	}
	wk := workout(1)
	wk.Laps = []schemas.WorkoutLap{{Kind: "lap", StartTime: wk.StartTime, EndTime: wk.EndTime}}
	rows := Rows{Workouts: []schemas.Workout{wk}, Sleep: []schemas.Sleep{sleepSession(1, true)}, Summaries: []schemas.Summary{summary(1, 80)}}
	if err := NewWriter(conn).Write(ctx, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := Migrate(ctx, conn, nil); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"workouts", "workout_laps", "sleep", "summaries"} {
		if n := count(t, conn, "SELECT count() FROM "+table+"_current"); n != 1 {
			t.Errorf("%s_current has %d rows after 0006, want 1", table, n)
		}
		var partitions []string
		if err := conn.QueryRow(ctx, "SELECT groupUniqArray(partition) FROM system.parts WHERE database = currentDatabase() AND table = ? AND active", table).Scan(&partitions); err != nil {
			t.Fatal(err)
		}
		if len(partitions) != 1 || partitions[0] != "tuple()" {
			t.Errorf("%s is in partitions %v, want one (tuple())", table, partitions)
		}
	}
	if n := count(t, conn, "SELECT count() FROM system.tables WHERE database = currentDatabase() AND (name LIKE '%_monthly' OR name LIKE '%_unpartitioned')"); n != 0 {
		t.Fatalf("%d tables of the rebuild are left", n)
	}
}
