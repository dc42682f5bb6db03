package webhooks

// Example messages are what an endpoint's test send delivers: a realistic
// event of the requested type, built from a made-up canonical record by the
// same code as real deliveries, so its shape is the real one. Each example
// gets a fresh record id and therefore a fresh webhook-id, so a receiver
// that dedupes on webhook-id does not drop a repeated test.

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/wearstream/wearstream/schemas"
)

// ErrUnknownEventType is returned for an event type the catalog does not list.
var ErrUnknownEventType = errors.New("unknown event type")

// exampleSamples is how many samples an example timeseries message carries.
const exampleSamples = 5

// exampleValueByUnit is a plausible sample value for each unit of the
// catalog; exampleValueBySeries overrides it where the unit is not enough.
var (
	exampleValueByUnit = map[string]float64{
		"bpm": 62, "ms": 48, "percent": 97, "mg_dl": 95, "mmHg": 118, "brpm": 15,
		"count": 12, "score": 55, "liters": 4.2, "L/min": 480, "cm": 72, "kg": 72.5,
		"kg_m2": 23.4, "celsius": 36.6, "ml_kg_min": 47, "meters": 850, "years": 34,
		"kcal": 85, "minutes": 14, "met": 1.6, "m_per_s": 1.4, "watts": 245, "rpm": 84,
		"dB": 68, "degrees": 52.23, "mL": 250,
	}
	exampleValueBySeries = map[string]float64{
		"height": 178, "blood_pressure_diastolic": 77, "steps": 860, "body_fat_percentage": 18.5,
		"skin_temperature": 33.9, "skin_temperature_deviation": -0.2,
		"skin_temperature_trend_deviation": 0.1, "garmin_skin_temperature": 33.8,
		"weather_humidity": 62, "walking_steadiness": 88, "running_ground_contact_time": 245,
		"garmin_stress_level": 31, "garmin_body_battery": 74, "sleeping_breathing_disturbances": 2,
		"basal_energy": 70, "weather_temperature": 18.5, "water_temperature": 21, "underwater_depth": 3.2,
	}
)

