package clickhouse

import (
	"context"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

func TestWriterWorkoutLaps(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()
	wk := workout(1)
	wk.Laps = []schemas.WorkoutLap{
		{Kind: "lap", Index: 0, StartTime: wk.StartTime, EndTime: wk.StartTime.Add(5 * time.Minute), DistanceMeters: ptr(1000), AvgHeartRateBPM: ptr(131)},
		{Kind: "lap", Index: 1, StartTime: wk.StartTime.Add(5 * time.Minute), EndTime: wk.StartTime.Add(10 * time.Minute)},
		{Kind: "segment", Index: 0, StartTime: wk.StartTime, EndTime: wk.StartTime.Add(10 * time.Minute), SwimmingStroke: "freestyle"},
	}
	for range 2 {
		if err := w.Write(ctx, Rows{Workouts: []schemas.Workout{wk}}); err != nil {
			t.Fatalf("Write: %v", err)
		}
	}
	if n := count(t, conn, "SELECT count() FROM workout_laps FINAL WHERE workout_id = toUUID(?)", wk.ID); n != 3 {
		t.Fatalf("laps under FINAL = %d, want 3", n)
	}
	if n := count(t, conn, "SELECT count() FROM workout_laps FINAL WHERE kind = 'lap' AND lap_index = 0 AND distance_meters = 1000 AND duration_seconds = 300 AND isNull(calories_kcal)"); n != 1 {
		t.Fatalf("first lap not stored as written (%d rows)", n)
	}
}
