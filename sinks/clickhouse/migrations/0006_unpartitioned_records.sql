-- 0006_unpartitioned_records: workouts, workout_laps, sleep and summaries
-- without monthly partitions.
--
-- Background merges and, on ClickHouse 18.16 to 26.2 (and on later versions
-- with do_not_merge_across_partitions_select_final = 1 or compatibility at
-- 26.2 or below), FINAL collapse the revisions of a key only inside one
-- partition. These tables were partitioned by a time that is not in their
-- key, so a delete that carries only the id (its times zero, partition
-- 197001) or a revision that moved start_time to another month sat in
-- another partition than the record, and FINAL with a time filter returned
-- the deleted or the old row. The tables are small (one row per record), so
-- they have no partitions now: every revision of a key meets in one part
-- after merges, FINAL is right on every version, and merges remove what was
-- replaced. samples and deliveries keep monthly partitions: their partition
-- time is in their key.
--
-- ClickHouse 18.16 cannot change a table's partitioning, so each table is
-- rebuilt: a new table, a copy of the rows, a swap by RENAME, a second copy
-- of rows that reached the old table meanwhile (they collapse), the old table
-- dropped, and the view recreated (a view keeps the columns it was created
-- with). Run it with the sinks stopped (`wearstream migrate`, which
-- docker-compose runs before the sinks): rows a sink inserts into the old
-- table after the second copy are lost with it. Every step can run again:
-- a second run copies the rows into a fresh table once more.

-- workouts: as before (see 0001_init.sql), without PARTITION BY.
DROP TABLE IF EXISTS workouts_monthly;
CREATE TABLE IF NOT EXISTS workouts_unpartitioned
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
ORDER BY (tenant_id, user_id, id);
INSERT INTO workouts_unpartitioned SELECT * FROM workouts;
RENAME TABLE workouts TO workouts_monthly, workouts_unpartitioned TO workouts;
INSERT INTO workouts SELECT * FROM workouts_monthly;
DROP TABLE workouts_monthly;
DROP TABLE IF EXISTS workouts_current;
-- workouts_current: as in 0004.
CREATE VIEW workouts_current AS
SELECT * FROM workouts FINAL WHERE deleted = 0;

-- workout_laps: as before (see 0003_workout_laps.sql), without PARTITION BY.
DROP TABLE IF EXISTS workout_laps_monthly;
CREATE TABLE IF NOT EXISTS workout_laps_unpartitioned
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the user',
    user_id UUID COMMENT 'wearstream user id',
    workout_id UUID COMMENT 'id of the workout in workouts',
    kind LowCardinality(String) COMMENT 'lap or segment',
    lap_index UInt32 COMMENT 'position among the workout laps of this kind, from 0',
    workout_start DateTime('UTC') COMMENT 'start of the workout, UTC',
    start_time DateTime('UTC') COMMENT 'start of the lap, UTC',
    end_time DateTime('UTC') COMMENT 'end of the lap, UTC',
    duration_seconds Float64 COMMENT 'end_time minus start_time, seconds',
    distance_meters Nullable(Float64) COMMENT 'distance of the lap, meters; NULL when not measured',
    calories_kcal Nullable(Float64) COMMENT 'energy burned in the lap, kcal; NULL when not measured',
    avg_heart_rate_bpm Nullable(Float64) COMMENT 'average heart rate in the lap, bpm; NULL when not measured',
    avg_speed_mps Nullable(Float64) COMMENT 'average speed in the lap, meters per second; NULL when not measured',
    stroke_count Nullable(Float64) COMMENT 'swimming strokes in the lap; NULL when not measured',
    swimming_stroke LowCardinality(String) COMMENT 'swimming stroke style (freestyle, backstroke, ...) when known',
    version UInt64 COMMENT 'revision number of the workout; the highest version of a key wins',
    deleted UInt8 COMMENT '1 when the workout was deleted; filter deleted = 0',
    ingested_at DateTime('UTC') COMMENT 'when the pipeline ingested this revision, UTC'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, user_id, workout_id, kind, lap_index);
