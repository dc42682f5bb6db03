package clickhouse

// Rollups: samples_hourly and samples_daily (migration 0008) hold the
// count, sum, minimum and maximum of each user's samples by local hour and
// local day. They are rebuilt from samples FINAL, never accumulated from
// inserts, so a re-sent sample is counted once and a deleted one is taken
// back. The view rollup_days_mv notes every local day that received
// samples; at each retention run the sink rebuilds the due days first and
// expires raw samples after, so a day is rolled up before its samples go.
//
// A rebuild of a (tenant, user, local day), up to rollupBatch of them of
// one tenant in each statement, writes a tombstone (deleted =
// 1, version v) over every current rollup row of the day, then the day's
// rows from samples at version v+1: rows that still have samples replace
// their tombstones, rows that lost all their samples stay deleted. Then it
// marks the day built as of the time it read, less rollupSettle, so a day
// that received samples while (or just before) it was read is rebuilt
// again at the next run; rebuilding twice gives the same rows. The marks
// of the view carry the server's clock and the built marks the sink's:
// rollupSettle also absorbs a skew between the two.
//
// A day whose raw samples may have started to expire (the local day, at
// the widest offset the sink accepts, 18 hours east, begins before the
// tenant's raw cutoff) is frozen: its rollups are kept as they were built
// and it is marked built without a rebuild, since rebuilding from what is
// left would lose the expired samples. Late samples for a frozen day are
// expired with the rest and change no rollup. A local day ends 60 hours
// after it began (18 hours east to 18 hours west), so with a raw retention
// of 3 days or more every day is rebuilt complete before it freezes; the
// gateway refuses less. Users being erased are skipped (the erasure
// deletes their rows), and a provider's erased samples are left out of the
// rebuild while the erasure's mutation runs.

import (
	"context"
	"fmt"
	"strings"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/google/uuid"
)

// rollupSettle is how far before its read a rebuild marks a day built: an
// insert into samples that started earlier but was not visible yet leaves
// the day due.
const rollupSettle = 10 * time.Minute

// RollupDay is one local day of one user whose rollups are due.
type RollupDay struct {
	Tenant string
	UserID string
	Day    time.Time // the local day, midnight UTC
}

// DueRollups returns the days whose rollups must be rebuilt.
func (w *Writer) DueRollups(ctx context.Context) ([]RollupDay, error) {
	rows, err := w.conn.Query(ctx, `SELECT tenant_id, toString(user_id), day FROM rollup_days
GROUP BY tenant_id, user_id, day
HAVING maxIf(marked_at, built = 0) >= maxIf(marked_at, built = 1)
ORDER BY tenant_id, user_id, day`)
	if err != nil {
		return nil, fmt.Errorf("cannot find the due rollups: %w", err)
	}
	defer rows.Close()
	var out []RollupDay
	for rows.Next() {
		var d RollupDay
		if err := rows.Scan(&d.Tenant, &d.UserID, &d.Day); err != nil {
			return nil, fmt.Errorf("cannot read a due rollup: %w", err)
		}
		d.Day = time.Date(d.Day.Year(), d.Day.Month(), d.Day.Day(), 0, 0, 0, 0, time.UTC)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("cannot read the due rollups: %w", err)
	}
	return out, nil
}

// Frozen reports whether day's raw samples may have started to expire
// under a raw retention of rawDays (0 keeps them for ever) at now: whether
// the local day can begin before the retention's cutoff.
func Frozen(day time.Time, rawDays int32, now time.Time) bool {
	if rawDays <= 0 {
		return false
	}
	cutoff := now.Add(-time.Duration(rawDays) * 24 * time.Hour)
	return day.Add(-maxZoneOffset * time.Minute).Before(cutoff)
}

// rollupBatch bounds the days one rebuild statement covers.
const rollupBatch = 200

