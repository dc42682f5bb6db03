package schemas

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

func TestCatalogSeriesTypes(t *testing.T) {
	all := SeriesTypes()
	if len(all) != 93 {
		t.Fatalf("got %d series types, want 93", len(all))
	}
	ids := map[int]bool{}
	names := map[string]bool{}
	for i, s := range all {
		if ids[s.ID] {
			t.Errorf("duplicate id %d", s.ID)
		}
		if names[s.Name] {
			t.Errorf("duplicate name %q", s.Name)
		}
		ids[s.ID], names[s.Name] = true, true
		if i > 0 && all[i-1].ID >= s.ID {
			t.Errorf("series types out of id order at %d after %d", s.ID, all[i-1].ID)
		}
		if s.Unit == "" {
			t.Errorf("%s has no unit", s.Name)
		}
		switch s.Aggregation {
		case AggSum, AggAvg, AggMax, AggLast:
		default:
			t.Errorf("%s has aggregation %q", s.Name, s.Aggregation)
		}
		if got, ok := LookupSeriesType(s.Name); !ok || got != s {
			t.Errorf("LookupSeriesType(%q) = %+v, %v", s.Name, got, ok)
		}
	}
	if ids[6] {
		t.Errorf("id 6 is unused in the reference")
	}
	if _, ok := LookupSeriesType("recovery_score"); ok {
		t.Errorf("recovery_score is not a series type")
	}

	all[0].Name = "changed"
	if SeriesTypes()[0].Name != "heart_rate" {
		t.Errorf("SeriesTypes returns the catalog's own slice")
	}
}

func TestCatalogSeriesTypeRows(t *testing.T) {
	f := func(id int, name, unit string, agg Aggregation, category string) {
		t.Helper()
		s, ok := LookupSeriesType(name)
		if !ok {
			t.Fatalf("series type %q missing", name)
		}
		if s.ID != id || s.Unit != unit || s.Aggregation != agg || s.Category != category {
			t.Fatalf("%s = {%d %s %s %s}, want {%d %s %s %s}",
				name, s.ID, s.Unit, s.Aggregation, s.Category, id, unit, agg, category)
		}
	}
	f(1, "heart_rate", "bpm", AggAvg, "heart")
	f(3, "heart_rate_variability_sdnn", "ms", AggAvg, "heart")
	f(7, "heart_rate_variability_rmssd", "ms", AggAvg, "heart")
	f(20, "oxygen_saturation", "percent", AggAvg, "blood_respiratory")
	f(21, "blood_glucose", "mg_dl", AggAvg, "blood_respiratory")
	f(22, "blood_pressure_systolic", "mmHg", AggAvg, "blood_respiratory")
	f(24, "respiratory_rate", "brpm", AggAvg, "blood_respiratory")
	f(25, "sleeping_breathing_disturbances", "count", AggSum, "blood_respiratory")
	f(28, "forced_vital_capacity", "liters", AggAvg, "blood_respiratory")
	f(30, "peak_expiratory_flow_rate", "L/min", AggAvg, "blood_respiratory")
	f(31, "breathing_disturbance_index", "score", AggAvg, "blood_respiratory")
	f(40, "height", "cm", AggLast, "body")
	f(41, "weight", "kg", AggLast, "body")
	f(43, "body_mass_index", "kg_m2", AggLast, "body")
	f(45, "body_temperature", "celsius", AggAvg, "body")
	f(51, "skin_temperature_trend_deviation", "celsius", AggAvg, "body")
	f(60, "vo2_max", "ml_kg_min", AggAvg, "fitness")
	f(61, "six_minute_walk_test_distance", "meters", AggMax, "fitness")
	f(62, "cardiovascular_age", "years", AggAvg, "fitness")
	f(80, "steps", "count", AggSum, "activity")
	f(81, "energy", "kcal", AggSum, "activity")
	f(82, "basal_energy", "kcal", AggSum, "activity")
	f(83, "stand_time", "minutes", AggSum, "activity")
	f(85, "physical_effort", "score", AggAvg, "activity")
	f(87, "average_met", "met", AggAvg, "activity")
	f(88, "active_time", "minutes", AggSum, "activity")
	f(100, "distance_walking_running", "meters", AggSum, "distance")
	f(104, "distance_other", "meters", AggSum, "distance")
	f(121, "walking_speed", "m_per_s", AggAvg, "walking")
	f(124, "walking_steadiness", "percent", AggAvg, "walking")
	f(140, "running_power", "watts", AggAvg, "running")
	f(143, "running_ground_contact_time", "ms", AggAvg, "running")
	f(146, "running_stance_time_balance", "percent", AggAvg, "running")
	f(160, "swimming_stroke_count", "count", AggSum, "swimming")
	f(161, "underwater_depth", "meters", AggAvg, "swimming")
	f(180, "cadence", "rpm", AggAvg, "generic")
	f(184, "estimated_workout_effort_score", "score", AggAvg, "generic")
	f(200, "environmental_audio_exposure", "dB", AggAvg, "environmental")
	f(203, "time_in_daylight", "minutes", AggSum, "environmental")
	f(205, "uv_exposure", "count", AggSum, "environmental")
	f(210, "latitude", "degrees", AggAvg, "environmental")
	f(212, "air_temperature", "celsius", AggAvg, "environmental")
	f(220, "garmin_stress_level", "score", AggAvg, "provider")
	f(221, "garmin_skin_temperature", "celsius", AggAvg, "provider")
	f(223, "garmin_body_battery", "percent", AggAvg, "provider")
	f(500, "electrodermal_activity", "count", AggAvg, "other")
	f(502, "atrial_fibrillation_burden", "count", AggSum, "other")
	f(506, "nike_fuel", "count", AggSum, "other")
	f(507, "hydration", "mL", AggAvg, "other")
}