INSERT INTO workout_laps_unpartitioned SELECT * FROM workout_laps;
RENAME TABLE workout_laps TO workout_laps_monthly, workout_laps_unpartitioned TO workout_laps;
INSERT INTO workout_laps SELECT * FROM workout_laps_monthly;
DROP TABLE workout_laps_monthly;
DROP TABLE IF EXISTS workout_laps_current;
-- workout_laps_current: as in 0004.
CREATE VIEW workout_laps_current AS
SELECT * FROM workout_laps FINAL WHERE deleted = 0;

-- sleep: as before (see 0001_init.sql), without PARTITION BY.
DROP TABLE IF EXISTS sleep_monthly;
CREATE TABLE IF NOT EXISTS sleep_unpartitioned
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
ORDER BY (tenant_id, user_id, id);
INSERT INTO sleep_unpartitioned SELECT * FROM sleep;
RENAME TABLE sleep TO sleep_monthly, sleep_unpartitioned TO sleep;
INSERT INTO sleep SELECT * FROM sleep_monthly;
DROP TABLE sleep_monthly;
DROP TABLE IF EXISTS sleep_current;
-- sleep_current: as in 0004.
CREATE VIEW sleep_current AS
SELECT * FROM sleep FINAL WHERE deleted = 0;

-- summaries: as before (see 0005_summaries.sql), without PARTITION BY.
DROP TABLE IF EXISTS summaries_monthly;
CREATE TABLE IF NOT EXISTS summaries_unpartitioned
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the user',
    user_id UUID COMMENT 'wearstream user id',
    id UUID COMMENT 'deterministic summary id (UUIDv5 over the provider document and the category)',
    source_id String COMMENT 'stable identity of the writing source (provider plus app or device id)',
    provider LowCardinality(String) COMMENT 'provider that computed the score, e.g. oura, whoop',
    device String COMMENT 'device model or name when known',
    device_type LowCardinality(String) COMMENT 'kind of device (watch, ring, band, ...) when known',
    source_name String COMMENT 'human-readable name of the source when known',
    provider_record_id String COMMENT 'the provider own id of the document the score came from',
    category LowCardinality(String) COMMENT 'sleep, recovery, readiness, activity, stress, resilience, body_battery or strain',
    date String COMMENT 'the user local day the score is for, YYYY-MM-DD',
    recorded_at DateTime('UTC') COMMENT 'when the provider computed or dated the score, UTC',
    zone_offset Int16 COMMENT 'local offset from UTC at recorded_at, minutes east of UTC',
    value Nullable(Float64) COMMENT 'the score on the provider scale; NULL when not scored',
    qualifier String COMMENT 'the provider word for the score (e.g. GOOD) when it gives one',
    component_name Array(String) COMMENT 'name of each part of the score, parallel to component_value and component_qualifier',
    component_value Array(Nullable(Float64)) COMMENT 'value of each part; NULL when the provider gives none',
    component_qualifier Array(String) COMMENT 'qualifier of each part when the provider gives one',
    raw_event_id String COMMENT 'id of the raw event this revision was normalised from',
    version UInt64 COMMENT 'revision number; the highest version of an id wins',
    deleted UInt8 COMMENT '1 when this revision deletes the score; filter deleted = 0',
    ingested_at DateTime('UTC') COMMENT 'when the pipeline ingested this revision, UTC'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, user_id, id);
INSERT INTO summaries_unpartitioned SELECT * FROM summaries;
RENAME TABLE summaries TO summaries_monthly, summaries_unpartitioned TO summaries;
INSERT INTO summaries SELECT * FROM summaries_monthly;
DROP TABLE summaries_monthly;
DROP TABLE IF EXISTS summaries_current;
-- summaries_current: as in 0005.
CREATE VIEW summaries_current AS
SELECT * FROM summaries FINAL WHERE deleted = 0;