// RebuildRollups rewrites the hourly and daily rollups of days (all of one
// tenant) from samples FINAL, leaving out the samples that exclude matches
// (an SQL condition on samples, or ""), at version and version+1, and marks
// the days built as of seen.
func (w *Writer) RebuildRollups(ctx context.Context, days []RollupDay, exclude string, version uint64, seen time.Time) error {
	if len(days) == 0 {
		return nil
	}
	// FINAL must collapse before deleted = 0 filters, as in deleteSamples.
	ictx, err := w.insertContext(ctx, ch.Settings{"optimize_move_to_prewhere": 0})
	if err != nil {
		return err
	}
	first, last := days[0].Day.Unix(), days[0].Day.Unix()
	var users, pairs []string
	for _, d := range days {
		if _, err := uuid.Parse(d.UserID); err != nil || d.Tenant != days[0].Tenant {
			return fmt.Errorf("cannot rebuild the rollups of user %q of tenant %q with tenant %q's", d.UserID, d.Tenant, days[0].Tenant)
		}
		first, last = min(first, d.Day.Unix()), max(last, d.Day.Unix())
		users = append(users, "toUUID('"+d.UserID+"')")
		pairs = append(pairs, "('"+d.UserID+"', '"+d.Day.Format(time.DateOnly)+"')")
	}
	in := "(toString(user_id), toString(%s)) IN (" + strings.Join(pairs, ", ") + ")"
	who := fmt.Sprintf("tenant_id = %s AND user_id IN (%s)", quote(days[0].Tenant), strings.Join(users, ", "))
	from := fmt.Sprintf("%s AND ts >= toDateTime(%d, 'UTC') AND ts < toDateTime(%d, 'UTC') AND %s AND deleted = 0",
		who, first-86400, last+2*86400, fmt.Sprintf(in, "toDate(ts + zone_offset * 60)"))
	if exclude != "" {
		from += " AND NOT (" + exclude + ")"
	}
	const cols = "tenant_id, user_id, series_type, %s, source_id, provider, unit, sample_count, value_sum, value_min, value_max, version, deleted"
	statements := []string{
		fmt.Sprintf("INSERT INTO samples_hourly ("+cols+") SELECT tenant_id, user_id, series_type, hour, source_id, provider, unit, 0, 0, 0, 0, %d, 1 FROM samples_hourly FINAL WHERE %s AND hour >= toDateTime(%d, 'UTC') AND hour < toDateTime(%d, 'UTC') AND %s AND deleted = 0",
			"hour", version, who, first, last+86400, fmt.Sprintf(in, "toDate(hour)")),
		fmt.Sprintf("INSERT INTO samples_daily ("+cols+") SELECT tenant_id, user_id, series_type, day, source_id, provider, unit, 0, 0, 0, 0, %d, 1 FROM samples_daily FINAL WHERE %s AND day >= toDate(toDateTime(%d, 'UTC')) AND day <= toDate(toDateTime(%d, 'UTC')) AND %s AND deleted = 0",
			"day", version, who, first, last, fmt.Sprintf(in, "day")),
		fmt.Sprintf("INSERT INTO samples_hourly ("+cols+") SELECT tenant_id, user_id, series_type, toStartOfHour(ts + zone_offset * 60) AS hour, source_id, any(provider), any(unit), count(), sum(value), min(value), max(value), %d, 0 FROM samples FINAL WHERE %s GROUP BY tenant_id, user_id, series_type, hour, source_id",
			"hour", version+1, from),
		fmt.Sprintf("INSERT INTO samples_daily ("+cols+") SELECT tenant_id, user_id, series_type, toDate(ts + zone_offset * 60) AS day, source_id, any(provider), any(unit), count(), sum(value), min(value), max(value), %d, 0 FROM samples FINAL WHERE %s GROUP BY tenant_id, user_id, series_type, day, source_id",
			"day", version+1, from),
	}
	for _, s := range statements {
		if err := w.conn.Exec(ictx, s); err != nil {
			return fmt.Errorf("cannot rebuild the rollups of %d days of tenant %s: %w", len(days), days[0].Tenant, err)
		}
	}
	return w.markBuilt(ctx, days, seen)
}

