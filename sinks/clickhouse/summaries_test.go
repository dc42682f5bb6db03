package clickhouse

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

func summary(version int64, value float64) schemas.Summary {
	return schemas.Summary{
		ID:     schemas.SummaryID(testTenant, testUser, "oura", schemas.SummaryReadiness, "r-1"),
		Tenant: testTenant, UserID: testUser,
		Source:           schemas.Source{Provider: "oura", ID: "oura:daily", DeviceType: "ring"},
		ProviderRecordID: "r-1", Category: schemas.SummaryReadiness, Date: "2026-03-31",
		RecordedAt: testBase, ZoneOffset: 120, Value: ptr(value), Qualifier: "good",
		Components: []schemas.SummaryComponent{
			{Name: "hrv_balance", Value: ptr(71)},
			{Name: "previous_night", Qualifier: "fair"},
		},
		Version: version, RawEventID: "raw-1", IngestedAt: testBase.Add(time.Minute),
	}
}

// TestWriterSummaries writes a score, its update and a delete that carries
// only the id, and reads them back from summaries and summaries_current.
func TestWriterSummaries(t *testing.T) {
	conn := newDatabase(t, true)
	w := NewWriter(conn)
	ctx := context.Background()

	if err := w.Write(ctx, Rows{Summaries: []schemas.Summary{summary(1, 80)}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	var (
		category, date, qualifier, provider string
		zone                                int16
		value                               *float64
		names, quals                        []string
		values                              []*float64
		recorded                            time.Time
	)
	err := conn.QueryRow(ctx, `SELECT category, date, qualifier, provider, zone_offset, value,
		component_name, component_value, component_qualifier, recorded_at FROM summaries_current`).
		Scan(&category, &date, &qualifier, &provider, &zone, &value, &names, &values, &quals, &recorded)
	if err != nil {
		t.Fatalf("summaries_current: %v", err)
	}
	if category != "readiness" || date != "2026-03-31" || qualifier != "good" || provider != "oura" || zone != 120 ||
		value == nil || *value != 80 || !recorded.Equal(testBase) {
		t.Fatalf("row = %s %s %s %s %d %v %v", category, date, qualifier, provider, zone, value, recorded)
	}
	if len(names) != 2 || names[0] != "hrv_balance" || names[1] != "previous_night" ||
		len(values) != 2 || values[0] == nil || *values[0] != 71 || values[1] != nil ||
		len(quals) != 2 || quals[0] != "" || quals[1] != "fair" {
		t.Fatalf("components = %v %v %v", names, values, quals)
	}

	upd := summary(2, 85)
	upd.Change = schemas.ChangeUpdated
	if err := w.Write(ctx, Rows{Summaries: []schemas.Summary{upd}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	var n, ver uint64
	if err := conn.QueryRow(ctx, "SELECT count(), any(value), any(version) FROM summaries_current").Scan(&n, &value, &ver); err != nil {
		t.Fatalf("summaries_current: %v", err)
	}
	if n != 1 || value == nil || *value != 85 || ver != 2 {
		t.Fatalf("summaries_current = %d rows, value %v, version %d; want the update alone", n, value, ver)
	}

	gone := schemas.Summary{ID: upd.ID, Tenant: testTenant, UserID: testUser, Version: 3, Deleted: true, Change: schemas.ChangeDeleted}
	if err := w.Write(ctx, Rows{Summaries: []schemas.Summary{gone}}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if n := count(t, conn, "SELECT count() FROM summaries_current"); n != 0 {
		t.Fatalf("summaries_current = %d rows after the delete, want 0", n)
	}

	bad := summary(1, 1)
	bad.UserID = "not-a-uuid"
	if err := w.Write(ctx, Rows{Summaries: []schemas.Summary{bad}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Write of a bad user id = %v, want ErrInvalid", err)
	}
}
