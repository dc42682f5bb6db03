package clickhouse

// Retention: each tenant's raw samples older than its setting
// (GET/PUT /settings/retention) are deleted by the sink with ALTER TABLE …
// DELETE, at start and then every retentionEvery, after counting that there
// is something to delete. ClickHouse 18.16 has no TTL, so the same scheduled
// mutation serves both servers. Samples are deleted by sample time, so a
// backfill of old data is deleted at the next run.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// retentionEvery is how often the sink applies the retention settings.
const retentionEvery = time.Hour

// ApplyRetention deletes the tenant's samples older than days before now.
func (w *Writer) ApplyRetention(ctx context.Context, r schemas.Retention, now time.Time) error {
	if r.RawSamplesDays <= 0 {
		return nil
	}
	cutoff := now.Add(-time.Duration(r.RawSamplesDays) * 24 * time.Hour).Unix()
	tenant := strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(r.Tenant)
	if err := w.mutate(ctx, "samples", fmt.Sprintf("tenant_id = '%s' AND ts < toDateTime(%d, 'UTC')", tenant, cutoff)); err != nil {
		return fmt.Errorf("cannot apply the retention of tenant %s: %w", r.Tenant, err)
	}
	return nil
}

// applyRetention runs the retention settings when they are due.
func (s *Sink) applyRetention(ctx context.Context) {
	if s.cfg.Retention == nil || time.Now().Before(s.retentionDue) {
		return
	}
	s.retentionDue = time.Now().Add(retentionEvery)
	for _, r := range s.cfg.Retention() {
		if err := s.cfg.Writer.ApplyRetention(ctx, r, time.Now()); err != nil {
			s.log.Warn("retention not applied; trying again at the next run", "tenant", r.Tenant, "err", err)
		}
	}
}
