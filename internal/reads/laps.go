package reads

import (
	"context"
	"fmt"
	"time"
)

// Lap is one lap or segment of a workout.
type Lap struct {
	Kind            string
	Index           uint32
	StartTime       time.Time
	EndTime         time.Time
	DurationSeconds float64
	DistanceMeters  *float64
	CaloriesKcal    *float64
	AvgHeartRateBPM *float64
	AvgSpeedMPS     *float64
	StrokeCount     *float64
	SwimmingStroke  string
}

// Laps reads the laps and segments of the user's current workout id, laps
// first, each kind in order; ErrNotFound when id is not a current workout
// of the user. A workout without laps has none.
func (r *Reader) Laps(ctx context.Context, tenant, userID, id string) ([]Lap, error) {
	ref, err := r.Record(ctx, tenant, userID, WorkoutRecord, id)
	if err != nil {
		return nil, err
	}
	q := "SELECT kind, lap_index, start_time, end_time, duration_seconds, distance_meters, calories_kcal, avg_heart_rate_bpm," +
		" avg_speed_mps, stroke_count, swimming_stroke, version FROM workout_laps FINAL" +
		" WHERE tenant_id = ? AND user_id = toUUID(?) AND workout_id = toUUID(?) AND deleted = 0 ORDER BY kind, lap_index"
	rows, err := r.conn.Query(finalContext(ctx), q, tenant, userID, id)
	if err != nil {
		return nil, fmt.Errorf("cannot read laps of workout %s: %w", id, err)
	}
	defer rows.Close()
	var out []Lap
	for rows.Next() {
		var (
			l Lap
			v uint64
		)
		if err := rows.Scan(&l.Kind, &l.Index, &l.StartTime, &l.EndTime, &l.DurationSeconds, &l.DistanceMeters, &l.CaloriesKcal,
			&l.AvgHeartRateBPM, &l.AvgSpeedMPS, &l.StrokeCount, &l.SwimmingStroke, &v); err != nil {
			return nil, fmt.Errorf("cannot read laps of workout %s: %w", id, err)
		}
		// Only the current revision's laps: a revision with fewer laps (or
		// none) leaves the older rows of the other indexes behind, at a
		// lower version.
		if v == ref.Version {
			l.StartTime, l.EndTime = l.StartTime.UTC(), l.EndTime.UTC()
			out = append(out, l)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read laps of workout %s: %w", id, err)
	}
	if out == nil {
		out = []Lap{}
	}
	return out, nil
}
