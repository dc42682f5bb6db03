package oura

import (
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

func TestDailySleepScore(t *testing.T) {
	recs := normalize(t, `{"id": "ds-1", "day": "2026-01-14", "timestamp": "2026-01-14T00:00:00+01:00", "score": 81,
		"contributors": {"deep_sleep": 95, "efficiency": 88, "latency": null, "rem_sleep": 104}}`)
	if len(recs.Summaries) != 1 || recs.Len() != 1 {
		t.Fatalf("records = %+v", recs)
	}
	s := recs.Summaries[0]
	want := schemas.SummaryID(testContext().Tenant, testContext().UserID, "oura", schemas.SummarySleep, "ds-1")
	if s.ID != want || s.Category != schemas.SummarySleep || s.Date != "2026-01-14" || s.ZoneOffset != 60 ||
		s.Value == nil || *s.Value != 81 || s.ProviderRecordID != "ds-1" {
		t.Fatalf("summary = %+v", s)
	}
	if len(s.Components) != 2 || s.Components[0].Name != "deep_sleep" || s.Components[1].Name != "efficiency" {
		t.Fatalf("components = %+v", s.Components)
	}
	if recs.Skipped["invalid daily_sleep contributor"] != 1 {
		t.Fatalf("skipped = %v, want the out-of-range contributor", recs.Skipped)
	}

	recs = normalize(t, `{"id": "ds-2", "day": "2026-01-15", "score": null, "contributors": {}}`)
	if len(recs.Summaries) != 0 || recs.Skipped["daily_sleep without a score"] != 1 {
		t.Fatalf("unscored day = %+v", recs)
	}

	recs = normalize(t, `{"event_type": "delete", "data_type": "daily_sleep", "object_id": "ds-1"}`)
	if len(recs.Summaries) != 1 || recs.Summaries[0].ID != want || !recs.Summaries[0].Deleted {
		t.Fatalf("delete = %+v", recs.Summaries)
	}
}
