package webhooks

// Messages keep Open Wearables' payloads so that its webhook consumers work
// unchanged: the envelope {"type", "data"} (plus the "timestamp" of the
// Standard Webhooks envelope), its field names, zone offsets as "+hh:mm"
// strings, timeseries batches split into chunks of 2,500 samples, and both a
// group and a granular event for every batch. Times are RFC 3339 in UTC.
//
// A message id is derived from the event type, the record id, the record
// version and the chunk index, so a retry, a resend or a replay of the same
// logical event always carries the same webhook-id and receivers can dedupe.

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// MaxSamplesPerMessage is the most samples one timeseries message carries;
// bigger batches are split into chunks (Open Wearables' limit).
const MaxSamplesPerMessage = 2500

// Message is one webhook message for one event, ready to sign and send.
type Message struct {
	ID     string // the webhook-id, stable for the logical event
	Type   string // the event type name, e.g. "heart_rate.created"
	Tenant string // the tenant whose endpoints may receive it
	UserID string // the user the event is about
	Body   []byte // the JSON envelope {"type", "timestamp", "data"}
}

// MessageID returns the webhook-id of an event: "msg_" and a UUIDv5 over the
// event type, the record id, the record version and the chunk index.
func MessageID(eventType, recordID string, version int64, chunk int) string {
	return "msg_" + schemas.NameID(eventType, recordID, strconv.FormatInt(version, 10), strconv.Itoa(chunk))
}

// SampleMessages returns the messages announcing a batch of samples: for
// each chunk of at most MaxSamplesPerMessage samples, the group event and
// the granular event of the batch's series type. Series types without
// webhooks and empty batches give no messages.
func SampleMessages(b schemas.SampleBatch) []Message {
	if b.Deletion != nil {
		return []Message{seriesDeletedMessage(b)}
	}
	group, granular, ok := schemas.SeriesEvents(b.SeriesType)
	if !ok || len(b.Samples) == 0 {
		return nil
	}
	events := []string{group, granular}
	unit := b.Unit
	if unit == "" {
		st, _ := schemas.LookupSeriesType(b.SeriesType)
		unit = st.Unit
	}

	// The parts shared by every sample and every chunk are encoded once.
	var typePart, tailPart, headPart []byte
	typePart = append(typePart, `","type":`...)
	typePart = appendJSON(typePart, b.SeriesType)
	typePart = append(typePart, `,"value":`...)
	tailPart = append(tailPart, `,"unit":`...)
	tailPart = appendJSON(tailPart, unit)
	tailPart = append(tailPart, `,"source":`...)
	tailPart = appendJSON(tailPart, newSource(b.Source))
	tailPart = append(tailPart, `,"is_daily_total":`...)
	headPart = append(headPart, `{"user_id":`...)
	headPart = appendJSON(headPart, b.UserID)
	headPart = append(headPart, `,"provider":`...)
	headPart = appendJSON(headPart, b.Source.Provider)
	headPart = append(headPart, `,"series_type":`...)
	headPart = appendJSON(headPart, b.SeriesType)
	headPart = append(headPart, `,"sample_count":`...)
	headPart = strconv.AppendInt(headPart, int64(len(b.Samples)), 10)
	// Per sample: the shared parts plus about 70 bytes of timestamp, zone
	// offset, value and punctuation.
	perSample := len(typePart) + len(tailPart) + 80

	total := (len(b.Samples) + MaxSamplesPerMessage - 1) / MaxSamplesPerMessage
	at := eventTime(b.IngestedAt, b.Samples[len(b.Samples)-1].Time)
	msgs := make([]Message, 0, total*len(events))
	for chunk := 0; chunk < total; chunk++ {
		samples := b.Samples[chunk*MaxSamplesPerMessage : min((chunk+1)*MaxSamplesPerMessage, len(b.Samples))]
		start, end := samples[0].Time, samples[0].Time
		for _, s := range samples[1:] {
			if s.Time.Before(start) {
				start = s.Time
			}
			if s.Time.After(end) {
				end = s.Time
			}
		}

		// The first event's body is built in place; the others copy its data.
		prefix := envelopePrefix(nil, events[0], at)
		buf := make([]byte, 0, len(prefix)+len(headPart)+128+len(samples)*perSample)
		buf = append(buf, prefix...)
		buf = append(buf, headPart...)
		buf = append(buf, `,"start_time":"`...)
		buf = appendTime(buf, start)
		buf = append(buf, `","end_time":"`...)
		buf = appendTime(buf, end)
		buf = append(buf, `","samples":[`...)
		for i, s := range samples {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, `{"timestamp":"`...)
			buf = appendTime(buf, s.Time)
			buf = append(buf, `","zone_offset":"`...)
			buf = appendZoneOffset(buf, s.ZoneOffset)
			buf = append(buf, typePart...)
			buf = appendFloat(buf, s.Value)
			buf = append(buf, tailPart...)
			switch {
			case s.IsDailyTotal == nil:
				buf = append(buf, "null"...)
			case *s.IsDailyTotal:
				buf = append(buf, "true"...)
			default:
				buf = append(buf, "false"...)
			}
			buf = append(buf, '}')
		}
		buf = append(buf, ']')
		if total > 1 {
			buf = append(buf, `,"chunk_index":`...)
			buf = strconv.AppendInt(buf, int64(chunk), 10)
			buf = append(buf, `,"total_chunks":`...)
			buf = strconv.AppendInt(buf, int64(total), 10)
		}
		buf = append(buf, '}')
		data := buf[len(prefix):]
		body := append(buf, '}')

		for i, event := range events {
			if i > 0 {
				body = envelope(event, at, data)
			}
			msgs = append(msgs, Message{
				ID:     MessageID(event, b.ID, b.Version, chunk),
				Type:   event,
				Tenant: b.Tenant,
				UserID: b.UserID,
				Body:   body,
			})
		}
	}
	return msgs
}

