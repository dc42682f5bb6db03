package whoop

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func signed(secret string, at time.Time, body []byte) http.Header {
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	h := http.Header{}
	h.Set("X-WHOOP-Signature-Timestamp", ts)
	h.Set("X-WHOOP-Signature", Sign(secret, ts, body))
	return h
}

func TestVerify(t *testing.T) {
	body := ingesttest.ReadFixture(t, "whoop_webhook.json")
	s := ingest.Settings{ClientSecret: "client-secret"}
	if err := Verify(s, signed("client-secret", time.Now(), body), body); err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]http.Header{
		"other secret": signed("other", time.Now(), body),
		"replayed":     signed("client-secret", time.Now().Add(-10*time.Minute), body),
		"future":       signed("client-secret", time.Now().Add(10*time.Minute), body),
		"unsigned":     {},
	} {
		if Verify(s, h, body) == nil {
			t.Errorf("%s: verified", name)
		}
	}
	// The timestamp is signed: changing it breaks the signature.
	h := signed("client-secret", time.Now(), body)
	h.Set("X-WHOOP-Signature-Timestamp", strconv.FormatInt(time.Now().UnixMilli()+1, 10))
	if Verify(s, h, body) == nil {
		t.Error("a changed timestamp verified")
	}
	if Verify(s, signed("client-secret", time.Now(), body), append(body, ' ')) == nil {
		t.Error("a changed body verified")
	}
	if Verify(ingest.Settings{}, signed("", time.Now(), body), body) == nil {
		t.Error("verified without a client secret")
	}
}

func TestParseWebhook(t *testing.T) {
	cases := []struct {
		fixture, dataType, url string
	}{
		{"whoop_webhook.json", "workout", "/v2/activity/workout/ecfc6a15-4661-442f-a9a4-f160dd7afae8"},
		{"whoop_webhook_recovery.json", "recovery", "/v2/activity/sleep/123e4567-e89b-12d3-a456-426614174000"},
		{"whoop_webhook_v1_legacy.json", "v1-mapping:workout", "/v1/activity-mapping/10235"},
	}
	for _, c := range cases {
		items, err := ParseWebhook(ingesttest.ReadFixture(t, c.fixture))
		if err != nil || len(items) != 1 || items[0].Job != ingest.JobFetch || items[0].DataType != c.dataType || items[0].URL != c.url || items[0].ProviderUserID != "10129" {
			t.Errorf("%s: %+v, %v", c.fixture, items, err)
		}
	}
	del := ingesttest.ReadFixture(t, "whoop_webhook_deleted.json")
	items, err := ParseWebhook(del)
	if err != nil || len(items) != 1 || items[0].Job != "" || !bytes.Equal(items[0].Body, del) {
		t.Fatalf("deleted: %+v, %v", items, err)
	}
	if items, err := ParseWebhook([]byte(`{"user_id":1,"id":"x","type":"body_measurement.updated"}`)); err != nil || len(items) != 0 {
		t.Fatalf("unknown type: %+v, %v", items, err)
	}
	if _, err := ParseWebhook([]byte(`{"type":"workout.updated"}`)); err == nil {
		t.Fatal("a notification without ids parsed")
	}
}
