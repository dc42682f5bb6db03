package fitbit

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/ingesttest"
)

func TestChallenge(t *testing.T) {
	s := ingest.Settings{Extra: map[string]string{envVerifyCode: "code-1"}}
	if status, _, err := Challenge(s, url.Values{"verify": {"code-1"}}); err != nil || status != http.StatusNoContent {
		t.Fatalf("right code: %d, %v", status, err)
	}
	if status, _, _ := Challenge(s, url.Values{"verify": {"code-2"}}); status != http.StatusNotFound {
		t.Fatalf("wrong code: %d", status)
	}
	if status, _, _ := Challenge(ingest.Settings{Extra: map[string]string{}}, url.Values{"verify": {""}}); status != http.StatusNotFound {
		t.Fatalf("no code configured: %d", status)
	}
}

func TestVerify(t *testing.T) {
	body := ingesttest.ReadFixture(t, "fitbit_subscription_notification.json")
	s := ingest.Settings{ClientSecret: "fitbit-secret"}
	h := http.Header{}
	h.Set("X-Fitbit-Signature", Sign("fitbit-secret", body))
	if err := Verify(s, h, body); err != nil {
		t.Fatal(err)
	}
	if Verify(s, h, append(body, ' ')) == nil {
		t.Fatal("a changed body verified")
	}
	if Verify(ingest.Settings{}, h, body) == nil {
		t.Fatal("verified without a client secret")
	}
}

func TestParseWebhook(t *testing.T) {
	items, err := ParseWebhook(ingesttest.ReadFixture(t, "fitbit_subscription_notification.json"))
	if err != nil || len(items) != 3 {
		t.Fatalf("items %+v, %v", items, err)
	}
	if it := items[0]; it.ProviderUserID != "228S74" || it.Job != ingest.JobFetch || it.DataType != collActivities || it.URL != "2024-01-15" {
		t.Errorf("activities item %+v", it)
	}
	if it := items[1]; it.DataType != collSleep {
		t.Errorf("sleep item %+v", it)
	}
	if it := items[2]; it.ProviderUserID != "184X36" || it.Job != ingest.JobRevoke {
		t.Errorf("revocation item %+v", it)
	}
	if _, err := ParseWebhook([]byte(`{}`)); err == nil {
		t.Error("an object was read as notifications")
	}
}

func FuzzParseWebhook(f *testing.F) {
	ingesttest.SeedFixtures(f, "fitbit_subscription_notification.json")
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseWebhook(body)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.ProviderUserID == "" || (it.Job == ingest.JobFetch && it.URL == "") {
				t.Fatalf("item %+v", it)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	body := []byte(`[{"collectionType":"sleep","date":"2024-01-15","ownerId":"X"}]`)
	f.Add("s3cret", Sign("s3cret", body), body)
	f.Fuzz(func(t *testing.T, secret, sig string, body []byte) {
		h := http.Header{}
		h.Set("X-Fitbit-Signature", sig)
		if Verify(ingest.Settings{ClientSecret: secret}, h, body) == nil && secret == "" {
			t.Fatal("verified without a secret")
		}
	})
}

func FuzzChallenge(f *testing.F) {
	f.Add("code", "code")
	f.Fuzz(func(t *testing.T, configured, presented string) {
		status, _, _ := Challenge(ingest.Settings{Extra: map[string]string{envVerifyCode: configured}}, url.Values{"verify": {presented}})
		if status == http.StatusNoContent && (configured == "" || configured != presented) {
			t.Fatal("accepted a wrong verification code")
		}
	})
}