// WorkoutMessages returns the message announcing a workout: workout.deleted
// for a deleted one, workout.updated for a changed one, workout.created
// otherwise (records written before Change existed included).
func WorkoutMessages(w schemas.Workout) []Message {
	event := schemas.EventWorkoutCreated
	switch {
	case w.Deleted:
		event = schemas.EventWorkoutDeleted
	case w.Change == schemas.ChangeUpdated:
		event = schemas.EventWorkoutUpdated
	}
	return []Message{workoutMessage(w, event)}
}

// SleepMessages returns the message announcing a sleep session:
// sleep.deleted for a deleted one, sleep.updated for a changed one,
// sleep.created otherwise.
func SleepMessages(s schemas.Sleep) []Message {
	event := schemas.EventSleepCreated
	switch {
	case s.Deleted:
		event = schemas.EventSleepDeleted
	case s.Change == schemas.ChangeUpdated:
		event = schemas.EventSleepUpdated
	}
	return []Message{sleepMessage(s, event)}
}

// SummaryMessages returns the message announcing a provider's daily score:
// summary.deleted for a deleted one, summary.updated for a changed one,
// summary.created otherwise. Open Wearables has no such events; the data
// object carries its health-score fields:
//
//	{"id", "user_id", "category", "date", "recorded_at", "zone_offset",
//	 "value", "qualifier", "components": [{"name", "value", "qualifier"}],
//	 "source": {"provider", "device"}}
//
// value and a component's value are null when not scored, qualifier is null
// when the provider gives none, and a delete may carry only the id.
func SummaryMessages(s schemas.Summary) []Message {
	event := schemas.EventSummaryCreated
	switch {
	case s.Deleted:
		event = schemas.EventSummaryDeleted
	case s.Change == schemas.ChangeUpdated:
		event = schemas.EventSummaryUpdated
	}
	return []Message{summaryMessage(s, event)}
}

// summaryMessage is the message of one summary event.
func summaryMessage(s schemas.Summary, event string) Message {
	data := summaryData{
		ID:         s.ID,
		UserID:     s.UserID,
		Category:   optString(s.Category),
		Date:       optString(s.Date),
		RecordedAt: optTime(s.RecordedAt),
		ZoneOffset: zoneOffset(s.ZoneOffset),
		Value:      optNumber(s.Value),
		Qualifier:  optString(s.Qualifier),
		Components: make([]componentData, len(s.Components)),
		Source:     newSource(s.Source),
	}
	for i, c := range s.Components {
		data.Components[i] = componentData{Name: c.Name, Value: optNumber(c.Value), Qualifier: optString(c.Qualifier)}
	}
	return Message{
		ID:     MessageID(event, s.ID, s.Version, 0),
		Type:   event,
		Tenant: s.Tenant,
		UserID: s.UserID,
		Body:   envelope(event, eventTime(s.IngestedAt, s.RecordedAt), appendJSON(nil, data)),
	}
}