// ExampleMessage returns a realistic message of any catalog event type for
// a tenant and a user, to let an endpoint owner try their receiver.
func ExampleMessage(eventType, tenant, userID string) (Message, error) {
	et, ok := schemas.LookupEventType(eventType)
	if !ok {
		return Message{}, fmt.Errorf("cannot build an example of %q: %w", eventType, ErrUnknownEventType)
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return Message{}, fmt.Errorf("cannot make an example record id: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	source := schemas.Source{Provider: "garmin", ID: "garmin", Device: "Forerunner 965"}

	switch eventType {
	case schemas.EventWorkoutCreated, schemas.EventWorkoutUpdated, schemas.EventWorkoutDeleted:
		return workoutMessage(exampleWorkout(id.String(), tenant, userID, source, now), eventType), nil
	case schemas.EventSleepCreated, schemas.EventSleepUpdated, schemas.EventSleepDeleted:
		return sleepMessage(exampleSleep(id.String(), tenant, userID, now), eventType), nil
	case schemas.EventSummaryCreated, schemas.EventSummaryUpdated, schemas.EventSummaryDeleted:
		return summaryMessage(exampleSummary(id.String(), tenant, userID, now), eventType), nil
	case schemas.EventConnectionCreated, schemas.EventConnectionRevoked,
		schemas.EventSyncStarted, schemas.EventSyncCompleted, schemas.EventSyncFailed, schemas.EventUserDeleted:
		return LifecycleMessages(exampleLifecycle(id.String(), eventType, tenant, userID, now))[0], nil
	case schemas.EventMenstrualCycleCreated:
		return exampleMenstrualCycle(id.String(), tenant, userID, now), nil
	case schemas.EventSeriesDeleted:
		return seriesDeletedMessage(schemas.SampleBatch{
			ID: id.String(), Tenant: tenant, UserID: userID, Source: schemas.Source{Provider: "oura", ID: "oura:daily"},
			SeriesType: "steps", Unit: "count", Version: now.UnixMilli(), IngestedAt: now,
			Deletion: &schemas.SampleDeletion{Start: now.Add(-24 * time.Hour), End: now},
		}), nil
	}

	for _, st := range schemas.SeriesTypes() {
		if st.GroupEvent == "" || (st.GroupEvent != et.Name && schemas.GranularEventName(st.Name) != et.Name) {
			continue
		}
		for _, m := range SampleMessages(exampleBatch(id.String(), tenant, userID, source, st, now)) {
			if m.Type == eventType {
				return m, nil
			}
		}
	}
	return Message{}, fmt.Errorf("cannot build an example of %q: no example for this event type", eventType)
}

func exampleWorkout(id, tenant, userID string, source schemas.Source, now time.Time) schemas.Workout {
	calories, distance, avgHR, maxHR, pace, gain := 512.0, 10012.5, 148.0, 176.0, 323.0, 84.0
	return schemas.Workout{
		ID: id, Tenant: tenant, UserID: userID, Source: source, Type: "running",
		StartTime: now.Add(-2 * time.Hour), EndTime: now.Add(-2*time.Hour + 3235*time.Second),
		ZoneOffset: 60, DurationSeconds: 3235, CaloriesKcal: &calories, DistanceMeters: &distance,
		AvgHeartRateBPM: &avgHR, MaxHeartRateBPM: &maxHR, AvgPaceSecPerKm: &pace,
		ElevationGainMeters: &gain, Version: 1, IngestedAt: now,
	}
}

func exampleSummary(id, tenant, userID string, now time.Time) schemas.Summary {
	score, hrv, rhr, temp := 84.0, 76.0, 90.0, 97.0
	return schemas.Summary{
		ID: id, Tenant: tenant, UserID: userID,
		Source:   schemas.Source{Provider: "oura", ID: "oura:daily", Name: "Oura daily summary"},
		Category: schemas.SummaryReadiness, Date: now.Add(-time.Hour).Format(time.DateOnly),
		RecordedAt: now.Add(-2 * time.Hour), ZoneOffset: 60, Value: &score,
		Components: []schemas.SummaryComponent{
			{Name: "body_temperature", Value: &temp}, {Name: "hrv_balance", Value: &hrv}, {Name: "resting_heart_rate", Value: &rhr},
		},
		Version: 1, IngestedAt: now,
	}
}

func exampleSleep(id, tenant, userID string, now time.Time) schemas.Sleep {
	start := now.Add(-9 * time.Hour)
	end := start.Add(8*time.Hour + 12*time.Minute)
	efficiency := 91.0
	return schemas.Sleep{
		ID: id, Tenant: tenant, UserID: userID,
		Source:    schemas.Source{Provider: "oura", ID: "oura", Device: "Oura Ring 4"},
		StartTime: start, EndTime: end, ZoneOffset: 60,
		DurationSeconds: end.Sub(start).Seconds(), SleepDurationSeconds: 26880, InBedSeconds: end.Sub(start).Seconds(),
		EfficiencyPercent: &efficiency,
		Stages:            &schemas.SleepStages{AwakeMinutes: 44, LightMinutes: 238, DeepMinutes: 92, RemMinutes: 118},
		Intervals: []schemas.SleepInterval{
			{Stage: schemas.StageLight, Start: start, End: start.Add(40 * time.Minute)},
			{Stage: schemas.StageDeep, Start: start.Add(40 * time.Minute), End: start.Add(95 * time.Minute)},
			{Stage: schemas.StageREM, Start: start.Add(95 * time.Minute), End: start.Add(120 * time.Minute)},
		},
		Version: 1, IngestedAt: now,
	}
}

func exampleLifecycle(id, eventType, tenant, userID string, now time.Time) schemas.Lifecycle {
	l := schemas.Lifecycle{
		ID: id, Tenant: tenant, UserID: userID, Type: eventType, Provider: "garmin", OccurredAt: now,
		ConnectionID: schemas.NameID(tenant, userID, "garmin", "connection"),
		RunID:        "run_" + id[:8] + id[9:13] + id[14:18], SyncSource: "webhook",
	}
	switch eventType {
	case schemas.EventConnectionRevoked:
		l.Reason = "refresh_failed"
	case schemas.EventSyncStarted:
		l.Message = "Fetching new data from Garmin"
	case schemas.EventSyncCompleted:
		l.Status, l.Message, l.ItemsProcessed = "success", "Sync finished", 42
	case schemas.EventSyncFailed:
		l.Message, l.Error = "Sync stopped", "provider answered 503 Service Unavailable"
	}
	return l
}

func exampleBatch(id, tenant, userID string, source schemas.Source, st schemas.SeriesType, now time.Time) schemas.SampleBatch {
	value, ok := exampleValueBySeries[st.Name]
	if !ok {
		value = exampleValueByUnit[st.Unit]
	}
	var daily *bool
	if st.Aggregation == schemas.AggSum {
		daily = new(bool)
	}
	samples := make([]schemas.Sample, exampleSamples)
	for i := range samples {
		samples[i] = schemas.Sample{
			Time:         now.Add(time.Duration(i-exampleSamples) * time.Minute),
			Value:        value,
			ZoneOffset:   60,
			IsDailyTotal: daily,
		}
	}
	return schemas.SampleBatch{
		ID: id, Tenant: tenant, UserID: userID, Source: source, SeriesType: st.Name,
		Unit: st.Unit, Version: 1, IngestedAt: now, Samples: samples,
	}
}

// exampleMenstrualCycle has no canonical record yet, so its data is written
// out here in Open Wearables' shape.
func exampleMenstrualCycle(id, tenant, userID string, now time.Time) Message {
	start := now.AddDate(0, 0, -12).Truncate(24 * time.Hour)
	data := struct {
		ID                string     `json:"id"`
		UserID            string     `json:"user_id"`
		StartTime         *string    `json:"start_time"`
		EndTime           *string    `json:"end_time"`
		ZoneOffset        string     `json:"zone_offset"`
		Source            sourceData `json:"source"`
		CurrentPhaseType  string     `json:"current_phase_type"`
		DayInCycle        int        `json:"day_in_cycle"`
		CycleLength       int        `json:"cycle_length"`
		IsPredictedCycle  bool       `json:"is_predicted_cycle"`
		PregnancySnapshot []struct{} `json:"pregnancy_snapshot"`
	}{
		ID: id, UserID: userID, StartTime: optTime(start), EndTime: optTime(start.AddDate(0, 0, 28)),
		ZoneOffset: zoneOffset(60), Source: sourceData{Provider: "garmin"},
		CurrentPhaseType: "follicular", DayInCycle: 13, CycleLength: 28,
	}
	event := schemas.EventMenstrualCycleCreated
	return Message{
		ID:     MessageID(event, id, 1, 0),
		Type:   event,
		Tenant: tenant,
		UserID: userID,
		Body:   envelope(event, now, appendJSON(nil, data)),
	}
}
