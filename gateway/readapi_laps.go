package gateway

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/reads"
)

type lapResponse struct {
	Kind            string    `json:"kind"`
	Index           uint32    `json:"index"`
	StartTime       time.Time `json:"start_time"`
	EndTime         time.Time `json:"end_time"`
	DurationSeconds float64   `json:"duration_seconds"`
	DistanceMeters  *float64  `json:"distance_meters"`
	CaloriesKcal    *float64  `json:"calories_kcal"`
	AvgHeartRateBPM *float64  `json:"avg_heart_rate_bpm"`
	AvgSpeedMPS     *float64  `json:"avg_speed_mps"`
	StrokeCount     *float64  `json:"stroke_count"`
	SwimmingStroke  *string   `json:"swimming_stroke"`
}

// workoutLaps answers the laps and segments of one current workout.
func (g *Gateway) workoutLaps(c *fiber.Ctx) error {
	u, err := g.readUser(c)
	if err != nil {
		return err
	}
	id := c.Params("id")
	laps, err := g.reads.Laps(c.UserContext(), u.Tenant, u.ID, id)
	if errors.Is(err, reads.ErrNotFound) {
		return notFound("workout " + id + " not found")
	}
	if err != nil {
		return g.readFailure(c, err)
	}
	out := make([]lapResponse, 0, len(laps))
	for _, l := range laps {
		r := lapResponse{Kind: l.Kind, Index: l.Index, StartTime: l.StartTime, EndTime: l.EndTime, DurationSeconds: l.DurationSeconds,
			DistanceMeters: l.DistanceMeters, CaloriesKcal: l.CaloriesKcal, AvgHeartRateBPM: l.AvgHeartRateBPM, AvgSpeedMPS: l.AvgSpeedMPS,
			StrokeCount: l.StrokeCount}
		if l.SwimmingStroke != "" {
			r.SwimmingStroke = &l.SwimmingStroke
		}
		out = append(out, r)
	}
	return c.JSON(fiber.Map{"workout_id": id, "data": out})
}
