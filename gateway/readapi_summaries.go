package gateway

// The summaries (/summaries/activity, /sleep, /recovery, /body, /data) and
// the health scores, in Open Wearables' shapes. A day is the user's local
// day; each metric comes from the best source that has it that day by the
// tenant's priorities (internal/reads, Priorities), and `sources` says
// which source each metric came from. Day lists answer every day of the
// range in one page (at most reads.MaxDays days).

import (
	"errors"
	"math"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/reads"
)

// dayQuery reads start_date and end_date, both required local days.
func (g *Gateway) dayQuery(c *fiber.Ctx) (reads.DayQuery, error) {
	u, err := g.readUser(c)
	if err != nil {
		return reads.DayQuery{}, err
	}
	return reads.DayQuery{Tenant: u.Tenant, UserID: u.ID, StartDate: c.Query("start_date"), EndDate: c.Query("end_date"),
		Priorities: g.priorities(u.Tenant)}, nil
}

// dayPage answers items as one cursor page.
func dayPage[T, I any](c *fiber.Ctx, items []I, item func(I) T) error {
	return c.JSON(newCursorPage(reads.Page[I]{Items: items, Total: uint64(len(items))}, item, pageMetadata{}))
}

func sourceMap(m map[string]reads.Source) map[string]sourceResponse {
	out := make(map[string]sourceResponse, len(m))
	for k, s := range m {
		out[k] = sourceJSON(s)
	}
	return out
}

// whole rounds a count or a bpm to a whole number, as Open Wearables'
// integer fields.
func whole(v *float64) *int64 {
	if v == nil {
		return nil
	}
	n := int64(math.Round(*v))
	return &n
}

type intensityResponse struct {
	Light    int64 `json:"light"`
	Moderate int64 `json:"moderate"`
	Vigorous int64 `json:"vigorous"`
}

type heartRateResponse struct {
	AvgBPM int64 `json:"avg_bpm"`
	MaxBPM int64 `json:"max_bpm"`
	MinBPM int64 `json:"min_bpm"`
}

type activityResponse struct {
	Date               string                    `json:"date"`
	Source             sourceResponse            `json:"source"`
	Sources            map[string]sourceResponse `json:"sources"`
	Steps              *int64                    `json:"steps"`
	DistanceMeters     *float64                  `json:"distance_meters"`
	FloorsClimbed      *int64                    `json:"floors_climbed"`
	ElevationMeters    *float64                  `json:"elevation_meters"`
	ActiveCaloriesKcal *float64                  `json:"active_calories_kcal"`
	TotalCaloriesKcal  *float64                  `json:"total_calories_kcal"`
	ActiveMinutes      *int64                    `json:"active_minutes"`
	SedentaryMinutes   *int64                    `json:"sedentary_minutes"`
	IntensityMinutes   *intensityResponse        `json:"intensity_minutes"`
	HeartRate          *heartRateResponse        `json:"heart_rate"`
}

// activitySummary answers GET /users/{user_id}/summaries/activity.
func (g *Gateway) activitySummary(c *fiber.Ctx) error {
	q, err := g.dayQuery(c)
	if err != nil {
		return err
	}
	days, err := g.reads.ActivitySummaries(c.UserContext(), q)
	if err != nil {
		return g.readFailure(c, err)
	}
	return dayPage(c, days, func(a reads.Activity) activityResponse {
		out := activityResponse{Date: a.Date, Source: sourceJSON(a.Source), Sources: sourceMap(a.Sources), Steps: whole(a.Steps),
			DistanceMeters: a.DistanceMeters, FloorsClimbed: whole(a.FloorsClimbed), ElevationMeters: a.ElevationMeters,
			ActiveCaloriesKcal: a.ActiveKcal, TotalCaloriesKcal: a.TotalKcal, ActiveMinutes: whole(a.ActiveMinutes),
			SedentaryMinutes: whole(a.SedentaryMinutes)}
		if in := a.Intensity; in != nil {
			out.IntensityMinutes = &intensityResponse{Light: int64(in.Light), Moderate: int64(in.Moderate), Vigorous: int64(in.Vigorous)}
		}
		if hr := a.HeartRate; hr != nil {
			out.HeartRate = &heartRateResponse{AvgBPM: *whole(&hr.Avg), MaxBPM: *whole(&hr.Max), MinBPM: *whole(&hr.Min)}
		}
		return out
	})
}