func TestCatalogSeriesCategoriesFollowIDRanges(t *testing.T) {
	ranges := []struct {
		lo, hi   int
		category string
	}{
		{1, 19, "heart"}, {20, 39, "blood_respiratory"}, {40, 59, "body"},
		{60, 79, "fitness"}, {80, 99, "activity"}, {100, 119, "distance"},
		{120, 139, "walking"}, {140, 159, "running"}, {160, 179, "swimming"},
		{180, 199, "generic"}, {200, 219, "environmental"}, {220, 239, "provider"},
		{500, 1 << 30, "other"},
	}
	for _, s := range SeriesTypes() {
		found := false
		for _, r := range ranges {
			if s.ID >= r.lo && s.ID <= r.hi {
				found = true
				if s.Category != r.category {
					t.Errorf("%s (id %d) has category %q, want %q", s.Name, s.ID, s.Category, r.category)
				}
			}
		}
		if !found {
			t.Errorf("%s (id %d) is outside every id range", s.Name, s.ID)
		}
	}
}

func TestCatalogWorkoutTypes(t *testing.T) {
	all := WorkoutTypes()
	if len(all) != 117 {
		t.Fatalf("got %d workout types, want 117", len(all))
	}
	seen := map[string]bool{}
	for _, w := range all {
		if seen[w] {
			t.Errorf("duplicate workout type %q", w)
		}
		seen[w] = true
		if !IsWorkoutType(w) {
			t.Errorf("IsWorkoutType(%q) = false", w)
		}
	}
	if all[0] != "running" || all[116] != "sport" {
		t.Errorf("workout types are not in the reference's order: first %q, last %q", all[0], all[116])
	}
	for _, w := range []string{"e_biking", "stand_up_paddleboarding", "american_football", "other", "generic"} {
		if !IsWorkoutType(w) {
			t.Errorf("IsWorkoutType(%q) = false", w)
		}
	}
	for _, w := range []string{"", "Running", "jogging", "activity"} {
		if IsWorkoutType(w) {
			t.Errorf("IsWorkoutType(%q) = true", w)
		}
	}
}

func TestCatalogPaceTypes(t *testing.T) {
	for _, w := range paceTable {
		if !IsWorkoutType(w) {
			t.Errorf("pace type %s is not a unified workout type", w)
		}
	}
	if len(paceTable) != 28 || !ReportsPace("running") || !ReportsPace("triathlon") || ReportsPace("yoga") || ReportsPace("") {
		t.Errorf("pace types %v are not WORKOUTS_WITH_PACE", paceTable)
	}
}

func TestCatalogSleepStages(t *testing.T) {
	want := []string{"in_bed", "awake", "sleeping", "light", "deep", "rem", "unknown"}
	if got := SleepStageNames(); !slices.Equal(got, want) {
		t.Fatalf("SleepStageNames() = %v, want %v", got, want)
	}
}

