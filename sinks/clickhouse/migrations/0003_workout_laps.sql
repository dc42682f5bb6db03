-- 0003_workout_laps: the laps and segments of workouts.
--
-- workout_laps: one row per lap or segment of a workout, keyed by the
-- workout's id, its kind and its position. A table of its own rather than
-- array columns on workouts: ClickHouse 18.16 has no ADD COLUMN IF NOT
-- EXISTS, and migrations must be idempotent. Join to workouts on
-- (tenant_id, user_id, workout_id); both collapse under FINAL. The route and
-- the in-workout samples (heart rate, speed, cadence, power, position) are
-- in samples, under the workout's source and the workout's time span.
CREATE TABLE IF NOT EXISTS workout_laps
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the user',
    user_id UUID COMMENT 'wearstream user id',
    workout_id UUID COMMENT 'id of the workout in workouts',
    kind LowCardinality(String) COMMENT 'lap or segment',
    lap_index UInt32 COMMENT 'position among the workout laps of this kind, from 0',
    workout_start DateTime('UTC') COMMENT 'start of the workout, UTC (the partition key)',
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
PARTITION BY toYYYYMM(workout_start)
ORDER BY (tenant_id, user_id, workout_id, kind, lap_index);
