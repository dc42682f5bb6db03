package processors_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// summariesFormat is a raw event format whose body is a JSON list of
// canonical summaries.
const summariesFormat = "application/x-wearstream-test-summaries"

func init() {
	ingest.RegisterFormat("apple", summariesFormat, func(_ ingest.Context, body []byte) (ingest.Records, error) {
		var recs ingest.Records
		return recs, json.Unmarshal(body, &recs.Summaries)
	})
}

// TestSummaryRevisions sends a readiness score, the same score again and
// then a re-scored day: the topic holds one created and one updated
// summary under the same id, and the re-delivery emits nothing.
func TestSummaryRevisions(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	user := uuid.NewString()
	at := time.Date(2026, 1, 14, 4, 0, 0, 0, time.UTC)
	score := func(v float64, hrv float64) []byte {
		t.Helper()
		s := schemas.Summary{
			ID:     schemas.SummaryID("t", user, "apple", schemas.SummaryReadiness, "doc-1"),
			Tenant: "t", UserID: user, Source: schemas.Source{Provider: "apple", ID: "apple:ring"},
			ProviderRecordID: "doc-1", Category: schemas.SummaryReadiness, Date: "2026-01-14",
			RecordedAt: at, ZoneOffset: 60, Value: &v, Qualifier: "good",
			Components: []schemas.SummaryComponent{{Name: "hrv_balance", Value: &hrv}},
			Version:    1, IngestedAt: time.Now().UTC(),
		}
		b, err := json.Marshal([]schemas.Summary{s})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	produce := rawProducer(t, st, user)
	produce(summariesFormat, score(82, 70))
	produce(summariesFormat, score(82, 70))
	produce(summariesFormat, score(85, 78))
	p, stop := runProcessor(t, st)
	defer stop()

	consume(t, env.Brokers, map[string]int{env.Topics.Summaries(): 2})
	recs := committed(t, env.Brokers, env.Topics.Summaries())
	if len(recs) != 2 {
		t.Fatalf("got %d summary records, want 1 created and 1 updated", len(recs))
	}
	got := make([]schemas.Summary, len(recs))
	for i, r := range recs {
		if string(r.Key) != user {
			t.Fatalf("summary key %q, want the user id", r.Key)
		}
		if err := env.Serde.Decode(r.Value, &got[i]); err != nil {
			t.Fatal(err)
		}
	}
	first, upd := got[0], got[1]
	if first.Change != schemas.ChangeCreated || first.Value == nil || *first.Value != 82 {
		t.Fatalf("first = %+v", first)
	}
	if upd.ID != first.ID || upd.Change != schemas.ChangeUpdated || upd.Version <= first.Version ||
		upd.Value == nil || *upd.Value != 85 || len(upd.Components) != 1 || *upd.Components[0].Value != 78 {
		t.Fatalf("update = %+v, first %+v", upd, first)
	}
	if n := p.Stats().Unchanged.Load(); n != 1 {
		t.Fatalf("unchanged = %d, want the re-delivered score", n)
	}
}
