package polar

import (
	"net/http"
	"os"
	"testing"

	"github.com/wearstream/wearstream/ingest"
)

func TestParseItemsAndVerify(t *testing.T) {
	body, err := os.ReadFile("testdata/polar_webhook.json")
	if err != nil {
		t.Fatal(err)
	}
	items, err := ParseItems(body)
	if err != nil || len(items) != 1 || items[0].ProviderUserID != "475" || items[0].Job != ingest.JobFetch || items[0].URL != "https://www.polaraccesslink.com/v3/exercises/aQlC83" {
		t.Fatalf("items = %+v, %v", items, err)
	}
	ping, _ := os.ReadFile("testdata/polar_webhook_ping.json")
	if !IsPingBody(ping) || IsPingBody(body) {
		t.Fatal("IsPingBody")
	}
	if items, err := ParseItems(ping); err != nil || len(items) != 0 {
		t.Fatalf("ping items = %v, %v", items, err)
	}
	s := ingest.Settings{WebhookSecret: "s3cret"}
	h := http.Header{}
	h.Set("Polar-Webhook-Signature", ingest.SignHMAC("s3cret", body))
	if err := Verify(s, h, body); err != nil {
		t.Fatal(err)
	}
	if Verify(s, h, append(body, ' ')) == nil {
		t.Fatal("a changed body verified")
	}
}

func FuzzParseItems(f *testing.F) {
	for _, file := range []string{"polar_webhook.json", "polar_webhook_ping.json", "polar_webhook_sleep.json"} {
		b, err := os.ReadFile("testdata/" + file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, err := ParseItems(body)
		if err != nil {
			return
		}
		for _, it := range items {
			if it.ProviderUserID == "" || it.URL == "" {
				t.Fatalf("item without user or url: %+v", it)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	body, _ := os.ReadFile("testdata/polar_webhook.json")
	f.Add("s3cret", ingest.SignHMAC("s3cret", body), body)
	f.Fuzz(func(t *testing.T, secret, sig string, body []byte) {
		h := http.Header{}
		h.Set("Polar-Webhook-Signature", sig)
		if Verify(ingest.Settings{WebhookSecret: secret}, h, body) == nil && secret == "" {
			t.Fatal("verified without a secret")
		}
	})
}
