package clickhouse

// Retention: each tenant's raw samples older than its setting
// (GET/PUT /settings/retention) are deleted by the sink with ALTER TABLE …
// DELETE, and so are its hourly and daily rollups of local days older than
// the rollup setting, at start and then every retentionEvery, after
// counting that there is something to delete (hourly unless
// Config.RetentionEvery says otherwise). Before any raw sample goes,
// the same run rebuilds the rollups of the days that received samples
// (rollups.go).
//
// A scheduled job rather than TTL, on every server: ClickHouse 18.16 has no
// TTL, and a TTL on current ClickHouse is one expression per table, so a
// per-tenant setting would have to be copied into every row when it is
// written (an expiry column) and a changed setting would need a mutation of
// every stored row anyway; and a TTL would expire raw samples whether or
// not their day's rollups were built. Samples are deleted by sample time, so
// a backfill of old data is deleted at the next run.

import (
	"context"
	"fmt"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// retentionEvery is how often the sink rebuilds rollups and applies the
// retention settings by default.
const retentionEvery = time.Hour

// ApplyRetention deletes the tenant's samples older than its raw setting
// and its rollups of local days older than its rollup setting, before now.
func (w *Writer) ApplyRetention(ctx context.Context, r schemas.Retention, now time.Time) error {
	tenant := quote(r.Tenant)
	var deletions []deletion
	if r.RawSamplesDays > 0 {
		cutoff := now.Add(-time.Duration(r.RawSamplesDays) * 24 * time.Hour).Unix()
		deletions = append(deletions, deletion{"samples", fmt.Sprintf("tenant_id = %s AND ts < toDateTime(%d, 'UTC')", tenant, cutoff)})
	}
	if r.RollupsDays > 0 {
		// Local days before the cutoff's UTC day.
		day := now.UTC().Add(-time.Duration(r.RollupsDays) * 24 * time.Hour).Truncate(24 * time.Hour).Unix()
		deletions = append(deletions,
			deletion{"samples_hourly", fmt.Sprintf("tenant_id = %s AND hour < toDateTime(%d, 'UTC')", tenant, day)},
			deletion{"samples_daily", fmt.Sprintf("tenant_id = %s AND day < toDate(toDateTime(%d, 'UTC'))", tenant, day)},
			deletion{"rollup_days", fmt.Sprintf("tenant_id = %s AND day < toDate(toDateTime(%d, 'UTC'))", tenant, day)})
	}
	for _, d := range deletions {
		if err := w.mutate(ctx, d.table, d.where); err != nil {
			return fmt.Errorf("cannot apply the retention of tenant %s: %w", r.Tenant, err)
		}
	}
	return nil
}

// applyRetention rebuilds the due rollups, then applies the retention
// settings, when they are due.
func (s *Sink) applyRetention(ctx context.Context) {
	if time.Now().Before(s.retentionDue) {
		return
	}
	s.retentionDue = time.Now().Add(s.cfg.RetentionEvery)
	settings := map[string]schemas.Retention{}
	if s.cfg.Retention != nil {
		for _, r := range s.cfg.Retention() {
			settings[r.Tenant] = r
		}
	}
	rawDays := func(tenant string) int32 { return settings[tenant].RawSamplesDays }
	if _, err := s.cfg.Writer.UpdateRollups(ctx, rawDays, s.cfg.Erasures, time.Now()); err != nil {
		// Raw samples stay until their days are rolled up.
		s.log.Warn("rollups not rebuilt, retention not applied; trying again at the next run", "err", err)
		return
	}
	for _, r := range settings {
		if err := s.cfg.Writer.ApplyRetention(ctx, r, time.Now()); err != nil {
			s.log.Warn("retention not applied; trying again at the next run", "tenant", r.Tenant, "err", err)
		}
	}
}