// markBuilt records that the rollups of days (all of one tenant) hold the
// samples written before seen.
func (w *Writer) markBuilt(ctx context.Context, days []RollupDay, seen time.Time) error {
	if len(days) == 0 {
		return nil
	}
	pairs := make([]string, len(days))
	for i, d := range days {
		pairs[i] = "('" + d.UserID + "', '" + d.Day.Format(time.DateOnly) + "')"
	}
	err := w.conn.Exec(ctx, fmt.Sprintf("INSERT INTO rollup_days (tenant_id, user_id, day, built, marked_at) SELECT %s, toUUID(tupleElement(d, 1)), toDate(tupleElement(d, 2)), 1, toDateTime(%d, 'UTC') FROM (SELECT arrayJoin([%s]) AS d)",
		quote(days[0].Tenant), seen.Unix(), strings.Join(pairs, ", ")))
	if err != nil {
		return fmt.Errorf("cannot mark %d rollup days of tenant %s built: %w", len(days), days[0].Tenant, err)
	}
	return nil
}

// UpdateRollups rebuilds every due day (RebuildRollups), up to rollupBatch
// days of one tenant at a time, marking frozen days and days of erased
// users built without a rebuild. rawDays gives a tenant's raw retention in
// days (0 for ever); e may be nil; now is the time of the run. It returns
// the number of days rebuilt.
func (w *Writer) UpdateRollups(ctx context.Context, rawDays func(tenant string) int32, e Erasures, now time.Time) (int, error) {
	due, err := w.DueRollups(ctx)
	if err != nil {
		return 0, err
	}
	seen := now.Add(-rollupSettle)
	version := uint64(now.UnixMilli())
	rebuilt := 0
	var batch, skipped []RollupDay
	var exclude []string
	flush := func() error {
		if err := w.markBuilt(ctx, skipped, seen); err != nil {
			return err
		}
		if err := w.RebuildRollups(ctx, batch, strings.Join(exclude, " OR "), version, seen); err != nil {
			return err
		}
		rebuilt += len(batch)
		batch, skipped, exclude = nil, nil, nil
		return nil
	}
	excluded := map[string]bool{}
	tenant := ""
	for _, d := range due { // ordered by tenant
		if _, err := uuid.Parse(d.UserID); err != nil {
			continue
		}
		if len(batch)+len(skipped) >= rollupBatch || d.Tenant != tenant {
			if err := flush(); err != nil {
				return rebuilt, err
			}
			clear(excluded)
			tenant = d.Tenant
		}
		if Frozen(d.Day, rawDays(d.Tenant), now) || e != nil && e.Erased(d.UserID) {
			skipped = append(skipped, d)
			continue
		}
		batch = append(batch, d)
		if cond := erasedProviders(e, d.UserID); cond != "" && !excluded[d.UserID] {
			excluded[d.UserID] = true
			exclude = append(exclude, cond)
		}
	}
	return rebuilt, flush()
}

// erasedProviders is the condition on samples matching the rows of the
// user's provider erasures, or "".
func erasedProviders(e Erasures, userID string) string {
	if e == nil {
		return ""
	}
	var conds []string
	for _, er := range e.All() {
		if er.UserID == userID && er.Provider != "" && providerName.MatchString(er.Provider) {
			conds = append(conds, fmt.Sprintf("user_id = toUUID('%s') AND provider = '%s' AND ingested_at < toDateTime(%d, 'UTC')", userID, er.Provider, er.ErasedAt.Unix()+1))
		}
	}
	if len(conds) == 0 {
		return ""
	}
	return "(" + strings.Join(conds, ") OR (") + ")"
}

// quote is s as an SQL string literal.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
