// Package mcpserver is wearstream's MCP server (`wearstream mcp`): Open
// Wearables' tools (get_users, get_activity_summary, get_sleep_summary,
// get_workout_events, get_timeseries) for an assistant, answered by the
// read side (internal/reads), the same queries as the read API, so a query
// is fixed once for both. It is built on the official Go SDK
// (github.com/modelcontextprotocol/go-sdk) and serves one tenant per
// server: over stdio the tenant is given at start; over streamable HTTP
// each request's API key (X-API-Key) chooses it, and a request without a
// valid key is refused. A user of another tenant is "not found", as in the
// API. Tool results are structured content (JSON) with a text copy.
package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/wearstream/wearstream/internal/reads"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/state"
	"github.com/wearstream/wearstream/schemas"
)

// Version is the server version announced to clients.
const Version = "1"

// The limits of get_timeseries, as Open Wearables' MCP server.
const (
	maxTimeseriesPages   = 100
	maxTimeseriesSamples = 10000
)

// Tools are the data the tools read: the read side and the configuration
// tables (users, API keys, priorities).
type Tools struct {
	Reader *reads.Reader
	Tables *state.Tables
}

// Server returns the MCP server of one tenant.
func (t Tools) Server(tenant string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "wearstream", Version: Version}, nil)
	h := handlers{Tools: t, tenant: tenant}
	mcp.AddTool(s, &mcp.Tool{Name: "get_users", Description: "List the users, optionally those whose email, name or external id contains search."}, h.getUsers)
	mcp.AddTool(s, &mcp.Tool{Name: "get_activity_summary", Description: "Daily activity of a user by local day (steps, distance, calories, active minutes, heart rate), each metric from the best source."}, h.activity)
	mcp.AddTool(s, &mcp.Tool{Name: "get_sleep_summary", Description: "Daily sleep of a user by local wake-up day (main session, naps, stages, efficiency, vitals during sleep)."}, h.sleep)
	mcp.AddTool(s, &mcp.Tool{Name: "get_workout_events", Description: "Workouts of a user between two local days, optionally of one type."}, h.workouts)
	mcp.AddTool(s, &mcp.Tool{Name: "get_timeseries", Description: "Statistics (count, mean, min, max) per series type of a user's samples between two RFC 3339 times."}, h.timeseries)
	return s
}

// HTTPHandler serves the streamable HTTP transport, one tenant per API key.
func (t Tools) HTTPHandler() http.Handler {
	servers := mcp.NewStreamableHTTPHandler(func(r *http.Request) *mcp.Server {
		tenant, ok := t.tenantOf(r)
		if !ok {
			return nil
		}
		return t.Server(tenant)
	}, nil)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := t.tenantOf(r); !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":{"code":"unauthorized","message":"send a valid API key in the X-API-Key header"}}`))
			return
		}
		servers.ServeHTTP(w, r)
	})
}

// tenantOf is the tenant of the request's API key.
func (t Tools) tenantOf(r *http.Request) (string, bool) {
	key := r.Header.Get("X-API-Key")
	if key == "" {
		key = r.Header.Get("X-Open-Wearables-API-Key")
	}
	if key == "" {
		return "", false
	}
	k, ok := t.Tables.APIKeys.Get(secrets.Hash(key))
	if !ok {
		return "", false
	}
	_, ok = t.Tables.Tenants.Get(k.Tenant)
	return k.Tenant, ok
}

type handlers struct {
	Tools
	tenant string
}

// user checks that id is a user of the tenant.
func (h handlers) user(id string) error {
	u, ok := h.Tables.Users.Get(id)
	if !ok || u.Tenant != h.tenant || h.Tables.Erasures.Erased(id) {
		return fmt.Errorf("user %s not found", id)
	}
	return nil
}

func (h handlers) priorities() reads.Priorities {
	if stored, ok := h.Tables.Priorities.Get(h.tenant); ok {
		return reads.TenantPriorities(&stored)
	}
	return reads.TenantPriorities(nil)
}

// UsersInput is get_users' arguments.
type UsersInput struct {
	Search string `json:"search,omitempty" jsonschema:"part of an email, name or external user id"`
	Limit  int    `json:"limit,omitempty" jsonschema:"at most this many users (default 10)"`
}