// seriesDeletedMessage is the series.deleted message of a deleting batch,
// which Open Wearables does not have. Its data object is
//
//	{"id", "user_id", "provider", "series_type", "source_id",
//	 "start_time", "end_time"}
//
// where the stored samples of series_type from source_id (from every
// source of the provider when source_id is null) in [start_time, end_time)
// were removed. It is sent for every series type, webhooks or not.
func seriesDeletedMessage(b schemas.SampleBatch) Message {
	data := seriesDeletedData{
		ID:         b.ID,
		UserID:     b.UserID,
		Provider:   b.Source.Provider,
		SeriesType: b.SeriesType,
		SourceID:   optString(b.Source.ID),
		StartTime:  optTime(b.Deletion.Start),
		EndTime:    optTime(b.Deletion.End),
	}
	event := schemas.EventSeriesDeleted
	return Message{
		ID:     MessageID(event, b.ID, b.Version, 0),
		Type:   event,
		Tenant: b.Tenant,
		UserID: b.UserID,
		Body:   envelope(event, eventTime(b.IngestedAt, b.Deletion.End), appendJSON(nil, data)),
	}
}

// LifecycleMessages returns the message announcing a connection or sync
// event; lifecycle types without a webhook event give none.
func LifecycleMessages(l schemas.Lifecycle) []Message {
	var data any
	switch l.Type {
	case schemas.EventConnectionCreated:
		data = connectionCreatedData{
			UserID:       l.UserID,
			Provider:     l.Provider,
			ConnectionID: l.ConnectionID,
			ConnectedAt:  optTime(l.OccurredAt),
		}
	case schemas.EventConnectionRevoked:
		data = connectionRevokedData{
			UserID:       l.UserID,
			Provider:     l.Provider,
			ConnectionID: l.ConnectionID,
			Reason:       l.Reason,
			RevokedAt:    optTime(l.OccurredAt),
		}
	case schemas.EventSyncStarted:
		data = syncStartedData{
			UserID:   l.UserID,
			Provider: l.Provider,
			Source:   l.SyncSource,
			RunID:    l.RunID,
			Message:  optString(l.Message),
			Metadata: struct{}{},
		}
	case schemas.EventSyncCompleted:
		data = syncCompletedData{
			UserID:         l.UserID,
			Provider:       l.Provider,
			Source:         l.SyncSource,
			RunID:          l.RunID,
			Status:         l.Status,
			Message:        optString(l.Message),
			ItemsProcessed: l.ItemsProcessed,
			Metadata:       struct{}{},
		}
	case schemas.EventUserDeleted:
		data = userDeletedData{UserID: l.UserID, DeletedAt: optTime(l.OccurredAt)}
	case schemas.EventSyncFailed:
		data = syncFailedData{
			UserID:   l.UserID,
			Provider: l.Provider,
			Source:   l.SyncSource,
			RunID:    l.RunID,
			Error:    l.Error,
			Message:  optString(l.Message),
			Metadata: struct{}{},
		}
	default:
		return nil
	}
	return []Message{{
		ID:     MessageID(l.Type, l.ID, 0, 0),
		Type:   l.Type,
		Tenant: l.Tenant,
		UserID: l.UserID,
		Body:   envelope(l.Type, l.OccurredAt, appendJSON(nil, data)),
	}}
}

// workoutMessage is the message of one workout event.
func workoutMessage(w schemas.Workout, event string) Message {
	data := workoutData{
		ID:                  w.ID,
		UserID:              w.UserID,
		Type:                optString(w.Type),
		StartTime:           optTime(w.StartTime),
		EndTime:             optTime(w.EndTime),
		ZoneOffset:          zoneOffset(w.ZoneOffset),
		DurationSeconds:     number(w.DurationSeconds),
		Source:              newSource(w.Source),
		CaloriesKcal:        optNumber(w.CaloriesKcal),
		DistanceMeters:      optNumber(w.DistanceMeters),
		AvgHeartRateBPM:     optNumber(w.AvgHeartRateBPM),
		MaxHeartRateBPM:     optNumber(w.MaxHeartRateBPM),
		AvgPaceSecPerKm:     optNumber(w.AvgPaceSecPerKm),
		ElevationGainMeters: optNumber(w.ElevationGainMeters),
	}
	return Message{
		ID:     MessageID(event, w.ID, w.Version, 0),
		Type:   event,
		Tenant: w.Tenant,
		UserID: w.UserID,
		Body:   envelope(event, eventTime(w.IngestedAt, w.EndTime), appendJSON(nil, data)),
	}
}

