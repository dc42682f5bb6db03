package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"

	"github.com/wearstream/wearstream/schemas"
)

// Samples go in column by column (one Append per column for the whole
// batch), which costs far fewer allocations than row by row at 100k-row
// batches; workouts and sleep sessions are few and go in row by row.

// ErrInvalid marks a record that can never be inserted (a malformed id, a
// time outside the DateTime range, ...); retrying it is pointless.
var ErrInvalid = errors.New("invalid record")

// Rows is what one Write inserts: each non-empty slice is one INSERT.
type Rows struct {
	Samples  []schemas.SampleBatch
	Workouts []schemas.Workout
	Sleep    []schemas.Sleep
}

// Len is the number of table rows: samples plus workouts plus sleep sessions.
func (r Rows) Len() int {
	n := len(r.Workouts) + len(r.Sleep)
	for i := range r.Samples {
		n += len(r.Samples[i].Samples)
	}
	return n
}

// Writer inserts canonical records into the samples, workouts and sleep
// tables of its connection's database.
type Writer struct {
	conn driver.Conn
	now  func() time.Time
}

// NewWriter returns a Writer on conn.
func NewWriter(conn driver.Conn) *Writer {
	return &Writer{conn: conn, now: time.Now}
}

const (
	samplesInsert = "INSERT INTO samples (tenant_id, user_id, series_type, ts, ts_ms, source_id, provider, device, device_type, source_name, value, unit, zone_offset, is_daily_total, batch_id, raw_event_id, version, deleted, ingested_at)"

	workoutsInsert = "INSERT INTO workouts (tenant_id, user_id, id, source_id, provider, device, device_type, source_name, provider_record_id, type, name, start_time, end_time, zone_offset, duration_seconds, calories_kcal, distance_meters, avg_heart_rate_bpm, max_heart_rate_bpm, min_heart_rate_bpm, avg_pace_sec_per_km, elevation_gain_meters, steps, avg_speed_mps, max_speed_mps, avg_power_watts, raw_event_id, version, deleted, ingested_at)"

	sleepInsert = "INSERT INTO sleep (tenant_id, user_id, id, source_id, provider, device, device_type, source_name, provider_record_id, start_time, end_time, zone_offset, duration_seconds, sleep_duration_seconds, in_bed_seconds, efficiency_percent, awake_minutes, light_minutes, deep_minutes, rem_minutes, is_nap, interval_stage, interval_start, interval_end, raw_event_id, version, deleted, ingested_at)"
)

// Write inserts rows, one INSERT per non-empty table. It checks every record
// first and inserts nothing if one is invalid (the error wraps ErrInvalid).
// A failed Write may have inserted some tables; writing the same rows again
// is harmless, since re-inserted keys collapse under FINAL.
func (w *Writer) Write(ctx context.Context, rows Rows) error {
	for i := range rows.Samples {
		if err := checkSampleBatch(&rows.Samples[i]); err != nil {
			return err
		}
	}
	for i := range rows.Workouts {
		if err := checkWorkout(&rows.Workouts[i]); err != nil {
			return err
		}
	}
	for i := range rows.Sleep {
		if err := checkSleep(&rows.Sleep[i]); err != nil {
			return err
		}
	}
	now := w.now().UTC()
	if err := w.writeSamples(ctx, rows.Samples, now); err != nil {
		return err
	}
	if err := w.writeWorkouts(ctx, rows.Workouts, now); err != nil {
		return err
	}
	return w.writeSleep(ctx, rows.Sleep, now)
}

