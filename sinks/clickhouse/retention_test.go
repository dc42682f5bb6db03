package clickhouse

import (
	"context"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// A tenant's retention deletes its samples older than the setting on 18.16,
// and nothing of another tenant or newer; no setting deletes nothing.
func TestRetentionDeletesOldSamples(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, tenant := range []string{"acme", "o'brien"} {
		for _, age := range []int{1, 29, 31, 400} {
			err := conn.Exec(ctx, "INSERT INTO samples (tenant_id, user_id, series_type, ts, provider, value, version, ingested_at) SELECT ?, toUUID('6f1c1f7e-3a4b-4b8e-9a51-1f0e2d3c4b5a'), 'steps', toDateTime(?, 'UTC'), 'apple', 1, 1, now()",
				tenant, now.Add(-time.Duration(age)*24*time.Hour).Unix())
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.ApplyRetention(ctx, schemas.Retention{Tenant: "acme"}, now); err != nil {
		t.Fatal(err)
	}
	for _, r := range []schemas.Retention{{Tenant: "acme", RawSamplesDays: 30}, {Tenant: "o'brien", RawSamplesDays: 365}} {
		if err := w.ApplyRetention(ctx, r, now); err != nil {
			t.Fatal(err)
		}
	}
	count := func(tenant string) (n uint64) {
		if err := conn.QueryRow(ctx, "SELECT count() FROM samples WHERE tenant_id = ?", tenant).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	deadline := time.Now().Add(time.Minute)
	for count("acme") != 2 || count("o'brien") != 3 {
		if time.Now().After(deadline) {
			t.Fatalf("samples left: acme %d (want 2), o'brien %d (want 3)", count("acme"), count("o'brien"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