// referenceGroups is §3.2 of the Open Wearables reference, written out again
// so that the catalog's per-type GroupEvent is checked against it.
var referenceGroups = map[string][]string{
	"heart_rate.created": {"heart_rate", "resting_heart_rate", "heart_rate_recovery_one_minute",
		"walking_heart_rate_average", "atrial_fibrillation_burden"},
	"heart_rate_variability.created": {"heart_rate_variability_sdnn", "heart_rate_variability_rmssd"},
	"recovery_score.created":         {"garmin_body_battery"},
	"spo2.created":                   {"oxygen_saturation", "peripheral_perfusion_index"},
	"blood_glucose.created":          {"blood_glucose", "blood_alcohol_content", "insulin_delivery"},
	"blood_pressure.created":         {"blood_pressure_systolic", "blood_pressure_diastolic"},
	"respiratory_rate.created": {"respiratory_rate", "sleeping_breathing_disturbances",
		"breathing_disturbance_index", "forced_vital_capacity", "forced_expiratory_volume_1",
		"peak_expiratory_flow_rate"},
	"body_composition.created": {"height", "weight", "body_fat_percentage", "body_mass_index",
		"lean_body_mass", "body_fat_mass", "skeletal_muscle_mass", "waist_circumference"},
	"body_temperature.created": {"body_temperature", "skin_temperature", "skin_temperature_deviation",
		"skin_temperature_trend_deviation", "garmin_skin_temperature"},
	"stress.created": {"garmin_stress_level", "electrodermal_activity"},
	"fitness_metrics.created": {"vo2_max", "six_minute_walk_test_distance", "cardiovascular_age",
		"garmin_fitness_age"},
	"steps.created":    {"steps"},
	"calories.created": {"energy", "basal_energy"},
	"activity_timeseries.created": {"stand_time", "exercise_time", "physical_effort", "flights_climbed",
		"average_met", "active_time", "push_count", "number_of_times_fallen",
		"number_of_alcoholic_beverages", "nike_fuel", "hydration", "distance_walking_running",
		"distance_cycling", "distance_swimming", "distance_downhill_snow_sports", "distance_other"},
	"workout_metrics.created": {"cadence", "power", "speed", "workout_effort_score",
		"estimated_workout_effort_score", "walking_step_length", "walking_speed",
		"walking_double_support_percentage", "walking_asymmetry_percentage", "walking_steadiness",
		"stair_descent_speed", "stair_ascent_speed", "running_power", "running_speed",
		"running_vertical_oscillation", "running_ground_contact_time", "running_stride_length",
		"swimming_stroke_count", "underwater_depth"},
	"environmental.created": {"environmental_audio_exposure", "headphone_audio_exposure",
		"environmental_sound_reduction", "time_in_daylight", "water_temperature", "uv_exposure",
		"inhaler_usage", "weather_temperature", "weather_humidity"},
}

var withoutWebhook = []string{
	"running_vertical_ratio", "running_stance_time_balance",
	"elevation", "latitude", "longitude", "air_temperature",
}

var wearstreamEvents = []string{"workout.updated", "workout.deleted", "sleep.updated", "sleep.deleted",
	"summary.created", "summary.updated", "summary.deleted", "series.deleted", "user.deleted"}

func TestCatalogEventCounts(t *testing.T) {
	var session, groups, granular, own int
	for _, e := range EventTypes() {
		switch {
		case slices.Contains(wearstreamEvents, e.Name):
			own++
		case e.Group != "":
			granular++
		case len(e.Children) > 0:
			groups++
		default:
			session++
		}
	}
	if session != 8 || groups != 16 || granular != 87 || own != 9 {
		t.Fatalf("got %d session, %d group, %d granular, %d wearstream events; want 8, 16, 87, 9",
			session, groups, granular, own)
	}
	if n := len(EventTypes()); n != 111+9 {
		t.Fatalf("got %d event types, want 120", n)
	}
	if len(referenceGroups) != 16 {
		t.Fatalf("reference lists %d groups, want 16", len(referenceGroups))
	}
}