type sleepSessionResponse struct {
	ID              string    `json:"id"`
	StartTime       time.Time `json:"start_time"`
	EndTime         time.Time `json:"end_time"`
	ZoneOffset      string    `json:"zone_offset"`
	DurationMinutes int64     `json:"duration_minutes"`
	IsNap           bool      `json:"is_nap"`
}

type sleepDayResponse struct {
	Date                 string                    `json:"date"`
	Source               sourceResponse            `json:"source"`
	StartTime            time.Time                 `json:"start_time"`
	EndTime              time.Time                 `json:"end_time"`
	ZoneOffset           string                    `json:"zone_offset"`
	DurationMinutes      int64                     `json:"duration_minutes"`
	TotalDurationMinutes int64                     `json:"total_duration_minutes"`
	TimeInBedMinutes     int64                     `json:"time_in_bed_minutes"`
	EfficiencyPercent    *float64                  `json:"efficiency_percent"`
	Stages               *stagesResponse           `json:"stages"`
	InterruptionsCount   int                       `json:"interruptions_count"`
	NapCount             int                       `json:"nap_count"`
	NapDurationMinutes   int64                     `json:"nap_duration_minutes"`
	Sessions             []sleepSessionResponse    `json:"sessions"`
	AvgHeartRateBPM      *int64                    `json:"avg_heart_rate_bpm"`
	AvgHRVSDNNMs         *float64                  `json:"avg_hrv_sdnn_ms"`
	AvgHRVRMSSDMs        *float64                  `json:"avg_hrv_rmssd_ms"`
	AvgRespiratoryRate   *float64                  `json:"avg_respiratory_rate"`
	AvgSpO2Percent       *float64                  `json:"avg_spo2_percent"`
	VitalSources         map[string]sourceResponse `json:"vital_sources"`
}

// sleepSummary answers GET /users/{user_id}/summaries/sleep.
func (g *Gateway) sleepSummary(c *fiber.Ctx) error {
	q, err := g.dayQuery(c)
	if err != nil {
		return err
	}
	days, err := g.reads.SleepSummaries(c.UserContext(), q)
	if err != nil {
		return g.readFailure(c, err)
	}
	return dayPage(c, days, func(d reads.SleepDay) sleepDayResponse {
		minutes := func(v float64) int64 { return int64(math.Round(v)) }
		out := sleepDayResponse{Date: d.Date, Source: sourceJSON(d.Source), StartTime: d.StartTime, EndTime: d.EndTime,
			ZoneOffset: zoneOffset(d.ZoneOffset), DurationMinutes: minutes(d.DurationMinutes), TotalDurationMinutes: minutes(d.TotalDurationMinutes),
			TimeInBedMinutes: minutes(d.TimeInBedMinutes), EfficiencyPercent: d.EfficiencyPercent, InterruptionsCount: d.InterruptionsCount,
			NapCount: d.NapCount, NapDurationMinutes: minutes(d.NapDurationMinutes), AvgHeartRateBPM: whole(d.AvgHeartRateBPM),
			AvgHRVSDNNMs: d.AvgHRVSDNNMs, AvgHRVRMSSDMs: d.AvgHRVRMSSDMs, AvgRespiratoryRate: d.AvgRespiratoryRate,
			AvgSpO2Percent: d.AvgSpO2Percent, VitalSources: sourceMap(d.VitalSources)}
		if st := d.Stages; st.Awake != nil || st.Light != nil || st.Deep != nil || st.REM != nil {
			out.Stages = &stagesResponse{AwakeMinutes: st.Awake, LightMinutes: st.Light, DeepMinutes: st.Deep, RemMinutes: st.REM}
		}
		for _, s := range d.Sessions {
			out.Sessions = append(out.Sessions, sleepSessionResponse{ID: s.ID, StartTime: s.StartTime, EndTime: s.EndTime,
				ZoneOffset: zoneOffset(s.ZoneOffset), DurationMinutes: minutes(s.SleepDurationSeconds / 60), IsNap: s.IsNap})
		}
		return out
	})
}

