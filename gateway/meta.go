package gateway

// The catalog routes: the series types and workout types the API, the
// webhooks and ClickHouse use, so clients need not hard-code them. They
// describe the product, not a tenant's data, and need no authentication.

import (
	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/schemas"
)

type seriesTypeResponse struct {
	ID          int     `json:"id"`
	Name        string  `json:"name"`
	Unit        string  `json:"unit"`
	Aggregation string  `json:"aggregation"`
	Category    string  `json:"category"`
	WebhookType *string `json:"webhook_event_type"`
}

// listSeriesTypes answers GET /meta/series-types: every series type, by id.
func (g *Gateway) listSeriesTypes(c *fiber.Ctx) error {
	all := schemas.SeriesTypes()
	out := make([]seriesTypeResponse, 0, len(all))
	for _, s := range all {
		out = append(out, seriesTypeResponse{ID: s.ID, Name: s.Name, Unit: s.Unit, Aggregation: string(s.Aggregation),
			Category: s.Category, WebhookType: optString(s.GroupEvent)})
	}
	return c.JSON(fiber.Map{"data": out})
}

type workoutTypeResponse struct {
	Name        string `json:"name"`
	ReportsPace bool   `json:"reports_pace"`
}

// listWorkoutTypes answers GET /meta/workout-types: every unified workout
// type, in Open Wearables' order.
func (g *Gateway) listWorkoutTypes(c *fiber.Ctx) error {
	all := schemas.WorkoutTypes()
	out := make([]workoutTypeResponse, 0, len(all))
	for _, w := range all {
		out = append(out, workoutTypeResponse{Name: w, ReportsPace: schemas.ReportsPace(w)})
	}
	return c.JSON(fiber.Map{"data": out})
}