// User is one user in get_users' answer.
type User struct {
	ID             string `json:"id"`
	ExternalUserID string `json:"external_user_id,omitempty"`
	Email          string `json:"email,omitempty"`
	FirstName      string `json:"first_name,omitempty"`
	LastName       string `json:"last_name,omitempty"`
	CreatedAt      string `json:"created_at"`
}

// Users is get_users' answer.
type Users struct {
	Users []User `json:"users"`
	Total int    `json:"total"`
}

func (h handlers) getUsers(_ context.Context, _ *mcp.CallToolRequest, in UsersInput) (*mcp.CallToolResult, Users, error) {
	limit := in.Limit
	if limit <= 0 {
		limit = 10
	}
	search := strings.ToLower(in.Search)
	var all []schemas.User
	h.Tables.Users.Range(func(_ string, u schemas.User) bool {
		if u.Tenant == h.tenant && !h.Tables.Erasures.Erased(u.ID) && (search == "" || strings.Contains(strings.ToLower(u.Email+" "+u.FirstName+" "+u.LastName+" "+u.ExternalUserID), search)) {
			all = append(all, u)
		}
		return true
	})
	slices.SortFunc(all, func(a, b schemas.User) int { return b.CreatedAt.Compare(a.CreatedAt) })
	out := Users{Users: []User{}, Total: len(all)}
	for _, u := range all[:min(limit, len(all))] {
		out.Users = append(out.Users, User{ID: u.ID, ExternalUserID: u.ExternalUserID, Email: u.Email, FirstName: u.FirstName,
			LastName: u.LastName, CreatedAt: u.CreatedAt.UTC().Format(time.RFC3339)})
	}
	return nil, out, nil
}

// DaysInput is the arguments of the daily summaries.
type DaysInput struct {
	UserID    string `json:"user_id" jsonschema:"the user's id (get_users)"`
	StartDate string `json:"start_date" jsonschema:"first local day, YYYY-MM-DD"`
	EndDate   string `json:"end_date" jsonschema:"last local day, YYYY-MM-DD, included"`
}

// ActivityDay is one day of get_activity_summary.
type ActivityDay struct {
	Date               string   `json:"date"`
	Steps              *float64 `json:"steps"`
	DistanceMeters     *float64 `json:"distance_meters"`
	FloorsClimbed      *float64 `json:"floors_climbed"`
	ActiveCaloriesKcal *float64 `json:"active_calories_kcal"`
	TotalCaloriesKcal  *float64 `json:"total_calories_kcal"`
	ActiveMinutes      *float64 `json:"active_minutes"`
	AvgHeartRateBPM    *float64 `json:"avg_heart_rate_bpm"`
	MaxHeartRateBPM    *float64 `json:"max_heart_rate_bpm"`
	Source             string   `json:"source"`
}

// Activity is get_activity_summary's answer.
type Activity struct {
	Days []ActivityDay `json:"days"`
}

func (h handlers) activity(ctx context.Context, _ *mcp.CallToolRequest, in DaysInput) (*mcp.CallToolResult, Activity, error) {
	if err := h.user(in.UserID); err != nil {
		return nil, Activity{}, err
	}
	days, err := h.Reader.ActivitySummaries(ctx, reads.DayQuery{Tenant: h.tenant, UserID: in.UserID, StartDate: in.StartDate, EndDate: in.EndDate, Priorities: h.priorities()})
	if err != nil {
		return nil, Activity{}, toolError(err)
	}
	out := Activity{Days: []ActivityDay{}}
	for _, a := range days {
		d := ActivityDay{Date: a.Date, Steps: a.Steps, DistanceMeters: a.DistanceMeters, FloorsClimbed: a.FloorsClimbed,
			ActiveCaloriesKcal: a.ActiveKcal, TotalCaloriesKcal: a.TotalKcal, ActiveMinutes: a.ActiveMinutes, Source: a.Source.ID}
		if a.HeartRate != nil {
			d.AvgHeartRateBPM, d.MaxHeartRateBPM = &a.HeartRate.Avg, &a.HeartRate.Max
		}
		out.Days = append(out.Days, d)
	}
	return nil, out, nil
}