type recoveryResponse struct {
	Date                   string                    `json:"date"`
	Source                 sourceResponse            `json:"source"`
	Sources                map[string]sourceResponse `json:"sources"`
	SleepDurationSeconds   *int64                    `json:"sleep_duration_seconds"`
	SleepEfficiencyPercent *float64                  `json:"sleep_efficiency_percent"`
	RestingHeartRateBPM    *int64                    `json:"resting_heart_rate_bpm"`
	AvgHRVSDNNMs           *float64                  `json:"avg_hrv_sdnn_ms"`
	AvgHRVRMSSDMs          *float64                  `json:"avg_hrv_rmssd_ms"`
	AvgSpO2Percent         *float64                  `json:"avg_spo2_percent"`
	RecoveryScore          *float64                  `json:"recovery_score"`
}

// recoverySummary answers GET /users/{user_id}/summaries/recovery.
func (g *Gateway) recoverySummary(c *fiber.Ctx) error {
	q, err := g.dayQuery(c)
	if err != nil {
		return err
	}
	days, err := g.reads.RecoverySummaries(c.UserContext(), q)
	if err != nil {
		return g.readFailure(c, err)
	}
	return dayPage(c, days, func(r reads.Recovery) recoveryResponse {
		return recoveryResponse{Date: r.Date, Source: sourceJSON(r.Source), Sources: sourceMap(r.Sources),
			SleepDurationSeconds: whole(r.SleepDurationSeconds), SleepEfficiencyPercent: r.SleepEfficiencyPercent,
			RestingHeartRateBPM: whole(r.RestingHeartRateBPM), AvgHRVSDNNMs: r.AvgHRVSDNNMs, AvgHRVRMSSDMs: r.AvgHRVRMSSDMs,
			AvgSpO2Percent: r.AvgSpO2Percent, RecoveryScore: r.RecoveryScore}
	})
}

type bloodPressureResponse struct {
	AvgSystolic  int64  `json:"avg_systolic_mmhg"`
	AvgDiastolic int64  `json:"avg_diastolic_mmhg"`
	MaxSystolic  int64  `json:"max_systolic_mmhg"`
	MaxDiastolic int64  `json:"max_diastolic_mmhg"`
	MinSystolic  int64  `json:"min_systolic_mmhg"`
	MinDiastolic int64  `json:"min_diastolic_mmhg"`
	Readings     uint64 `json:"reading_count"`
}

