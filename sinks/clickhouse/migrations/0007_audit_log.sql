-- 0007_audit_log: the audit log.
--
-- audit_log: one row per change to a tenant's configuration (API keys,
-- applications, webhook endpoints, users, tenants, erasures), from the
-- wearables.audit topic: who (the API key id, or cli), what (action,
-- target, the changed fields) and when. The sink is at-least-once; a
-- re-inserted event has the same id and collapses under FINAL, which
-- GET /api/v1/audit uses. Sorted for its one question: a tenant's changes
-- over time.
CREATE TABLE IF NOT EXISTS audit_log
(
    tenant_id LowCardinality(String) COMMENT 'tenant whose configuration changed',
    at DateTime('UTC') COMMENT 'when the change was made, UTC, whole seconds (milliseconds in at_ms)',
    at_ms UInt16 COMMENT 'millisecond part of at, 0 to 999',
    id String COMMENT 'event id (UUID); a re-inserted event collapses under FINAL',
    actor String COMMENT 'who made the change: API key id (key_...), sdk:<app id>, or cli for wearstream admin',
    action LowCardinality(String) COMMENT 'what was done, <entity>.<verb>, e.g. endpoint.updated',
    target_type LowCardinality(String) COMMENT 'tenant, api_key, user, application or endpoint',
    target_id String COMMENT 'id of the changed entity',
    detail String COMMENT 'JSON object of the changed fields; never a secret',
    client_address String COMMENT 'address the request came from; empty for the CLI'
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(at)
ORDER BY (tenant_id, at, id);
