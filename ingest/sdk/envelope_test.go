package sdk

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestCheckEnvelope(t *testing.T) {
	f := func(body, wantProvider, wantErr string, unknownProvider bool) {
		t.Helper()
		p, err := CheckEnvelope([]byte(body))
		if wantErr == "" {
			if err != nil || p != wantProvider {
				t.Fatalf("CheckEnvelope(%s) = %q, %v; want %q", body, p, err, wantProvider)
			}
			return
		}
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("CheckEnvelope(%s) error = %v, want it to mention %q", body, err, wantErr)
		}
		if errors.Is(err, ErrUnknownProvider) != unknownProvider {
			t.Fatalf("CheckEnvelope(%s): errors.Is(ErrUnknownProvider) = %v", body, !unknownProvider)
		}
	}
	f(`{"provider":"Apple","data":{"records":[]}}`, "apple", "", false)
	f(`{"provider":"samsung"}`, "samsung", "", false)
	f(`{"provider":"google","data":null}`, "google", "", false)
	f(`{"provider":"nokia","data":{}}`, "", "unknown provider", true)
	f(`{"data":{}}`, "", "provider", true)
	f(`{"provider":7}`, "", "provider", true)
	f(`{"provider":"apple","data":[]}`, "", "data", false)
	f(`{"provider":"apple","data":{"records":[`, "", "offset", false)
	f(`[]`, "", "want a JSON object", false)
	f(``, "", "empty body", false)
}

// CheckEnvelope and Parse agree on whether a body is acceptable at all.
func FuzzCheckEnvelope(f *testing.F) {
	for _, name := range []string{"testdata/sdk_sync_healthkit.json", "testdata/sdk_sync_health_connect.json", "testdata/sdk_sync_samsung.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"provider":"apple","data":[]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := CheckEnvelope(body)
		if err == nil && p != "apple" && p != "samsung" && p != "google" {
			t.Fatalf("accepted provider %q", p)
		}
		if err == nil {
			if _, perr := Parse(body); perr != nil && errors.Is(perr, ErrUnknownProvider) {
				t.Fatalf("CheckEnvelope accepted what Parse calls an unknown provider: %v", perr)
			}
		}
	})
}

func BenchmarkCheckEnvelope(b *testing.B) {
	body := syntheticHeartRateBody(1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := CheckEnvelope(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	body := syntheticHeartRateBody(1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body); err != nil {
			b.Fatal(err)
		}
	}
}
