package clickhouse

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/wearstream/wearstream/schemas"
)

const lapsInsert = "INSERT INTO workout_laps (tenant_id, user_id, workout_id, kind, lap_index, workout_start, start_time, end_time, duration_seconds, distance_meters, calories_kcal, avg_heart_rate_bpm, avg_speed_mps, stroke_count, swimming_stroke, version, deleted, ingested_at)"

// writeLaps inserts the laps and segments of workouts into workout_laps,
// one row each, with the workout's version.
func (w *Writer) writeLaps(ctx context.Context, workouts []schemas.Workout, now time.Time) error {
	n := 0
	for i := range workouts {
		n += len(workouts[i].Laps)
	}
	if n == 0 {
		return nil
	}
	batch, err := w.conn.PrepareBatch(ctx, lapsInsert)
	if err != nil {
		return fmt.Errorf("cannot prepare workout laps insert: %w", err)
	}
	defer abortUnsent(batch)
	for i := range workouts {
		r := &workouts[i]
		for _, l := range r.Laps {
			err := batch.Append(
				r.Tenant, uuid.MustParse(r.UserID), uuid.MustParse(r.ID), l.Kind, uint32(l.Index),
				r.StartTime.UTC(), clampTime(l.StartTime), clampTime(l.EndTime), l.EndTime.Sub(l.StartTime).Seconds(),
				l.DistanceMeters, l.CaloriesKcal, l.AvgHeartRateBPM, l.AvgSpeedMPS, l.StrokeCount, l.SwimmingStroke,
				uint64(r.Version), boolByte(r.Deleted), ingestedTime(r.IngestedAt, now),
			)
			if err != nil {
				return fmt.Errorf("cannot append a lap of workout %s: %w", r.ID, err)
			}
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert %d workout laps: %w", n, err)
	}
	return nil
}

// clampTime keeps a lap time inside the DateTime range; laps are checked
// to lie within their workout, so this only guards against zero times.
func clampTime(t time.Time) time.Time {
	switch {
	case t.Before(minDateTime):
		return minDateTime.UTC()
	case t.After(maxDateTime):
		return maxDateTime.UTC()
	}
	return t.UTC()
}
