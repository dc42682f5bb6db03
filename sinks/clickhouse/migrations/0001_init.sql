-- 0001_init: the canonical data tables.
--
-- Written in the SQL that both ClickHouse 18.16 and current ClickHouse accept:
-- no DateTime64 (times are DateTime plus a millisecond column where
-- sub-second precision matters), no Map, JSON, Bool, TTL or CODEC.
-- LowCardinality needs allow_experimental_low_cardinality_type on 18.16; it
-- is set in the server profile, never by the client.
--
-- 18.16 refuses table-level COMMENT clauses, so each table is documented by
-- the comment block above its CREATE, and every column carries a COMMENT.
--
-- Every table is ReplacingMergeTree(version): re-inserting a record (same
-- key) collapses to one row, the highest version winning. Query with FINAL or
-- argMax(col, version), and filter deleted = 0.

-- samples: one row per value of a time series (heart rate, steps, ...).
-- A sample is identified by (tenant, user, series type, time, source id). The
-- device is descriptive and not part of the key, so device information that
-- arrives late replaces the row instead of duplicating history.
-- A user's local day is toDate(ts + zone_offset * 60), never toDate(ts).
CREATE TABLE IF NOT EXISTS samples
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the user',
    user_id UUID COMMENT 'wearstream user id',
    series_type LowCardinality(String) COMMENT 'series type name from the catalog, e.g. heart_rate, steps',
    ts DateTime('UTC') COMMENT 'sample time, UTC, whole seconds (milliseconds in ts_ms)',
    ts_ms UInt16 COMMENT 'millisecond part of the sample time, 0 to 999',
    source_id String COMMENT 'stable identity of the writing source (provider plus app or device id); part of the key',
    provider LowCardinality(String) COMMENT 'provider the sample came from, e.g. garmin, oura, apple',
    device String COMMENT 'device model or name when known; descriptive, not part of the key',
    device_type LowCardinality(String) COMMENT 'kind of device (watch, ring, phone, scale, ...) when known',
    source_name String COMMENT 'human-readable name of the source when known',
    value Float64 COMMENT 'value in the catalog unit of series_type',
    unit LowCardinality(String) COMMENT 'catalog unit of value, e.g. bpm, ms, kcal, meters',
    zone_offset Int16 COMMENT 'local offset from UTC at ts, minutes east of UTC',
    is_daily_total Nullable(UInt8) COMMENT '1 when the value is a whole-day total, 0 when not, NULL when unknown',
    batch_id UUID COMMENT 'id of the SampleBatch record that carried this revision',
    raw_event_id String COMMENT 'id of the raw event this revision was normalised from',
    version UInt64 COMMENT 'revision number; the highest version of a key wins',
    deleted UInt8 COMMENT '1 when this revision deletes the sample; filter deleted = 0',
    ingested_at DateTime('UTC') COMMENT 'when the pipeline ingested this revision, UTC'
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(ts)
ORDER BY (tenant_id, user_id, series_type, ts, ts_ms, source_id);

