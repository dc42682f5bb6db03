package clickhouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"

	"github.com/wearstream/wearstream/schemas"
)

// Samples, the bulk of the data, go in column by column (see writeSamples),
// which costs far fewer allocations than batch.Append row by row; workouts
// sleep sessions and summaries are few and go in row by row.

// ErrInvalid marks a record that can never be inserted (a malformed id, a
// time outside the DateTime range, ...); retrying it is pointless.
var ErrInvalid = errors.New("invalid record")

// Rows is what one Write inserts: each non-empty slice is one INSERT.
type Rows struct {
	Samples   []schemas.SampleBatch
	Workouts  []schemas.Workout
	Sleep     []schemas.Sleep
	Summaries []schemas.Summary
	Attempts  []schemas.Attempt    // webhook delivery attempts, for the deliveries table
	Audit     []schemas.AuditEvent // configuration changes, for the audit_log table
}

// Len is the number of table rows: samples plus workouts, sleep sessions,
// summaries and delivery attempts.
func (r Rows) Len() int {
	n := len(r.Workouts) + len(r.Sleep) + len(r.Summaries) + len(r.Attempts) + len(r.Audit)
	for i := range r.Samples {
		n += len(r.Samples[i].Samples)
		if r.Samples[i].Deletion != nil {
			n++ // one INSERT ... SELECT
		}
	}
	return n
}

// Writer inserts canonical records into the samples, workouts, sleep and
// summaries tables of its connection's database.
type Writer struct {
	conn   driver.Conn
	server serverSettings
}

// NewWriter returns a Writer on conn.
func NewWriter(conn driver.Conn) *Writer {
	return &Writer{conn: conn}
}

const (
	workoutsInsert = "INSERT INTO workouts (tenant_id, user_id, id, source_id, provider, device, device_type, source_name, provider_record_id, type, name, start_time, end_time, zone_offset, duration_seconds, calories_kcal, distance_meters, avg_heart_rate_bpm, max_heart_rate_bpm, min_heart_rate_bpm, avg_pace_sec_per_km, elevation_gain_meters, steps, avg_speed_mps, max_speed_mps, avg_power_watts, raw_event_id, version, deleted, ingested_at)"

	summariesInsert = "INSERT INTO summaries (tenant_id, user_id, id, source_id, provider, device, device_type, source_name, provider_record_id, category, date, recorded_at, zone_offset, value, qualifier, component_name, component_value, component_qualifier, raw_event_id, version, deleted, ingested_at)"

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
	for i := range rows.Summaries {
		if err := checkSummary(&rows.Summaries[i]); err != nil {
			return err
		}
	}
	for i := range rows.Attempts {
		if err := checkAttempt(&rows.Attempts[i]); err != nil {
			return err
		}
	}
	for i := range rows.Audit {
		if err := checkAudit(&rows.Audit[i]); err != nil {
			return err
		}
	}
	ctx, err := w.insertContext(ctx, nil)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	samples, deletions, laps := 0, 0, 0
	for i := range rows.Samples {
		samples += len(rows.Samples[i].Samples)
		if rows.Samples[i].Deletion != nil {
			deletions++
		}
	}
	for i := range rows.Workouts {
		laps += len(rows.Workouts[i].Laps)
	}
	for _, step := range []struct {
		table string
		n     int
		write func() error
	}{
		{"samples", samples, func() error { return w.writeSamples(ctx, rows.Samples, now) }},
		{"workouts", len(rows.Workouts), func() error { return w.writeWorkouts(ctx, rows.Workouts, now) }},
		{"workout_laps", laps, func() error { return w.writeLaps(ctx, rows.Workouts, now) }},
		{"sleep", len(rows.Sleep), func() error { return w.writeSleep(ctx, rows.Sleep, now) }},
		{"summaries", len(rows.Summaries), func() error { return w.writeSummaries(ctx, rows.Summaries, now) }},
		{"samples_deletions", deletions, func() error { return w.deleteSamples(ctx, rows.Samples, now) }},
		{"deliveries", len(rows.Attempts), func() error { return w.writeAttempts(ctx, rows.Attempts) }},
		{"audit_log", len(rows.Audit), func() error { return w.writeAudit(ctx, rows.Audit) }},
	} {
		if err := timed(step.table, step.n, step.write); err != nil {
			return err
		}
	}
	return nil
}

// sampleDeletion tombstones, in one INSERT ... SELECT, the samples a
// deleting SampleBatch removes: the latest revision of every sample of the
// user, series type and provider (and source, when one is named) in the
// range that is not deleted and older than the deletion gets a revision
// with deleted = 1 at the deletion's version. Applying it again writes the
// same rows, which collapse; samples of the deletion's own raw event or of
// later ones (version at or above it) are left alone. The ts bounds use
// the sort key; the millisecond bounds make the range exact.
var sampleDeletion = "INSERT INTO samples (" + strings.Join(sampleColumns[:], ", ") + `)
SELECT tenant_id, user_id, series_type, ts, ts_ms, source_id, provider, device, device_type, source_name,
    value, unit, zone_offset, is_daily_total, toUUID(?), ?, toUInt64(?), toUInt8(1), toDateTime(?, 'UTC')
FROM samples FINAL
WHERE tenant_id = ? AND user_id = toUUID(?) AND series_type = ? AND provider = ? AND (? = '' OR source_id = ?)
    AND ts >= toDateTime(?, 'UTC') AND ts <= toDateTime(?, 'UTC')
    AND toUInt64(ts) * 1000 + ts_ms >= ? AND toUInt64(ts) * 1000 + ts_ms < ?
    AND deleted = 0 AND version < ?`