// sleepMessage is the message of one sleep event.
func sleepMessage(s schemas.Sleep, event string) Message {
	data := sleepData{
		ID:                   s.ID,
		UserID:               s.UserID,
		StartTime:            optTime(s.StartTime),
		EndTime:              optTime(s.EndTime),
		ZoneOffset:           zoneOffset(s.ZoneOffset),
		DurationSeconds:      number(s.DurationSeconds),
		SleepDurationSeconds: number(s.SleepDurationSeconds),
		Source:               newSource(s.Source),
		EfficiencyPercent:    optNumber(s.EfficiencyPercent),
		IsNap:                s.IsNap,
	}
	if s.Stages != nil {
		data.Stages = &stagesData{
			AwakeMinutes: number(s.Stages.AwakeMinutes),
			LightMinutes: number(s.Stages.LightMinutes),
			DeepMinutes:  number(s.Stages.DeepMinutes),
			RemMinutes:   number(s.Stages.RemMinutes),
		}
	}
	if len(s.Intervals) > 0 {
		data.Intervals = make([]intervalData, len(s.Intervals))
		for i, iv := range s.Intervals {
			data.Intervals[i] = intervalData{Stage: iv.Stage, StartTime: optTime(iv.Start), EndTime: optTime(iv.End)}
		}
	}
	return Message{
		ID:     MessageID(event, s.ID, s.Version, 0),
		Type:   event,
		Tenant: s.Tenant,
		UserID: s.UserID,
		Body:   envelope(event, eventTime(s.IngestedAt, s.EndTime), appendJSON(nil, data)),
	}
}

// The shapes of the data objects, field for field as Open Wearables sends
// them. A nil pointer is JSON null.
type (
	sourceData struct {
		Provider string  `json:"provider"`
		Device   *string `json:"device"`
	}
	workoutData struct {
		ID                  string     `json:"id"`
		UserID              string     `json:"user_id"`
		Type                *string    `json:"type"`
		StartTime           *string    `json:"start_time"`
		EndTime             *string    `json:"end_time"`
		ZoneOffset          string     `json:"zone_offset"`
		DurationSeconds     number     `json:"duration_seconds"`
		Source              sourceData `json:"source"`
		CaloriesKcal        *number    `json:"calories_kcal"`
		DistanceMeters      *number    `json:"distance_meters"`
		AvgHeartRateBPM     *number    `json:"avg_heart_rate_bpm"`
		MaxHeartRateBPM     *number    `json:"max_heart_rate_bpm"`
		AvgPaceSecPerKm     *number    `json:"avg_pace_sec_per_km"`
		ElevationGainMeters *number    `json:"elevation_gain_meters"`
	}
	stagesData struct {
		AwakeMinutes number `json:"awake_minutes"`
		LightMinutes number `json:"light_minutes"`
		DeepMinutes  number `json:"deep_minutes"`
		RemMinutes   number `json:"rem_minutes"`
	}
	intervalData struct {
		Stage     string  `json:"stage"`
		StartTime *string `json:"start_time"`
		EndTime   *string `json:"end_time"`
	}
	sleepData struct {
		ID                   string         `json:"id"`
		UserID               string         `json:"user_id"`
		StartTime            *string        `json:"start_time"`
		EndTime              *string        `json:"end_time"`
		ZoneOffset           string         `json:"zone_offset"`
		DurationSeconds      number         `json:"duration_seconds"`
		SleepDurationSeconds number         `json:"sleep_duration_seconds"`
		Source               sourceData     `json:"source"`
		EfficiencyPercent    *number        `json:"efficiency_percent"`
		Stages               *stagesData    `json:"stages"`
		Intervals            []intervalData `json:"sleep_stage_intervals"`
		IsNap                bool           `json:"is_nap"`
	}
	componentData struct {
		Name      string  `json:"name"`
		Value     *number `json:"value"`
		Qualifier *string `json:"qualifier"`
	}
	summaryData struct {
		ID         string          `json:"id"`
		UserID     string          `json:"user_id"`
		Category   *string         `json:"category"`
		Date       *string         `json:"date"`
		RecordedAt *string         `json:"recorded_at"`
		ZoneOffset string          `json:"zone_offset"`
		Value      *number         `json:"value"`
		Qualifier  *string         `json:"qualifier"`
		Components []componentData `json:"components"`
		Source     sourceData      `json:"source"`
	}
	seriesDeletedData struct {
		ID         string  `json:"id"`
		UserID     string  `json:"user_id"`
		Provider   string  `json:"provider"`
		SeriesType string  `json:"series_type"`
		SourceID   *string `json:"source_id"`
		StartTime  *string `json:"start_time"`
		EndTime    *string `json:"end_time"`
	}
	connectionCreatedData struct {
		UserID       string  `json:"user_id"`
		Provider     string  `json:"provider"`
		ConnectionID string  `json:"connection_id"`
		ConnectedAt  *string `json:"connected_at"`
	}
	userDeletedData struct {
		UserID    string  `json:"user_id"`
		DeletedAt *string `json:"deleted_at"`
	}
	connectionRevokedData struct {
		UserID       string  `json:"user_id"`
		Provider     string  `json:"provider"`
		ConnectionID string  `json:"connection_id"`
		Reason       string  `json:"reason"`
		RevokedAt    *string `json:"revoked_at"`
	}
	syncStartedData struct {
		UserID   string   `json:"user_id"`
		Provider string   `json:"provider"`
		Source   string   `json:"source"`
		RunID    string   `json:"run_id"`
		Message  *string  `json:"message"`
		Metadata struct{} `json:"metadata"`
	}
	syncCompletedData struct {
		UserID         string   `json:"user_id"`
		Provider       string   `json:"provider"`
		Source         string   `json:"source"`
		RunID          string   `json:"run_id"`
		Status         string   `json:"status"`
		Message        *string  `json:"message"`
		ItemsProcessed int64    `json:"items_processed"`
		Metadata       struct{} `json:"metadata"`
	}
	syncFailedData struct {
		UserID   string   `json:"user_id"`
		Provider string   `json:"provider"`
		Source   string   `json:"source"`
		RunID    string   `json:"run_id"`
		Error    string   `json:"error"`
		Message  *string  `json:"message"`
		Metadata struct{} `json:"metadata"`
	}
)