func (w *Writer) writeSamples(ctx context.Context, batches []schemas.SampleBatch, now time.Time) error {
	n := 0
	for i := range batches {
		n += len(batches[i].Samples)
	}
	if n == 0 {
		return nil
	}
	var (
		tenant      = make([]string, 0, n)
		user        = make([]uuid.UUID, 0, n)
		seriesType  = make([]string, 0, n)
		ts          = make([]time.Time, 0, n)
		tsMS        = make([]uint16, 0, n)
		sourceID    = make([]string, 0, n)
		provider    = make([]string, 0, n)
		device      = make([]string, 0, n)
		deviceType  = make([]string, 0, n)
		sourceName  = make([]string, 0, n)
		value       = make([]float64, 0, n)
		unit        = make([]string, 0, n)
		zoneOffset  = make([]int16, 0, n)
		dailyTotal  = make([]*uint8, 0, n)
		batchID     = make([]uuid.UUID, 0, n)
		rawEventID  = make([]string, 0, n)
		version     = make([]uint64, 0, n)
		deleted     = make([]uint8, 0, n)
		ingestedAt  = make([]time.Time, 0, n)
		yes, no     = uint8(1), uint8(0)
		dailyTrue   = &yes
		dailyFalse  = &no
		columnNames = [...]string{"tenant_id", "user_id", "series_type", "ts", "ts_ms", "source_id", "provider", "device", "device_type", "source_name", "value", "unit", "zone_offset", "is_daily_total", "batch_id", "raw_event_id", "version", "deleted", "ingested_at"}
	)
	for i := range batches {
		b := &batches[i]
		uid, bid := uuid.MustParse(b.UserID), uuid.MustParse(b.ID)
		ingested := ingestedTime(b.IngestedAt, now)
		for _, s := range b.Samples {
			t := s.Time.UTC()
			tenant = append(tenant, b.Tenant)
			user = append(user, uid)
			seriesType = append(seriesType, b.SeriesType)
			ts = append(ts, t.Truncate(time.Second))
			tsMS = append(tsMS, uint16(t.Nanosecond()/int(time.Millisecond)))
			sourceID = append(sourceID, b.Source.ID)
			provider = append(provider, b.Source.Provider)
			device = append(device, b.Source.Device)
			deviceType = append(deviceType, b.Source.DeviceType)
			sourceName = append(sourceName, b.Source.Name)
			value = append(value, s.Value)
			unit = append(unit, b.Unit)
			zoneOffset = append(zoneOffset, int16(s.ZoneOffset))
			switch {
			case s.IsDailyTotal == nil:
				dailyTotal = append(dailyTotal, nil)
			case *s.IsDailyTotal:
				dailyTotal = append(dailyTotal, dailyTrue)
			default:
				dailyTotal = append(dailyTotal, dailyFalse)
			}
			batchID = append(batchID, bid)
			rawEventID = append(rawEventID, b.RawEventID)
			version = append(version, uint64(b.Version))
			deleted = append(deleted, 0)
			ingestedAt = append(ingestedAt, ingested)
		}
	}
	columns := [...]any{tenant, user, seriesType, ts, tsMS, sourceID, provider, device, deviceType, sourceName, value, unit, zoneOffset, dailyTotal, batchID, rawEventID, version, deleted, ingestedAt}

	batch, err := w.conn.PrepareBatch(ctx, samplesInsert)
	if err != nil {
		return fmt.Errorf("cannot prepare samples insert: %w", err)
	}
	defer abortUnsent(batch)
	for i, col := range columns {
		if err := batch.Column(i).Append(col); err != nil {
			return fmt.Errorf("cannot append samples column %s: %w", columnNames[i], err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert %d samples: %w", n, err)
	}
	return nil
}

func (w *Writer) writeWorkouts(ctx context.Context, workouts []schemas.Workout, now time.Time) error {
	if len(workouts) == 0 {
		return nil
	}
	batch, err := w.conn.PrepareBatch(ctx, workoutsInsert)
	if err != nil {
		return fmt.Errorf("cannot prepare workouts insert: %w", err)
	}
	defer abortUnsent(batch)
	for i := range workouts {
		r := &workouts[i]
		err := batch.Append(
			r.Tenant, uuid.MustParse(r.UserID), uuid.MustParse(r.ID),
			r.Source.ID, r.Source.Provider, r.Source.Device, r.Source.DeviceType, r.Source.Name,
			r.ProviderRecordID, r.Type, r.Name,
			r.StartTime.UTC(), r.EndTime.UTC(), int16(r.ZoneOffset), r.DurationSeconds,
			r.CaloriesKcal, r.DistanceMeters, r.AvgHeartRateBPM, r.MaxHeartRateBPM, r.MinHeartRateBPM,
			r.AvgPaceSecPerKm, r.ElevationGainMeters, r.Steps, r.AvgSpeedMPS, r.MaxSpeedMPS, r.AvgPowerWatts,
			r.RawEventID, uint64(r.Version), boolByte(r.Deleted), ingestedTime(r.IngestedAt, now),
		)
		if err != nil {
			return fmt.Errorf("cannot append workout %s: %w", r.ID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert %d workouts: %w", len(workouts), err)
	}
	return nil
}

func (w *Writer) writeSleep(ctx context.Context, sessions []schemas.Sleep, now time.Time) error {
	if len(sessions) == 0 {
		return nil
	}
	batch, err := w.conn.PrepareBatch(ctx, sleepInsert)
	if err != nil {
		return fmt.Errorf("cannot prepare sleep insert: %w", err)
	}
	defer abortUnsent(batch)
	for i := range sessions {
		r := &sessions[i]
		var awake, light, deep, rem *float64
		if st := r.Stages; st != nil {
			awake, light, deep, rem = &st.AwakeMinutes, &st.LightMinutes, &st.DeepMinutes, &st.RemMinutes
		}
		stage := make([]string, len(r.Intervals))
		start := make([]time.Time, len(r.Intervals))
		end := make([]time.Time, len(r.Intervals))
		for j, iv := range r.Intervals {
			stage[j], start[j], end[j] = iv.Stage, iv.Start.UTC(), iv.End.UTC()
		}
		err := batch.Append(
			r.Tenant, uuid.MustParse(r.UserID), uuid.MustParse(r.ID),
			r.Source.ID, r.Source.Provider, r.Source.Device, r.Source.DeviceType, r.Source.Name,
			r.ProviderRecordID, r.StartTime.UTC(), r.EndTime.UTC(), int16(r.ZoneOffset),
			r.DurationSeconds, r.SleepDurationSeconds, r.InBedSeconds, r.EfficiencyPercent,
			awake, light, deep, rem, boolByte(r.IsNap), stage, start, end,
			r.RawEventID, uint64(r.Version), boolByte(r.Deleted), ingestedTime(r.IngestedAt, now),
		)
		if err != nil {
			return fmt.Errorf("cannot append sleep session %s: %w", r.ID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert %d sleep sessions: %w", len(sessions), err)
	}
	return nil
}

func boolByte(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// ingestedTime is the record's ingestion time, or now when it has none.
func ingestedTime(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return t.UTC()
}

// DateTime holds whole seconds from 1970 to 2106 as a UInt32.
var (
	minDateTime = time.Unix(0, 0)
	maxDateTime = time.Unix(1<<32-1, 0)
)

// maxZoneOffset is 18 hours in minutes, the widest offset anyone defines.
const maxZoneOffset = 18 * 60

// check validates a decoded record of any of the three kinds.
func check(record any) error {
	switch r := record.(type) {
	case *schemas.SampleBatch:
		return checkSampleBatch(r)
	case *schemas.Workout:
		return checkWorkout(r)
	case *schemas.Sleep:
		return checkSleep(r)
	default:
		return fmt.Errorf("%w: unexpected record type %T", ErrInvalid, record)
	}
}

func checkSampleBatch(b *schemas.SampleBatch) error {
	if err := checkCommon("sample batch", b.ID, b.UserID, b.Version, b.IngestedAt); err != nil {
		return err
	}
	for i, s := range b.Samples {
		if err := checkTime("ts", s.Time); err != nil {
			return fmt.Errorf("sample batch %s, sample %d: %w", b.ID, i, err)
		}
		if err := checkZoneOffset(s.ZoneOffset); err != nil {
			return fmt.Errorf("sample batch %s, sample %d: %w", b.ID, i, err)
		}
	}
	return nil
}

func checkWorkout(r *schemas.Workout) error {
	if err := checkCommon("workout", r.ID, r.UserID, r.Version, r.IngestedAt); err != nil {
		return err
	}
	for _, err := range []error{checkTime("start_time", r.StartTime), checkTime("end_time", r.EndTime), checkZoneOffset(r.ZoneOffset)} {
		if err != nil {
			return fmt.Errorf("workout %s: %w", r.ID, err)
		}
	}
	return nil
}

func checkSleep(r *schemas.Sleep) error {
	if err := checkCommon("sleep session", r.ID, r.UserID, r.Version, r.IngestedAt); err != nil {
		return err
	}
	for _, err := range []error{checkTime("start_time", r.StartTime), checkTime("end_time", r.EndTime), checkZoneOffset(r.ZoneOffset)} {
		if err != nil {
			return fmt.Errorf("sleep session %s: %w", r.ID, err)
		}
	}
	for i, iv := range r.Intervals {
		for _, err := range []error{checkTime("interval start", iv.Start), checkTime("interval end", iv.End)} {
			if err != nil {
				return fmt.Errorf("sleep session %s, interval %d: %w", r.ID, i, err)
			}
		}
	}
	return nil
}

func checkCommon(kind, id, userID string, version int64, ingestedAt time.Time) error {
	if _, err := uuid.Parse(id); err != nil {
		return fmt.Errorf("%w: %s id %q is not a UUID", ErrInvalid, kind, id)
	}
	if _, err := uuid.Parse(userID); err != nil {
		return fmt.Errorf("%w: %s %s: user_id %q is not a UUID", ErrInvalid, kind, id, userID)
	}
	if version < 0 {
		return fmt.Errorf("%w: %s %s: negative version %d", ErrInvalid, kind, id, version)
	}
	if !ingestedAt.IsZero() {
		if err := checkTime("ingested_at", ingestedAt); err != nil {
			return fmt.Errorf("%s %s: %w", kind, id, err)
		}
	}
	return nil
}

func checkTime(field string, t time.Time) error {
	if t.Before(minDateTime) || !t.Before(maxDateTime) {
		return fmt.Errorf("%w: %s %s is outside 1970 to 2106", ErrInvalid, field, t.Format(time.RFC3339))
	}
	return nil
}

func checkZoneOffset(minutes int32) error {
	if minutes < -maxZoneOffset || minutes > maxZoneOffset {
		return fmt.Errorf("%w: zone_offset %d minutes is beyond 18 hours", ErrInvalid, minutes)
	}
	return nil
}
