package ingest

import (
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// TestNormalizeDeletion turns the API's deletions into id-only deletes of
// the raw event's tenant, user and provider, with a version above the one
// the API saw and the receive time, and refuses the format from any raw
// event that is not the API's (an SDK upload naming the content type).
func TestNormalizeDeletion(t *testing.T) {
	received := time.Date(2026, 1, 14, 12, 0, 0, 0, time.UTC)
	ctx := Context{Tenant: "acme", UserID: "u1", Provider: "apple", RawEventID: "r1", ReceivedAt: received, Kind: string(schemas.KindAPI)}
	n, ok := LookupFormat("garmin", ContentTypeDeletion)
	if !ok {
		t.Fatal("the deletion format is not registered on every provider")
	}
	recs, err := n(ctx, []byte(`{"kind":"workout","id":"w1","min_version":5}`))
	if err != nil || len(recs.Workouts) != 1 {
		t.Fatalf("workout deletion: %+v, %v", recs, err)
	}
	if w := recs.Workouts[0]; w.ID != "w1" || !w.Deleted || w.Tenant != "acme" || w.UserID != "u1" || w.Source.Provider != "apple" ||
		w.Version != received.UnixMilli() || w.RawEventID != "r1" {
		t.Fatalf("workout delete = %+v", w)
	}
	recs, err = n(ctx, []byte(`{"kind":"sleep","id":"s1","min_version":99999999999999}`))
	if err != nil || len(recs.Sleep) != 1 || recs.Sleep[0].Version != 99999999999999 || !recs.Sleep[0].Deleted {
		t.Fatalf("sleep deletion: %+v, %v", recs, err)
	}
	bad := func(kind, body string) {
		t.Helper()
		c := ctx
		c.Kind = kind
		if _, err := n(c, []byte(body)); err == nil {
			t.Fatalf("%s %s accepted", kind, body)
		}
	}
	bad(string(schemas.KindSDK), `{"kind":"workout","id":"w1"}`)
	bad(string(schemas.KindImport), `{"kind":"sleep","id":"s1"}`)
	bad(string(schemas.KindAPI), `{"kind":"samples","id":"x"}`)
	bad(string(schemas.KindAPI), `{"kind":"workout"}`)
	bad(string(schemas.KindAPI), `not json`)
}
