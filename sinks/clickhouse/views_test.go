package clickhouse

import (
	"context"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// TestCurrentViews writes revisions the way the processor emits them and
// reads them back through the *_current views: an update replaces the row,
// a delete (even one that carries only the id) makes it disappear.
func TestCurrentViews(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()

	other := workout(1)
	other.ID = schemas.RecordID(testTenant, testUser, "garmin", "workout", "w-2")
	other.StartTime, other.EndTime = testBase.Add(-40*24*time.Hour), testBase.Add(-40*24*time.Hour+time.Hour)
	if err := w.Write(ctx, Rows{
		Samples:  []schemas.SampleBatch{sampleBatch(4, "garmin:fenix", 1)},
		Workouts: []schemas.Workout{workout(1), other},
		Sleep:    []schemas.Sleep{sleepSession(1, true)},
	}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if n := count(t, conn, "SELECT count() FROM workouts_current"); n != 2 {
		t.Fatalf("workouts_current = %d rows, want 2", n)
	}

	// An update: the same id, a higher version, other content.
	updated := workout(2)
	updated.CaloriesKcal = ptr(700)
	updated.Change = schemas.ChangeUpdated
	// A delete that carries only the id, as provider delete notifications do.
	gone := schemas.Workout{ID: other.ID, Tenant: testTenant, UserID: testUser, Version: 2, Deleted: true, Change: schemas.ChangeDeleted}
	sleepGone := sleepSession(2, false)
	sleepGone.Deleted, sleepGone.Change = true, schemas.ChangeDeleted
	if err := w.Write(ctx, Rows{Workouts: []schemas.Workout{updated, gone}, Sleep: []schemas.Sleep{sleepGone}}); err != nil {
		t.Fatalf("Write: %v", err)
	}

	var (
		n    uint64
		kcal *float64
		ver  uint64
	)
	if err := conn.QueryRow(ctx, "SELECT count(), any(calories_kcal), any(version) FROM workouts_current").Scan(&n, &kcal, &ver); err != nil {
		t.Fatalf("workouts_current: %v", err)
	}
	if n != 1 || kcal == nil || *kcal != 700 || ver != 2 {
		t.Fatalf("workouts_current = %d rows, kcal %v, version %d; want the update alone", n, kcal, ver)
	}
	if n := count(t, conn, "SELECT count() FROM workouts WHERE deleted = 1"); n != 1 {
		t.Fatalf("the id-only delete was not stored: %d deleted rows", n)
	}
	if n := count(t, conn, "SELECT count() FROM sleep_current"); n != 0 {
		t.Fatalf("sleep_current = %d rows after the delete, want 0", n)
	}
	if n := count(t, conn, "SELECT count() FROM samples_current"); n != 4 {
		t.Fatalf("samples_current = %d rows, want 4", n)
	}
	if n := count(t, conn, "SELECT count() FROM workout_laps_current"); n != 0 {
		t.Fatalf("workout_laps_current = %d rows, want 0", n)
	}
}