func TestCatalogEventNames(t *testing.T) {
	shape := regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)*\.(created|revoked|started|completed|failed|updated|deleted)$`)
	seen := map[string]bool{}
	for _, e := range EventTypes() {
		if seen[e.Name] {
			t.Errorf("duplicate event %q", e.Name)
		}
		seen[e.Name] = true
		if !shape.MatchString(e.Name) {
			t.Errorf("event %q is not <resource>.<action>", e.Name)
		}
		if e.Description == "" || !strings.HasSuffix(e.Description, ".") {
			t.Errorf("event %q needs a one-sentence description", e.Name)
		}
		got, ok := LookupEventType(e.Name)
		if !ok || got.Name != e.Name || got.Group != e.Group || !slices.Equal(got.Children, e.Children) {
			t.Errorf("LookupEventType(%q) = %+v, %v", e.Name, got, ok)
		}
	}
	for _, name := range []string{
		"connection.created", "connection.revoked", "sync.started", "sync.completed", "sync.failed",
		"workout.created", "sleep.created", "menstrual_cycle.created",
		"workout.updated", "workout.deleted", "sleep.updated", "sleep.deleted",
		"summary.created", "summary.updated", "summary.deleted", "series.deleted",
	} {
		e, ok := LookupEventType(name)
		if !ok {
			t.Errorf("event %q missing", name)
			continue
		}
		if e.Group != "" || len(e.Children) != 0 {
			t.Errorf("session event %q has a group or children", name)
		}
	}
	for _, name := range []string{"activity.created", "timeseries.created", "series.recovery_score.created",
		"endpoint.disabled", "heart_rate.updated", "series.latitude.created"} {
		if _, ok := LookupEventType(name); ok {
			t.Errorf("event %q must not exist", name)
		}
	}
}

func TestCatalogGroups(t *testing.T) {
	for group, types := range referenceGroups {
		e, ok := LookupEventType(group)
		if !ok {
			t.Errorf("group %q missing", group)
			continue
		}
		if e.Group != "" {
			t.Errorf("group %q has a group %q", group, e.Group)
		}
		var want []string
		for _, name := range types {
			s, ok := LookupSeriesType(name)
			if !ok {
				t.Errorf("group %q covers unknown series type %q", group, name)
				continue
			}
			if s.GroupEvent != group {
				t.Errorf("%s has group %q, want %q", name, s.GroupEvent, group)
			}
			want = append(want, "series."+name+".created")
		}
		got := slices.Clone(e.Children)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("children of %q = %v, want %v", group, got, want)
		}
		for _, child := range e.Children {
			c, ok := LookupEventType(child)
			if !ok || c.Group != group {
				t.Errorf("child %q of %q has group %q, %v", child, group, c.Group, ok)
			}
		}
	}
}

func TestCatalogSeriesEvents(t *testing.T) {
	groupsOf := map[string]int{}
	for _, types := range referenceGroups {
		for _, name := range types {
			groupsOf[name]++
		}
	}
	withWebhook := 0
	for _, s := range SeriesTypes() {
		group, granular, ok := SeriesEvents(s.Name)
		if slices.Contains(withoutWebhook, s.Name) {
			if ok || group != "" || granular != "" || s.GroupEvent != "" {
				t.Errorf("%s has a webhook (%q, %q, %v), want none", s.Name, group, granular, ok)
			}
			if _, found := LookupEventType("series." + s.Name + ".created"); found {
				t.Errorf("%s has a granular event", s.Name)
			}
			continue
		}
		withWebhook++
		if !ok || group != s.GroupEvent || granular != "series."+s.Name+".created" {
			t.Errorf("SeriesEvents(%q) = %q, %q, %v", s.Name, group, granular, ok)
		}
		if groupsOf[s.Name] != 1 {
			t.Errorf("%s is in %d groups, want 1", s.Name, groupsOf[s.Name])
		}
		g, found := LookupEventType(group)
		if !found || !slices.Contains(g.Children, granular) {
			t.Errorf("group %q does not list %q", group, granular)
		}
	}
	if withWebhook != 87 {
		t.Errorf("%d series types have a webhook, want 87", withWebhook)
	}
	for _, name := range []string{"", "recovery_score", "unknown"} {
		if _, _, ok := SeriesEvents(name); ok {
			t.Errorf("SeriesEvents(%q) ok", name)
		}
	}
}

func TestCatalogCopies(t *testing.T) {
	events := EventTypes()
	for i := range events {
		if len(events[i].Children) > 0 {
			name := events[i].Name
			events[i].Children[0] = "changed"
			if e, _ := LookupEventType(name); e.Children[0] == "changed" {
				t.Fatalf("EventTypes shares Children with the catalog")
			}
			if EventTypes()[i].Children[0] == "changed" {
				t.Fatalf("EventTypes shares Children between calls")
			}
			break
		}
	}
	w := WorkoutTypes()
	w[0] = "changed"
	if WorkoutTypes()[0] != "running" {
		t.Fatalf("WorkoutTypes returns the catalog's own slice")
	}
	s := SleepStageNames()
	s[0] = "changed"
	if SleepStageNames()[0] != "in_bed" {
		t.Fatalf("SleepStageNames returns the catalog's own slice")
	}
}
