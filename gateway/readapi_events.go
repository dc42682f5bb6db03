package gateway

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/reads"
)

type workoutResponse struct {
	ID                  string         `json:"id"`
	Type                string         `json:"type"`
	Name                *string        `json:"name"`
	StartTime           time.Time      `json:"start_time"`
	EndTime             time.Time      `json:"end_time"`
	ZoneOffset          string         `json:"zone_offset"`
	DurationSeconds     float64        `json:"duration_seconds"`
	Source              sourceResponse `json:"source"`
	CaloriesKcal        *float64       `json:"calories_kcal"`
	DistanceMeters      *float64       `json:"distance_meters"`
	AvgHeartRateBPM     *float64       `json:"avg_heart_rate_bpm"`
	MaxHeartRateBPM     *float64       `json:"max_heart_rate_bpm"`
	AvgPaceSecPerKm     *float64       `json:"avg_pace_sec_per_km"`
	ElevationGainMeters *float64       `json:"elevation_gain_meters"`
}

type stagesResponse struct {
	AwakeMinutes *float64 `json:"awake_minutes"`
	LightMinutes *float64 `json:"light_minutes"`
	DeepMinutes  *float64 `json:"deep_minutes"`
	RemMinutes   *float64 `json:"rem_minutes"`
}

type intervalResponse struct {
	Stage     string    `json:"stage"`
	StartTime time.Time `json:"start_time"`
	EndTime   time.Time `json:"end_time"`
}

type sleepResponse struct {
	ID                   string             `json:"id"`
	StartTime            time.Time          `json:"start_time"`
	EndTime              time.Time          `json:"end_time"`
	ZoneOffset           string             `json:"zone_offset"`
	Source               sourceResponse     `json:"source"`
	DurationSeconds      float64            `json:"duration_seconds"`
	SleepDurationSeconds float64            `json:"sleep_duration_seconds"`
	EfficiencyPercent    *float64           `json:"efficiency_percent"`
	Stages               *stagesResponse    `json:"stages"`
	Intervals            []intervalResponse `json:"sleep_stage_intervals"`
	IsNap                bool               `json:"is_nap"`
}

// eventQuery reads the parameters shared by the event lists: start_date and
// end_date, each a local day (2026-01-14, end included) or an RFC 3339
// time (end excluded), cursor and limit.
func eventQuery(c *fiber.Ctx, u userRef) (reads.EventQuery, pageMetadata, error) {
	q := reads.EventQuery{Tenant: u.Tenant, UserID: u.ID, Cursor: c.Query("cursor")}
	var meta pageMetadata
	for _, b := range []struct {
		param string
		date  *string
		at    *time.Time
		meta  **time.Time
	}{{"start_date", &q.StartDate, &q.StartTime, &meta.StartTime}, {"end_date", &q.EndDate, &q.EndTime, &meta.EndTime}} {
		s := c.Query(b.param)
		switch {
		case s == "":
		case len(s) == len("2006-01-02"):
			*b.date = s
		default:
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return q, meta, badRequest("invalid_query", b.param+": must be a date (2026-01-14) or an RFC 3339 time")
			}
			*b.at, *b.meta = t, &t
		}
	}
	var err error
	q.Limit, err = queryInt(c, "limit", reads.DefaultLimit, 1, reads.MaxLimit)
	return q, meta, err
}

// workoutEvents answers GET /users/{user_id}/events/workouts.
func (g *Gateway) workoutEvents(c *fiber.Ctx) error {
	u, err := g.readUser(c)
	if err != nil {
		return err
	}
	q, meta, err := eventQuery(c, u)
	if err != nil {
		return err
	}
	q.RecordType = c.Query("record_type")
	pg, err := g.reads.Workouts(c.UserContext(), q)
	if err != nil {
		return g.readFailure(c, err)
	}
	return c.JSON(newCursorPage(pg, func(w reads.Workout) workoutResponse {
		return workoutResponse{ID: w.ID, Type: w.Type, Name: optString(w.Name), StartTime: w.StartTime, EndTime: w.EndTime,
			ZoneOffset: zoneOffset(w.ZoneOffset), DurationSeconds: w.DurationSeconds, Source: sourceJSON(w.Source),
			CaloriesKcal: w.CaloriesKcal, DistanceMeters: w.DistanceMeters, AvgHeartRateBPM: w.AvgHeartRateBPM,
			MaxHeartRateBPM: w.MaxHeartRateBPM, AvgPaceSecPerKm: w.AvgPaceSecPerKm, ElevationGainMeters: w.ElevationGainMeters}
	}, meta))
}

// sleepEvents answers GET /users/{user_id}/events/sleep.
func (g *Gateway) sleepEvents(c *fiber.Ctx) error {
	u, err := g.readUser(c)
	if err != nil {
		return err
	}
	q, meta, err := eventQuery(c, u)
	if err != nil {
		return err
	}
	switch c.Query("filter_by_priority") {
	case "", "false":
	case "true":
		q.FilterByPriority, q.Priorities = true, g.priorities(u.Tenant)
	default:
		return badRequest("invalid_query", "filter_by_priority: must be true or false")
	}
	pg, err := g.reads.SleepSessions(c.UserContext(), q)
	if err != nil {
		return g.readFailure(c, err)
	}
	return c.JSON(newCursorPage(pg, func(s reads.Sleep) sleepResponse {
		out := sleepResponse{ID: s.ID, StartTime: s.StartTime, EndTime: s.EndTime, ZoneOffset: zoneOffset(s.ZoneOffset),
			Source: sourceJSON(s.Source), DurationSeconds: s.DurationSeconds, SleepDurationSeconds: s.SleepDurationSeconds,
			EfficiencyPercent: s.EfficiencyPercent, Intervals: make([]intervalResponse, 0, len(s.Intervals)), IsNap: s.IsNap}
		if st := s.Stages; st.Awake != nil || st.Light != nil || st.Deep != nil || st.REM != nil {
			out.Stages = &stagesResponse{AwakeMinutes: st.Awake, LightMinutes: st.Light, DeepMinutes: st.Deep, RemMinutes: st.REM}
		}
		for _, iv := range s.Intervals {
			out.Intervals = append(out.Intervals, intervalResponse{Stage: iv.Stage, StartTime: iv.Start, EndTime: iv.End})
		}
		return out
	}, meta))
}