// deleteSamples applies the deleting batches among batches, after the
// samples of the same Write were inserted. FINAL must collapse before the
// WHERE filters on deleted and version, so those conditions are never moved
// into PREWHERE.
func (w *Writer) deleteSamples(ctx context.Context, batches []schemas.SampleBatch, now time.Time) error {
	ctx, err := w.insertContext(ctx, ch.Settings{"optimize_move_to_prewhere": 0})
	if err != nil {
		return err
	}
	for i := range batches {
		b := &batches[i]
		d := b.Deletion
		if d == nil {
			continue
		}
		from, to := d.Start.UTC(), d.End.UTC()
		err := w.conn.Exec(ctx, sampleDeletion,
			b.ID, b.RawEventID, b.Version, ingestedTime(b.IngestedAt, now).Unix(),
			b.Tenant, b.UserID, b.SeriesType, b.Source.Provider, b.Source.ID, b.Source.ID,
			from.Unix(), to.Unix(), from.UnixMilli(), to.UnixMilli(), b.Version)
		if err != nil {
			return fmt.Errorf("cannot apply sample deletion %s (%s, %s to %s): %w", b.ID, b.SeriesType,
				from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano), err)
		}
	}
	return nil
}

func (w *Writer) writeSamples(ctx context.Context, batches []schemas.SampleBatch, now time.Time) error {
	n := 0
	for i := range batches {
		n += len(batches[i].Samples)
	}
	if n == 0 {
		return nil
	}
	batch, err := w.conn.PrepareBatch(ctx, samplesInsert)
	if err != nil {
		return fmt.Errorf("cannot prepare samples insert: %w", err)
	}
	defer abortUnsent(batch)
	cols := make([]driver.BatchColumn, len(sampleColumns))
	for i := range cols {
		cols[i] = batch.Column(i)
	}

	// Columns that vary per sample are gathered and appended whole.
	var (
		ts         = make([]time.Time, 0, n)
		tsMS       = make([]uint16, 0, n)
		value      = make([]float64, 0, n)
		zoneOffset = make([]int16, 0, n)
		dailyTotal = make([]*uint8, 0, n)
		yes, no    = uint8(1), uint8(0)
	)
	// Columns that are the same for a whole SampleBatch are boxed once per
	// batch and appended row by row, which allocates nothing per row.
	constant := make([]any, len(sampleColumns))
	for i := range batches {
		b := &batches[i]
		constant[colTenant] = b.Tenant
		constant[colUser] = uuid.MustParse(b.UserID)
		constant[colSeriesType] = b.SeriesType
		constant[colSourceID] = b.Source.ID
		constant[colProvider] = b.Source.Provider
		constant[colDevice] = b.Source.Device
		constant[colDeviceType] = b.Source.DeviceType
		constant[colSourceName] = b.Source.Name
		constant[colUnit] = b.Unit
		constant[colBatchID] = uuid.MustParse(b.ID)
		constant[colRawEventID] = b.RawEventID
		constant[colVersion] = uint64(b.Version)
		constant[colDeleted] = uint8(0)
		constant[colIngestedAt] = ingestedTime(b.IngestedAt, now)
		for _, smp := range b.Samples {
			for _, c := range sampleConstantColumns {
				if err := cols[c].AppendRow(constant[c]); err != nil {
					return fmt.Errorf("cannot append samples column %s: %w", sampleColumns[c], err)
				}
			}
			t := smp.Time.UTC()
			ts = append(ts, t.Truncate(time.Second))
			tsMS = append(tsMS, uint16(t.Nanosecond()/int(time.Millisecond)))
			value = append(value, smp.Value)
			zoneOffset = append(zoneOffset, int16(smp.ZoneOffset))
			switch {
			case smp.IsDailyTotal == nil:
				dailyTotal = append(dailyTotal, nil)
			case *smp.IsDailyTotal:
				dailyTotal = append(dailyTotal, &yes)
			default:
				dailyTotal = append(dailyTotal, &no)
			}
		}
	}
	for _, col := range []struct {
		c int
		v any
	}{{colTS, ts}, {colTSMS, tsMS}, {colValue, value}, {colZoneOffset, zoneOffset}, {colDailyTotal, dailyTotal}} {
		if err := cols[col.c].Append(col.v); err != nil {
			return fmt.Errorf("cannot append samples column %s: %w", sampleColumns[col.c], err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert %d samples: %w", n, err)
	}
	return nil
}

// The columns of samplesInsert, in order.
var sampleColumns = [...]string{"tenant_id", "user_id", "series_type", "ts", "ts_ms", "source_id", "provider", "device", "device_type", "source_name", "value", "unit", "zone_offset", "is_daily_total", "batch_id", "raw_event_id", "version", "deleted", "ingested_at"}

var samplesInsert = "INSERT INTO samples (" + strings.Join(sampleColumns[:], ", ") + ")"

const (
	colTenant = iota
	colUser
	colSeriesType
	colTS
	colTSMS
	colSourceID
	colProvider
	colDevice
	colDeviceType
	colSourceName
	colValue
	colUnit
	colZoneOffset
	colDailyTotal
	colBatchID
	colRawEventID
	colVersion
	colDeleted
	colIngestedAt
)

var sampleConstantColumns = [...]int{colTenant, colUser, colSeriesType, colSourceID, colProvider, colDevice, colDeviceType, colSourceName, colUnit, colBatchID, colRawEventID, colVersion, colDeleted, colIngestedAt}

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
			clampTime(r.StartTime), clampTime(r.EndTime), int16(r.ZoneOffset), r.DurationSeconds,
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
			r.ProviderRecordID, clampTime(r.StartTime), clampTime(r.EndTime), int16(r.ZoneOffset),
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

func (w *Writer) writeSummaries(ctx context.Context, summaries []schemas.Summary, now time.Time) error {
	if len(summaries) == 0 {
		return nil
	}
	batch, err := w.conn.PrepareBatch(ctx, summariesInsert)
	if err != nil {
		return fmt.Errorf("cannot prepare summaries insert: %w", err)
	}
	defer abortUnsent(batch)
	for i := range summaries {
		r := &summaries[i]
		name := make([]string, len(r.Components))
		value := make([]*float64, len(r.Components))
		qualifier := make([]string, len(r.Components))
		for j, c := range r.Components {
			name[j], value[j], qualifier[j] = c.Name, c.Value, c.Qualifier
		}
		err := batch.Append(
			r.Tenant, uuid.MustParse(r.UserID), uuid.MustParse(r.ID),
			r.Source.ID, r.Source.Provider, r.Source.Device, r.Source.DeviceType, r.Source.Name,
			r.ProviderRecordID, r.Category, r.Date, clampTime(r.RecordedAt), int16(r.ZoneOffset),
			r.Value, r.Qualifier, name, value, qualifier,
			r.RawEventID, uint64(r.Version), boolByte(r.Deleted), ingestedTime(r.IngestedAt, now),
		)
		if err != nil {
			return fmt.Errorf("cannot append summary %s: %w", r.ID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert %d summaries: %w", len(summaries), err)
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
	case *schemas.Summary:
		return checkSummary(r)
	case *schemas.Attempt:
		return checkAttempt(r)
	case *schemas.AuditEvent:
		return checkAudit(r)
	default:
		return fmt.Errorf("%w: unexpected record type %T", ErrInvalid, record)
	}
}

func checkSampleBatch(b *schemas.SampleBatch) error {
	if err := checkCommon("sample batch", b.ID, b.UserID, b.Version, b.IngestedAt); err != nil {
		return err
	}
	if d := b.Deletion; d != nil {
		if len(b.Samples) > 0 {
			return fmt.Errorf("%w: sample batch %s both deletes and carries %d samples", ErrInvalid, b.ID, len(b.Samples))
		}
		if !d.End.After(d.Start) {
			return fmt.Errorf("%w: sample batch %s deletes an empty range (%s to %s)", ErrInvalid, b.ID, d.Start, d.End)
		}
		if b.Source.Provider == "" || b.SeriesType == "" {
			return fmt.Errorf("%w: sample batch %s deletes without a provider or series type", ErrInvalid, b.ID)
		}
		if _, err := uuid.Parse(b.ID); err != nil {
			return fmt.Errorf("%w: sample batch id %q is not a UUID", ErrInvalid, b.ID)
		}
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
	for _, err := range []error{checkSpan(r.Deleted, r.StartTime, r.EndTime), checkZoneOffset(r.ZoneOffset)} {
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
	for _, err := range []error{checkSpan(r.Deleted, r.StartTime, r.EndTime), checkZoneOffset(r.ZoneOffset)} {
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

func checkSummary(r *schemas.Summary) error {
	if err := checkCommon("summary", r.ID, r.UserID, r.Version, r.IngestedAt); err != nil {
		return err
	}
	if r.Deleted && r.RecordedAt.IsZero() {
		return nil // a delete that carries only the id
	}
	for _, err := range []error{checkTime("recorded_at", r.RecordedAt), checkZoneOffset(r.ZoneOffset)} {
		if err != nil {
			return fmt.Errorf("summary %s: %w", r.ID, err)
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

// checkSpan checks a record's start and end times. A delete often carries
// only the record's id: its unknown (zero) times are written as 1970, and
// the row still replaces the record's, which is keyed by id.
func checkSpan(deleted bool, start, end time.Time) error {
	if deleted && start.IsZero() && end.IsZero() {
		return nil
	}
	if err := checkTime("start_time", start); err != nil {
		return err
	}
	return checkTime("end_time", end)
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