// bodySummary answers GET /users/{user_id}/summaries/body: the snapshot
// now, or null when the user has no body data.
func (g *Gateway) bodySummary(c *fiber.Ctx) error {
	u, err := g.readUser(c)
	if err != nil {
		return err
	}
	q := reads.BodyQuery{Tenant: u.Tenant, UserID: u.ID, Now: g.now(), Priorities: g.priorities(u.Tenant)}
	if q.AveragePeriodDays, err = queryInt(c, "average_period", 7, 1, 7); err != nil {
		return err
	}
	if q.LatestWindowHours, err = queryInt(c, "latest_window_hours", 4, 1, 24); err != nil {
		return err
	}
	b, err := g.reads.BodySummary(c.UserContext(), q)
	if errors.Is(err, reads.ErrNoData) {
		return c.JSON(nil)
	}
	if err != nil {
		return g.readFailure(c, err)
	}
	r := func(v float64) int64 { return int64(math.Round(v)) }
	var bp *bloodPressureResponse
	if p := b.BloodPressure; p != nil {
		bp = &bloodPressureResponse{AvgSystolic: r(p.AvgSystolic), AvgDiastolic: r(p.AvgDiastolic), MaxSystolic: r(p.MaxSystolic),
			MaxDiastolic: r(p.MaxDiastolic), MinSystolic: r(p.MinSystolic), MinDiastolic: r(p.MinDiastolic), Readings: p.Readings}
	}
	return c.JSON(fiber.Map{
		"source":  sourceJSON(b.Source),
		"sources": sourceMap(b.Sources),
		"slow_changing": fiber.Map{"weight_kg": b.WeightKg, "height_cm": b.HeightCm, "body_fat_percent": b.BodyFatPercent,
			"muscle_mass_kg": b.MuscleMassKg, "bmi": b.BMI, "age": nil},
		"averaged": fiber.Map{"period_days": b.PeriodDays, "resting_heart_rate_bpm": whole(b.RestingHeartRateBPM),
			"avg_hrv_sdnn_ms": b.AvgHRVSDNNMs, "avg_hrv_rmssd_ms": b.AvgHRVRMSSDMs, "period_start": b.PeriodStart, "period_end": b.PeriodEnd},
		"latest": fiber.Map{"body_temperature_celsius": b.BodyTemperatureC, "body_temperature_measured_at": b.BodyTemperatureAt,
			"skin_temperature_celsius": b.SkinTemperatureC, "skin_temperature_measured_at": b.SkinTemperatureAt,
			"blood_pressure": bp, "blood_pressure_measured_at": b.BloodPressureAt},
	})
}

type providerCountsResponse struct {
	Provider     string            `json:"provider"`
	DataPoints   uint64            `json:"data_points"`
	SeriesCounts map[string]uint64 `json:"series_counts"`
	WorkoutCount uint64            `json:"workout_count"`
	SleepCount   uint64            `json:"sleep_count"`
}

// dataSummary answers GET /users/{user_id}/summaries/data.
func (g *Gateway) dataSummary(c *fiber.Ctx) error {
	u, err := g.readUser(c)
	if err != nil {
		return err
	}
	ds, err := g.reads.DataSummary(c.UserContext(), u.Tenant, u.ID, c.Query("start_date"), c.Query("end_date"))
	if err != nil {
		return g.readFailure(c, err)
	}
	by := make([]providerCountsResponse, 0, len(ds.ByProvider))
	for _, p := range ds.ByProvider {
		by = append(by, providerCountsResponse{Provider: p.Provider, DataPoints: p.DataPoints, SeriesCounts: p.SeriesCounts,
			WorkoutCount: p.Workouts, SleepCount: p.Sleep})
	}
	return c.JSON(fiber.Map{
		"user_id": u.ID, "total_data_points": ds.DataPoints, "total_workouts": ds.Workouts, "total_sleep_sessions": ds.SleepSessions,
		"series_type_counts": ds.SeriesTypeCounts, "workout_type_counts": ds.WorkoutTypeCounts, "by_provider": by,
		"has_womens_health_data": false,
	})
}

type componentResponse struct {
	Value     *float64 `json:"value"`
	Qualifier *string  `json:"qualifier"`
}

type scoreResponse struct {
	ID         string                       `json:"id"`
	Category   string                       `json:"category"`
	Date       string                       `json:"date"`
	Value      *float64                     `json:"value"`
	Qualifier  *string                      `json:"qualifier"`
	Components map[string]componentResponse `json:"components"`
	RecordedAt time.Time                    `json:"recorded_at"`
	ZoneOffset string                       `json:"zone_offset"`
	Provider   string                       `json:"provider"`
	Source     sourceResponse               `json:"source"`
}

