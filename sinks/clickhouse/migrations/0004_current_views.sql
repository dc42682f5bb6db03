-- 0004_current_views: the current state of every record, deletes honoured.
--
-- The tables keep every revision until background merges collapse them,
-- and a delete is a revision with deleted = 1 (ReplacingMergeTree has no
-- is_deleted parameter on 18.16). These views are what a reader wants: one
-- row per record, its latest version, and no deleted record. Each is
-- SELECT * FROM <table> FINAL WHERE deleted = 0, so its columns are the
-- table's, with the table's column comments (18.16 keeps no comments on
-- views). FINAL collapses the revisions of a key across partitions, so a
-- delete that carries only the id (start_time zero) still hides the row.
--
-- FINAL reads every part of the table. ClickHouse 18.16 does not push a
-- WHERE on the view into the view's query, so on 18.16 filter the table
-- itself (SELECT ... FROM samples FINAL WHERE user_id = ... AND deleted = 0)
-- when the table is big; current ClickHouse pushes the filter down.

-- samples_current: one row per sample (tenant, user, series type, ts,
-- ts_ms, source id) with the columns of samples, latest revision, deleted
-- samples left out.
CREATE VIEW IF NOT EXISTS samples_current AS
SELECT * FROM samples FINAL WHERE deleted = 0;

-- workouts_current: one row per workout id with the columns of workouts,
-- latest version, deleted workouts left out.
CREATE VIEW IF NOT EXISTS workouts_current AS
SELECT * FROM workouts FINAL WHERE deleted = 0;

-- sleep_current: one row per sleep session id with the columns of sleep,
-- latest version, deleted sessions left out.
CREATE VIEW IF NOT EXISTS sleep_current AS
SELECT * FROM sleep FINAL WHERE deleted = 0;

-- workout_laps_current: one row per lap (workout id, kind, lap index) with
-- the columns of workout_laps, latest version, laps of deleted workouts left
-- out.
CREATE VIEW IF NOT EXISTS workout_laps_current AS
SELECT * FROM workout_laps FINAL WHERE deleted = 0;
