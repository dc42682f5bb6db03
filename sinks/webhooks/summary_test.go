package webhooks

import (
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

func TestSummaryMessages(t *testing.T) {
	score, hrv := 82.0, 71.0
	s := schemas.Summary{
		ID:               schemas.SummaryID("t1", "u1", "oura", schemas.SummaryReadiness, "r1"),
		Tenant:           "t1",
		UserID:           "u1",
		Source:           schemas.Source{Provider: "oura", ID: "oura:daily", Device: "Oura Ring 4"},
		ProviderRecordID: "r1",
		Category:         schemas.SummaryReadiness,
		Date:             "2024-03-10",
		RecordedAt:       t0,
		ZoneOffset:       -240,
		Value:            &score,
		Components:       []schemas.SummaryComponent{{Name: "hrv_balance", Value: &hrv}, {Name: "body_temperature", Qualifier: "optimal"}},
		Version:          2,
		IngestedAt:       t0.Add(time.Hour),
	}
	m := SummaryMessages(s)[0]
	if m.Type != schemas.EventSummaryCreated || m.ID != MessageID(schemas.EventSummaryCreated, s.ID, 2, 0) ||
		m.Tenant != "t1" || m.UserID != "u1" {
		t.Fatalf("message = {Type %q, ID %q, Tenant %q, UserID %q}", m.Type, m.ID, m.Tenant, m.UserID)
	}
	env, data := decode(t, m)
	if env["timestamp"] != "2024-03-10T08:00:00Z" {
		t.Fatalf("timestamp = %v", env["timestamp"])
	}
	checkKeys(t, "summary data", data, "id", "user_id", "category", "date", "recorded_at", "zone_offset",
		"value", "qualifier", "components", "source")
	if data["id"] != s.ID || data["category"] != "readiness" || data["date"] != "2024-03-10" ||
		data["recorded_at"] != "2024-03-10T07:00:00Z" || data["zone_offset"] != "-04:00" ||
		data["value"] != 82.0 || data["qualifier"] != nil {
		t.Fatalf("summary data = %v", data)
	}
	if src := data["source"].(map[string]any); src["provider"] != "oura" || src["device"] != "Oura Ring 4" {
		t.Fatalf("source = %v", src)
	}
	comps := data["components"].([]any)
	if len(comps) != 2 {
		t.Fatalf("components = %v", comps)
	}
	c0, c1 := comps[0].(map[string]any), comps[1].(map[string]any)
	checkKeys(t, "component", c0, "name", "value", "qualifier")
	if c0["name"] != "hrv_balance" || c0["value"] != 71.0 || c0["qualifier"] != nil ||
		c1["name"] != "body_temperature" || c1["value"] != nil || c1["qualifier"] != "optimal" {
		t.Fatalf("components = %v", comps)
	}

	s.Change, s.Version = schemas.ChangeUpdated, 3
	if m := SummaryMessages(s)[0]; m.Type != schemas.EventSummaryUpdated || m.ID != MessageID(schemas.EventSummaryUpdated, s.ID, 3, 0) {
		t.Fatalf("update = {Type %q, ID %q}", m.Type, m.ID)
	}
	gone := schemas.Summary{ID: s.ID, Tenant: "t1", UserID: "u1", Version: 4, Deleted: true, Change: schemas.ChangeDeleted, IngestedAt: t0}
	m = SummaryMessages(gone)[0]
	if m.Type != schemas.EventSummaryDeleted {
		t.Fatalf("delete type = %q", m.Type)
	}
	if _, data := decode(t, m); data["id"] != s.ID || data["recorded_at"] != nil || data["value"] != nil || len(data["components"].([]any)) != 0 {
		t.Fatalf("delete data = %v", data)
	}
	if got := Messages(&s); len(got) != 1 || got[0].Type != schemas.EventSummaryUpdated {
		t.Fatalf("Messages(*Summary) = %v", got)
	}
}