// healthScores answers GET /users/{user_id}/health-scores in cursor pages.
func (g *Gateway) healthScores(c *fiber.Ctx) error {
	u, err := g.readUser(c)
	if err != nil {
		return err
	}
	q := reads.ScoreQuery{Tenant: u.Tenant, UserID: u.ID, StartDate: c.Query("start_date"), EndDate: c.Query("end_date"),
		Category: c.Query("category"), Provider: c.Query("provider"), Cursor: c.Query("cursor")}
	if q.Limit, err = queryInt(c, "limit", reads.DefaultLimit, 1, reads.MaxLimit); err != nil {
		return err
	}
	pg, err := g.reads.Scores(c.UserContext(), q)
	if err != nil {
		return g.readFailure(c, err)
	}
	return c.JSON(newCursorPage(pg, func(s reads.Score) scoreResponse {
		out := scoreResponse{ID: s.ID, Category: s.Category, Date: s.Date, Value: s.Value, Qualifier: optString(s.Qualifier),
			Components: map[string]componentResponse{}, RecordedAt: s.RecordedAt, ZoneOffset: zoneOffset(s.ZoneOffset),
			Provider: s.Source.Provider, Source: sourceJSON(s.Source)}
		for _, cp := range s.Components {
			out.Components[cp.Name] = componentResponse{Value: cp.Value, Qualifier: optString(cp.Qualifier)}
		}
		return out
	}, pageMetadata{}))
}

type dataSourceResponse struct {
	ID                 string    `json:"id"`
	Provider           string    `json:"provider"`
	DeviceModel        *string   `json:"device_model"`
	DeviceType         *string   `json:"device_type"`
	Source             *string   `json:"source"`
	OriginalSourceName *string   `json:"original_source_name"`
	DisplayName        string    `json:"display_name"`
	Priority           int       `json:"priority"`
	RecordCount        uint64    `json:"record_count"`
	LastSeenAt         time.Time `json:"last_seen_at"`
}

// dataSources answers GET /users/{user_id}/data-sources: every source of
// the user's current records, with its rank under the tenant's priorities.
func (g *Gateway) dataSources(c *fiber.Ctx) error {
	u, err := g.readUser(c)
	if err != nil {
		return err
	}
	all, err := g.reads.DataSources(c.UserContext(), u.Tenant, u.ID)
	if err != nil {
		return g.readFailure(c, err)
	}
	prio := g.priorities(u.Tenant)
	out := make([]dataSourceResponse, 0, len(all))
	for _, d := range all {
		display := d.Provider
		if d.Device != "" {
			display += " " + d.Device
		}
		out = append(out, dataSourceResponse{ID: d.ID, Provider: d.Provider, DeviceModel: optString(d.Device), DeviceType: optString(d.DeviceType),
			Source: optString(d.Name), OriginalSourceName: optString(d.Name), DisplayName: display, Priority: prio.Rank(d.Source),
			RecordCount: d.Records, LastSeenAt: d.LastSeen})
	}
	return c.JSON(fiber.Map{"data": out})
}

// coverage answers GET /meta/coverage: what each provider has delivered to
// the caller's tenant, by kind (samples by series type, workouts by type,
// sleep, scores by category), with record counts.
func (g *Gateway) coverage(c *fiber.Ctx) error {
	if g.reads == nil {
		return newError(http.StatusServiceUnavailable, "unavailable", "the read API is not configured (CLICKHOUSE_ADDR)")
	}
	all, err := g.reads.Coverage(c.UserContext(), who(c).Tenant)
	if err != nil {
		return g.readFailure(c, err)
	}
	out := make([]fiber.Map, 0, len(all))
	for _, p := range all {
		m := fiber.Map{"provider": p.Provider}
		for _, kind := range []string{"samples", "workouts", "sleep", "scores"} {
			if p.Kinds[kind] == nil {
				m[kind] = map[string]uint64{}
			} else {
				m[kind] = p.Kinds[kind]
			}
		}
		out = append(out, m)
	}
	return c.JSON(fiber.Map{"data": out})
}
