-- 0002_deliveries: the webhook delivery log.
--
-- deliveries: one row per webhook delivery attempt, from the
-- wearables.deliveries topic, plus one "system" row when an endpoint is
-- disabled. The sink is at-least-once, so an attempt may be inserted twice;
-- both copies have the same id and collapse under FINAL (the API queries
-- with FINAL). The payload is kept on the first attempt of each message and
-- endpoint only (retries carry the same body), which is what resends read.
-- Sorted for the two questions asked of it: an endpoint's attempts over
-- time, and a tenant's messages.
CREATE TABLE IF NOT EXISTS deliveries
(
    tenant_id LowCardinality(String) COMMENT 'tenant that owns the endpoint',
    endpoint_id String COMMENT 'webhook endpoint id (ep_...)',
    attempted_at DateTime('UTC') COMMENT 'when the attempt was made, UTC, whole seconds (milliseconds in attempted_ms)',
    attempted_ms UInt16 COMMENT 'millisecond part of attempted_at, 0 to 999',
    id String COMMENT 'attempt id (UUID); a re-inserted attempt collapses under FINAL',
    message_id String COMMENT 'webhook-id of the message (msg_...), the same across retries, resends and replays',
    user_id String COMMENT 'user the event is about; empty for endpoint events',
    event_type LowCardinality(String) COMMENT 'event type, e.g. workout.created, or endpoint.disabled',
    attempt UInt16 COMMENT 'attempt number, 1 for the first try of a trigger',
    trigger LowCardinality(String) COMMENT 'scheduled, retry, manual or replay; system for endpoint.disabled',
    status_code UInt16 COMMENT 'HTTP status the endpoint answered, 0 when there was no answer',
    success UInt8 COMMENT '1 when the endpoint answered 2xx, 0 otherwise',
    error String COMMENT 'why the attempt failed; empty on success',
    duration_ms UInt32 COMMENT 'from sending the request to reading the answer, milliseconds',
    response_body String COMMENT 'start of the response body, at most 4 KB',
    next_attempt_at DateTime('UTC') COMMENT 'when the next retry is due, UTC; 1970-01-01 00:00:00 when none is scheduled',
    payload String COMMENT 'the signed JSON body; on the first attempt of each message and endpoint, empty otherwise'
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(attempted_at)
ORDER BY (tenant_id, endpoint_id, attempted_at, id);