// SleepDay is one day of get_sleep_summary.
type SleepDay struct {
	Date               string   `json:"date"`
	StartTime          string   `json:"start_time"`
	EndTime            string   `json:"end_time"`
	DurationMinutes    float64  `json:"duration_minutes"`
	TimeInBedMinutes   float64  `json:"time_in_bed_minutes"`
	EfficiencyPercent  *float64 `json:"efficiency_percent"`
	DeepMinutes        *float64 `json:"deep_minutes"`
	RemMinutes         *float64 `json:"rem_minutes"`
	LightMinutes       *float64 `json:"light_minutes"`
	AwakeMinutes       *float64 `json:"awake_minutes"`
	NapCount           int      `json:"nap_count"`
	NapDurationMinutes float64  `json:"nap_duration_minutes"`
	AvgHeartRateBPM    *float64 `json:"avg_heart_rate_bpm"`
	AvgHRVSDNNMs       *float64 `json:"avg_hrv_sdnn_ms"`
	Source             string   `json:"source"`
}

// Sleep is get_sleep_summary's answer.
type Sleep struct {
	Days []SleepDay `json:"days"`
}

func (h handlers) sleep(ctx context.Context, _ *mcp.CallToolRequest, in DaysInput) (*mcp.CallToolResult, Sleep, error) {
	if err := h.user(in.UserID); err != nil {
		return nil, Sleep{}, err
	}
	days, err := h.Reader.SleepSummaries(ctx, reads.DayQuery{Tenant: h.tenant, UserID: in.UserID, StartDate: in.StartDate, EndDate: in.EndDate, Priorities: h.priorities()})
	if err != nil {
		return nil, Sleep{}, toolError(err)
	}
	out := Sleep{Days: []SleepDay{}}
	for _, d := range days {
		out.Days = append(out.Days, SleepDay{Date: d.Date, StartTime: d.StartTime.Format(time.RFC3339), EndTime: d.EndTime.Format(time.RFC3339),
			DurationMinutes: d.DurationMinutes, TimeInBedMinutes: d.TimeInBedMinutes, EfficiencyPercent: d.EfficiencyPercent,
			DeepMinutes: d.Stages.Deep, RemMinutes: d.Stages.REM, LightMinutes: d.Stages.Light, AwakeMinutes: d.Stages.Awake,
			NapCount: d.NapCount, NapDurationMinutes: d.NapDurationMinutes, AvgHeartRateBPM: d.AvgHeartRateBPM,
			AvgHRVSDNNMs: d.AvgHRVSDNNMs, Source: d.Source.ID})
	}
	return nil, out, nil
}

// WorkoutsInput is get_workout_events' arguments.
type WorkoutsInput struct {
	UserID     string `json:"user_id" jsonschema:"the user's id (get_users)"`
	StartDate  string `json:"start_date,omitempty" jsonschema:"first local day, YYYY-MM-DD"`
	EndDate    string `json:"end_date,omitempty" jsonschema:"last local day, YYYY-MM-DD, included"`
	RecordType string `json:"record_type,omitempty" jsonschema:"keep workouts whose type contains this, e.g. running"`
	Limit      int    `json:"limit,omitempty" jsonschema:"at most this many workouts (default 50)"`
}

// Workout is one workout of get_workout_events.
type Workout struct {
	ID              string   `json:"id"`
	Type            string   `json:"type"`
	StartTime       string   `json:"start_time"`
	EndTime         string   `json:"end_time"`
	DurationSeconds float64  `json:"duration_seconds"`
	CaloriesKcal    *float64 `json:"calories_kcal"`
	DistanceMeters  *float64 `json:"distance_meters"`
	AvgHeartRateBPM *float64 `json:"avg_heart_rate_bpm"`
	Source          string   `json:"source"`
}

// Workouts is get_workout_events' answer.
type Workouts struct {
	Workouts []Workout `json:"workouts"`
	Total    uint64    `json:"total"`
}

func (h handlers) workouts(ctx context.Context, _ *mcp.CallToolRequest, in WorkoutsInput) (*mcp.CallToolResult, Workouts, error) {
	if err := h.user(in.UserID); err != nil {
		return nil, Workouts{}, err
	}
	limit := in.Limit
	if limit <= 0 {
		limit = 50
	}
	pg, err := h.Reader.Workouts(ctx, reads.EventQuery{Tenant: h.tenant, UserID: in.UserID, StartDate: in.StartDate, EndDate: in.EndDate,
		RecordType: in.RecordType, Limit: min(limit, reads.MaxLimit)})
	if err != nil {
		return nil, Workouts{}, toolError(err)
	}
	out := Workouts{Workouts: []Workout{}, Total: pg.Total}
	for _, w := range pg.Items {
		out.Workouts = append(out.Workouts, Workout{ID: w.ID, Type: w.Type, StartTime: w.StartTime.Format(time.RFC3339), EndTime: w.EndTime.Format(time.RFC3339),
			DurationSeconds: w.DurationSeconds, CaloriesKcal: w.CaloriesKcal, DistanceMeters: w.DistanceMeters, AvgHeartRateBPM: w.AvgHeartRateBPM,
			Source: w.Source.ID})
	}
	return nil, out, nil
}

