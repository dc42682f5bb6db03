package garmin

import (
	"errors"
	"net/http"
	"os"
	"slices"
	"testing"

	"github.com/wearstream/wearstream/ingest"
)

func TestParseWebhookFixtures(t *testing.T) {
	f := func(file string, want map[string]int) {
		t.Helper()
		body, err := os.ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		items, err := ParseWebhook(body)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, it := range items {
			kind := it.Job
			if it.Body != nil {
				kind = "data"
			}
			got[kind]++
		}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %d %s items, want %d (%v)", file, got[k], k, n, got)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: items %v, want %v", file, got, want)
		}
	}
	f("garmin_push_dailies.json", map[string]int{"data": 2})
	f("garmin_push_sleeps.json", map[string]int{"data": 2})
	f("garmin_ping.json", map[string]int{ingest.JobFetch: 2})
	f("garmin_push_activity_files.json", map[string]int{ingest.JobFetch: 1})
	f("garmin_push_lifecycle.json", map[string]int{ingest.JobRevoke: 1, ingest.JobPermissions: 1})
	for _, file := range []string{"garmin_push_activities.json", "garmin_push_activity_details.json", "garmin_push_epochs.json", "garmin_push_hrv.json", "garmin_push_stress_details.json"} {
		body, _ := os.ReadFile("testdata/" + file)
		items, err := ParseWebhook(body)
		if err != nil || len(items) == 0 || items[0].Body == nil {
			t.Errorf("%s: %d items, %v", file, len(items), err)
		}
	}
}

func TestVerify(t *testing.T) {
	s := ingest.Settings{ClientID: "client-1"}
	f := func(header string, ok bool) {
		t.Helper()
		h := http.Header{}
		if header != "" {
			h.Set("garmin-client-id", header)
		}
		if err := Verify(s, h, nil); (err == nil) != ok || (err != nil && !errors.Is(err, ingest.ErrUnverified)) {
			t.Errorf("Verify(%q) = %v", header, err)
		}
	}
	f("client-1", true)
	f("client-2", false)
	f("", false)
	if Verify(ingest.Settings{}, http.Header{}, nil) == nil {
		t.Error("an unconfigured client id verified")
	}
}

func FuzzParseWebhook(f *testing.F) {
	for _, file := range []string{"garmin_ping.json", "garmin_push_lifecycle.json", "garmin_push_dailies.json", "garmin_push_activity_files.json"} {
		b, err := os.ReadFile("testdata/" + file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseWebhook(body)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.ProviderUserID == "" {
				t.Fatalf("item without a user: %+v", it)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add("client-1", "client-1")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, configured, presented string) {
		h := http.Header{}
		h.Set("garmin-client-id", presented)
		err := Verify(ingest.Settings{ClientID: configured}, h, nil)
		if err == nil && (configured == "" || h.Get("garmin-client-id") != configured) {
			t.Fatalf("verified %q against %q", presented, configured)
		}
	})
}

// TestWebhookItemsNameTheBackfillTypesTheyDeliver: a push item names the
// backfill types of its keys (aliases resolved), a ping item the type of
// its callback; lifecycle items name none.
func TestWebhookItemsNameTheBackfillTypesTheyDeliver(t *testing.T) {
	body := []byte(`{"pulseox":[{"userId":"u1","summaryId":"a"}],"dailies":[{"userId":"u1","summaryId":"b"}],
		"sleeps":[{"userId":"u2","callbackURL":"https://apis.garmin.com/wellness-api/rest/sleeps?x=1"}],
		"deregistrations":[{"userId":"u3"}]}`)
	items, err := ParseWebhook(body)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, it := range items {
		got[it.ProviderUserID] = append(got[it.ProviderUserID], it.Delivers...)
	}
	if !slices.Equal(got["u1"], []string{"dailies", "pulseOx"}) || !slices.Equal(got["u2"], []string{"sleeps"}) || len(got["u3"]) != 0 {
		t.Fatalf("delivers = %v", got)
	}
}
