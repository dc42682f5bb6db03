package polar

import (
	"testing"

	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func TestParseWebhookFixtures(t *testing.T) {
	f := func(name string, want Event, ping bool) {
		t.Helper()
		got, err := ParseWebhook(ingesttest.ReadFixture(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want || got.IsPing() != ping {
			t.Errorf("%s: %+v (ping %v), want %+v (ping %v)", name, got, got.IsPing(), want, ping)
		}
	}
	f("polar_webhook.json", Event{
		Type: "EXERCISE", UserID: "475", EntityID: "aQlC83",
		URL:       "https://www.polaraccesslink.com/v3/exercises/aQlC83",
		Timestamp: ingesttest.UTC("2018-05-15T14:22:24Z"),
	}, false)
	f("polar_webhook_sleep.json", Event{
		Type: "SLEEP", UserID: "475", EntityID: "2026-01-14",
		URL:       "https://www.polaraccesslink.com/v3/users/sleep/2026-01-14",
		Timestamp: ingesttest.UTC("2026-01-14T06:51:02Z"),
	}, false)
	f("polar_webhook_ping.json", Event{Type: "PING", Timestamp: ingesttest.UTC("2026-01-14T12:00:00Z")}, true)
}

func TestParseWebhookErrors(t *testing.T) {
	f := func(body string) {
		t.Helper()
		if e, err := ParseWebhook([]byte(body)); err == nil {
			t.Errorf("%s: accepted as %+v", body, e)
		}
	}
	f(`not json`)
	f(`[]`)
	f(`{}`)
	f(`{"event":""}`)
	f(`{"event":5}`)
	f(`{"event":"PING","timestamp":"noon"}`)
	f(`{"event":"EXERCISE","url":"https://www.polaraccesslink.com/v3/exercises/x"}`)
	f(`{"event":"EXERCISE","user_id":475}`)
}

func TestWebhookBodiesCarryNoData(t *testing.T) {
	f := func(name, reason string) {
		t.Helper()
		recs := normalizeFixture(t, name)
		if recs.Len() != 0 || len(recs.Skipped) != 1 || recs.Skipped[reason] != 1 {
			t.Errorf("%s: %d records, skipped %v, want one %q", name, recs.Len(), recs.Skipped, reason)
		}
	}
	f("polar_webhook.json", "webhook EXERCISE notification (no data; fetched from its url)")
	f("polar_webhook_sleep.json", "webhook SLEEP notification (no data; fetched from its url)")
	f("polar_webhook_ping.json", "webhook PING (no data)")
}