// TimeseriesInput is get_timeseries' arguments.
type TimeseriesInput struct {
	UserID     string   `json:"user_id" jsonschema:"the user's id (get_users)"`
	StartTime  string   `json:"start_time" jsonschema:"RFC 3339 start, e.g. 2026-01-14T00:00:00-05:00"`
	EndTime    string   `json:"end_time" jsonschema:"RFC 3339 end, excluded"`
	Types      []string `json:"types,omitempty" jsonschema:"series types, e.g. heart_rate, steps; none for all"`
	Resolution string   `json:"resolution,omitempty" jsonschema:"raw (default), 1min, 5min, 15min, 1hour or 1day"`
}

// SeriesStats are one series type's statistics in get_timeseries.
type SeriesStats struct {
	Type  string  `json:"type"`
	Unit  string  `json:"unit"`
	Count int     `json:"count"`
	Avg   float64 `json:"avg"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
}

// Timeseries is get_timeseries' answer: statistics per type over the
// items read (samples, or buckets when a resolution is given), and
// whether the read stopped at its limit.
type Timeseries struct {
	Series    []SeriesStats `json:"series"`
	Items     int           `json:"items"`
	Truncated bool          `json:"truncated"`
}

func (h handlers) timeseries(ctx context.Context, _ *mcp.CallToolRequest, in TimeseriesInput) (*mcp.CallToolResult, Timeseries, error) {
	if err := h.user(in.UserID); err != nil {
		return nil, Timeseries{}, err
	}
	start, err := time.Parse(time.RFC3339Nano, in.StartTime)
	if err != nil {
		return nil, Timeseries{}, errors.New("start_time: must be an RFC 3339 time such as 2026-01-14T00:00:00-05:00")
	}
	end, err := time.Parse(time.RFC3339Nano, in.EndTime)
	if err != nil {
		return nil, Timeseries{}, errors.New("end_time: must be an RFC 3339 time such as 2026-01-15T00:00:00-05:00")
	}
	res, err := reads.ParseResolution(in.Resolution)
	if err != nil {
		return nil, Timeseries{}, toolError(err)
	}
	q := reads.TimeseriesQuery{Tenant: h.tenant, UserID: in.UserID, Start: start, End: end, Types: in.Types, Resolution: res, Limit: 1000}
	stats := map[string]*SeriesStats{}
	var out Timeseries
	for page := 0; ; page++ {
		if page == maxTimeseriesPages || out.Items >= maxTimeseriesSamples {
			out.Truncated = true
			break
		}
		q.Limit = min(1000, maxTimeseriesSamples-out.Items)
		pg, err := h.Reader.Timeseries(ctx, q)
		if err != nil {
			return nil, Timeseries{}, toolError(err)
		}
		for _, p := range pg.Items {
			s, ok := stats[p.Type]
			if !ok {
				s = &SeriesStats{Type: p.Type, Unit: p.Unit, Min: p.Value, Max: p.Value}
				stats[p.Type] = s
			}
			s.Avg = (s.Avg*float64(s.Count) + p.Value) / float64(s.Count+1)
			s.Count++
			s.Min, s.Max = min(s.Min, p.Value), max(s.Max, p.Value)
		}
		out.Items += len(pg.Items)
		if pg.Next == "" {
			break
		}
		q.Cursor = pg.Next
	}
	out.Series = []SeriesStats{}
	for _, s := range stats {
		out.Series = append(out.Series, *s)
	}
	slices.SortFunc(out.Series, func(a, b SeriesStats) int { return strings.Compare(a.Type, b.Type) })
	return nil, out, nil
}

// toolError is a read error as the tool's error: a refused parameter
// keeps its message, naming the parameter; anything else is generic.
func toolError(err error) error {
	var pe *reads.ParamError
	if errors.As(err, &pe) {
		return pe
	}
	return errors.New("cannot read the data now; try again")
}
