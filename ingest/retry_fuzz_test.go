package ingest

import (
	"testing"
	"time"
)

// FuzzRetryAfter: a provider's Retry-After is never negative and never
// past the cap, however large or odd.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "0", "-1", "9223372036854775807", "Wed, 21 Oct 2015 07:28:00 GMT", " 5 ", ""} {
		f.Add(s)
	}
	now := time.Date(2015, 10, 21, 7, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		if d := retryAfter(v, now); d < 0 || d > maxRetryAfter {
			t.Fatalf("retryAfter(%q) = %v", v, d)
		}
	})
}