// number is a float64 that encodes as encoding/json does, except that NaN
// and infinities, which JSON cannot carry, become null instead of an error.
type number float64

// MarshalJSON implements json.Marshaler.
func (n number) MarshalJSON() ([]byte, error) {
	return appendFloat(nil, float64(n)), nil
}

func optNumber(p *float64) *number {
	if p == nil {
		return nil
	}
	n := number(*p)
	return &n
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := string(appendTime(nil, t))
	return &s
}

func newSource(s schemas.Source) sourceData {
	return sourceData{Provider: s.Provider, Device: optString(s.Device)}
}

// eventTime is when an event happened: the record's ingestion time, or the
// fallback when the record has none. Either is part of the record, so the
// body stays the same across retries and replays.
func eventTime(ingested, fallback time.Time) time.Time {
	if ingested.IsZero() {
		return fallback
	}
	return ingested
}

// envelope returns {"type": event, "timestamp": at, "data": data}.
func envelope(event string, at time.Time, data []byte) []byte {
	b := envelopePrefix(make([]byte, 0, len(data)+len(event)+64), event, at)
	b = append(b, data...)
	return append(b, '}')
}

// envelopePrefix appends the envelope up to where the data object starts.
func envelopePrefix(b []byte, event string, at time.Time) []byte {
	b = append(b, `{"type":`...)
	b = appendJSON(b, event)
	b = append(b, `,"timestamp":"`...)
	b = appendTime(b, at)
	return append(b, `","data":`...)
}

// appendJSON appends the JSON encoding of v. Every value given to it is
// built from strings, booleans, numbers and the types above, which always
// encode, so an error is a programming mistake.
func appendJSON(b []byte, v any) []byte {
	out, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cannot encode webhook payload part %T: %v", v, err))
	}
	return append(b, out...)
}

// appendTime appends t as RFC 3339 in UTC with "Z", with fractional seconds
// only when there are any.
func appendTime(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, time.RFC3339Nano)
}

// zoneOffset formats an offset in minutes east of UTC as "+hh:mm".
func zoneOffset(minutes int32) string {
	return string(appendZoneOffset(nil, minutes))
}

func appendZoneOffset(b []byte, minutes int32) []byte {
	m := int64(minutes)
	sign := byte('+')
	if m < 0 {
		sign = '-'
		m = -m
	}
	b = append(b, sign)
	if m/60 < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, m/60, 10)
	b = append(b, ':', byte('0'+m%60/10), byte('0'+m%10))
	return b
}

// appendFloat appends f the way encoding/json writes a float64 (shortest
// representation, exponent only for very small or large magnitudes), and
// null for NaN and infinities.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
