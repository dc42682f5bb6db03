-- 0005_summaries: providers' daily scores.
--
-- summaries: one row per daily score (a sleep, recovery, readiness or
-- activity score, a strain, a body battery, ...), keyed by its id, which is
-- one per provider document and category. Components are parallel arrays
-- (18.16 has no Map). Values are on the provider's scale: Oura scores are
-- 1 to 100, WHOOP strain 0 to 21, Polar recovery 1 to 6.
CREATE TABLE IF NOT EXISTS summaries
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
PARTITION BY toYYYYMM(recorded_at)
ORDER BY (tenant_id, user_id, id);

-- summaries_current: one row per summary id with the columns of summaries,
-- latest version, deleted summaries left out (see 0004 for FINAL and
-- filtering on 18.16).
CREATE VIEW IF NOT EXISTS summaries_current AS
SELECT * FROM summaries FINAL WHERE deleted = 0;
