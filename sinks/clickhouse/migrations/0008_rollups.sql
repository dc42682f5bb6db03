-- 0008_rollups: hourly and daily rollups of samples by the user's local time.
--
-- A rollup is rebuilt, never accumulated. A materialized view that summed
-- the inserts into samples would count a re-sent sample twice (samples is a
-- ReplacingMergeTree: the same key inserted again is one sample once merged,
-- two inserts to a view) and could never take back a deleted one. So the
-- view below only notes which local days of which user received rows
-- (rollup_days), and the ClickHouse sink rebuilds the rollups of those days
-- from samples FINAL, deletes honoured, at each retention run
-- (sinks/clickhouse/rollups.go): it writes a tombstone over every rollup
-- row of the day, then the day's rows at a higher version, so a row whose
-- samples were all deleted ends deleted and every other row is exact.
-- Raw samples are expired only after; a day whose raw samples have started
-- to expire is no longer rebuilt (its rollups stay as they were built).
--
-- Local time is the sample's UTC time plus its zone_offset: hour is the
-- start of the local hour written as if it were UTC (toDate(hour) is the
-- local day), day is the local day. Rows are per source, like samples:
-- adding up sources is the reader's choice.

-- rollup_days: the local days whose rollups must be rebuilt. The view writes
-- a row with built = 0 for each (tenant, user, local day) of every insert
-- into samples, deletions included; the sink writes built = 1 with the time
-- its rebuild read the samples. A day is due while its latest built = 0 row
-- is not older than its latest built = 1 row. Merges keep one row per key.
CREATE TABLE IF NOT EXISTS rollup_days
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the user',
    user_id UUID COMMENT 'wearstream user id',
    day Date COMMENT 'local day of the user that received samples',
    built UInt8 COMMENT '0 when samples of the day were written at marked_at, 1 when the rollups were rebuilt from the samples as of marked_at',
    marked_at DateTime('UTC') COMMENT 'when the samples were written (built = 0), or the time up to which the rebuild saw them (built = 1), UTC'
)
ENGINE = ReplacingMergeTree(marked_at)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, user_id, day, built);

-- rollup_days_mv: notes the local days of every block inserted into samples.
CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_days_mv TO rollup_days
AS SELECT tenant_id, user_id, toDate(ts + zone_offset * 60) AS day, toUInt8(0) AS built, now() AS marked_at
FROM samples
GROUP BY tenant_id, user_id, day;

-- The days of the samples written before this migration, rolled up at the
-- sink's next retention run (after the view exists, so none is missed).
INSERT INTO rollup_days (tenant_id, user_id, day, built, marked_at)
SELECT tenant_id, user_id, toDate(ts + zone_offset * 60) AS day, toUInt8(0), now()
FROM samples
GROUP BY tenant_id, user_id, day;

-- samples_hourly: one row per (tenant, user, series type, local hour,
-- source) with the count, sum, minimum and maximum of the samples' values
-- (average = value_sum / sample_count). Rebuilt per local day; query with
-- FINAL and deleted = 0, or through samples_hourly_current.
CREATE TABLE IF NOT EXISTS samples_hourly
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the user',
    user_id UUID COMMENT 'wearstream user id',
    series_type LowCardinality(String) COMMENT 'series type name from the catalog, e.g. heart_rate, steps',
    hour DateTime('UTC') COMMENT 'start of the local hour, the wall-clock time written as if it were UTC; toDate(hour) is the local day',
    source_id String COMMENT 'stable identity of the writing source, as in samples',
    provider LowCardinality(String) COMMENT 'provider the samples came from, e.g. garmin, oura, apple',
    unit LowCardinality(String) COMMENT 'catalog unit of the values, e.g. bpm, kcal',
    sample_count UInt64 COMMENT 'number of samples in the hour',
    value_sum Float64 COMMENT 'sum of the values',
    value_min Float64 COMMENT 'smallest value',
    value_max Float64 COMMENT 'largest value',
    version UInt64 COMMENT 'when the row was rebuilt, milliseconds since 1970; the highest version of a key wins',
    deleted UInt8 COMMENT '1 when the rebuild found no samples left for the row; filter deleted = 0'
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, user_id, series_type, hour, source_id);

-- samples_daily: one row per (tenant, user, series type, local day, source),
-- with the same columns as samples_hourly for the whole local day.
CREATE TABLE IF NOT EXISTS samples_daily
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the user',
    user_id UUID COMMENT 'wearstream user id',
    series_type LowCardinality(String) COMMENT 'series type name from the catalog, e.g. heart_rate, steps',
    day Date COMMENT 'local day of the user',
    source_id String COMMENT 'stable identity of the writing source, as in samples',
    provider LowCardinality(String) COMMENT 'provider the samples came from, e.g. garmin, oura, apple',
    unit LowCardinality(String) COMMENT 'catalog unit of the values, e.g. bpm, kcal',
    sample_count UInt64 COMMENT 'number of samples in the local day',
    value_sum Float64 COMMENT 'sum of the values',
    value_min Float64 COMMENT 'smallest value',
    value_max Float64 COMMENT 'largest value',
    version UInt64 COMMENT 'when the row was rebuilt, milliseconds since 1970; the highest version of a key wins',
    deleted UInt8 COMMENT '1 when the rebuild found no samples left for the row; filter deleted = 0'
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(day)
ORDER BY (tenant_id, user_id, series_type, day, source_id);

-- samples_hourly_current: the hourly rollups, latest rebuild, deleted rows
-- left out.
CREATE VIEW IF NOT EXISTS samples_hourly_current AS
SELECT * FROM samples_hourly FINAL WHERE deleted = 0;

-- samples_daily_current: the daily rollups, latest rebuild, deleted rows
-- left out.
CREATE VIEW IF NOT EXISTS samples_daily_current AS
SELECT * FROM samples_daily FINAL WHERE deleted = 0;