-- workouts: one row per exercise session, keyed by its deterministic id.
-- Partitioned by start month: a revision that moves start_time into another
-- month is still collapsed by FINAL and argMax, not by background merges.
CREATE TABLE IF NOT EXISTS workouts
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the user',
    user_id UUID COMMENT 'wearstream user id',
    id UUID COMMENT 'deterministic workout id (UUIDv5); the same workout always has the same id',
    source_id String COMMENT 'stable identity of the writing source (provider plus app or device id)',
    provider LowCardinality(String) COMMENT 'provider the workout came from, e.g. garmin, strava',
    device String COMMENT 'device model or name when known',
    device_type LowCardinality(String) COMMENT 'kind of device (watch, ring, phone, ...) when known',
    source_name String COMMENT 'human-readable name of the source when known',
    provider_record_id String COMMENT 'the provider own id of the workout',
    type LowCardinality(String) COMMENT 'workout type name from the catalog, e.g. running, cycling',
    name String COMMENT 'title of the workout as the provider or user gave it',
    start_time DateTime('UTC') COMMENT 'start of the workout, UTC',
    end_time DateTime('UTC') COMMENT 'end of the workout, UTC',
    zone_offset Int16 COMMENT 'local offset from UTC at start_time, minutes east of UTC',
    duration_seconds Float64 COMMENT 'duration in seconds (moving or total, as the provider reports)',
    calories_kcal Nullable(Float64) COMMENT 'energy burned, kcal; NULL when not measured',
    distance_meters Nullable(Float64) COMMENT 'distance, meters; NULL when not measured',
    avg_heart_rate_bpm Nullable(Float64) COMMENT 'average heart rate, bpm; NULL when not measured',
    max_heart_rate_bpm Nullable(Float64) COMMENT 'maximum heart rate, bpm; NULL when not measured',
    min_heart_rate_bpm Nullable(Float64) COMMENT 'minimum heart rate, bpm; NULL when not measured',
    avg_pace_sec_per_km Nullable(Float64) COMMENT 'average pace, seconds per km; NULL when not measured',
    elevation_gain_meters Nullable(Float64) COMMENT 'total ascent, meters; NULL when not measured',
    steps Nullable(Float64) COMMENT 'steps taken during the workout; NULL when not measured',
    avg_speed_mps Nullable(Float64) COMMENT 'average speed, meters per second; NULL when not measured',
    max_speed_mps Nullable(Float64) COMMENT 'maximum speed, meters per second; NULL when not measured',
    avg_power_watts Nullable(Float64) COMMENT 'average power, watts; NULL when not measured',
    raw_event_id String COMMENT 'id of the raw event this revision was normalised from',
    version UInt64 COMMENT 'revision number; the highest version of an id wins',
    deleted UInt8 COMMENT '1 when this revision deletes the workout; filter deleted = 0',
    ingested_at DateTime('UTC') COMMENT 'when the pipeline ingested this revision, UTC'
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant_id, user_id, id);

-- sleep: one row per sleep session (a night or a nap), keyed by its
-- deterministic id, with minutes per stage and the stage intervals as
-- parallel arrays (interval_stage[i] ran from interval_start[i] to
-- interval_end[i]; use ARRAY JOIN to get one row per interval).
-- Partitioned by start month, with the same caveat as workouts.
CREATE TABLE IF NOT EXISTS sleep
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the user',
    user_id UUID COMMENT 'wearstream user id',
    id UUID COMMENT 'deterministic sleep session id (UUIDv5)',
    source_id String COMMENT 'stable identity of the writing source (provider plus app or device id)',
    provider LowCardinality(String) COMMENT 'provider the session came from, e.g. oura, whoop',
    device String COMMENT 'device model or name when known',
    device_type LowCardinality(String) COMMENT 'kind of device (watch, ring, phone, ...) when known',
    source_name String COMMENT 'human-readable name of the source when known',
    provider_record_id String COMMENT 'the provider own id of the session',
    start_time DateTime('UTC') COMMENT 'start of the session (going to bed), UTC',
    end_time DateTime('UTC') COMMENT 'end of the session (getting up), UTC',
    zone_offset Int16 COMMENT 'local offset from UTC at start_time, minutes east of UTC',
    duration_seconds Float64 COMMENT 'end_time minus start_time, seconds',
    sleep_duration_seconds Float64 COMMENT 'time actually asleep, seconds',
    in_bed_seconds Float64 COMMENT 'time in bed, seconds',
    efficiency_percent Nullable(Float64) COMMENT 'sleep efficiency, percent 0 to 100; NULL when not measured',
    awake_minutes Nullable(Float64) COMMENT 'minutes awake during the session; NULL when stages are unknown',
    light_minutes Nullable(Float64) COMMENT 'minutes of light sleep; NULL when stages are unknown',
    deep_minutes Nullable(Float64) COMMENT 'minutes of deep sleep; NULL when stages are unknown',
    rem_minutes Nullable(Float64) COMMENT 'minutes of REM sleep; NULL when stages are unknown',
    is_nap UInt8 COMMENT '1 for a nap, 0 for a main sleep',
    interval_stage Array(String) COMMENT 'stage of each interval (awake, light, deep, rem, ...), parallel to interval_start and interval_end',
    interval_start Array(DateTime('UTC')) COMMENT 'start of each interval, UTC',
    interval_end Array(DateTime('UTC')) COMMENT 'end of each interval, UTC',
    raw_event_id String COMMENT 'id of the raw event this revision was normalised from',
    version UInt64 COMMENT 'revision number; the highest version of an id wins',
    deleted UInt8 COMMENT '1 when this revision deletes the session; filter deleted = 0',
    ingested_at DateTime('UTC') COMMENT 'when the pipeline ingested this revision, UTC'
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (tenant_id, user_id, id);
