package main

import (
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest/sdk"
)

func TestSyncBodyParses(t *testing.T) {
	users := []string{"u0", "u1", "u2"}
	uploads := makeUploads("run", users, 7, 50)
	seen := map[string]bool{}
	for j, u := range uploads {
		if u.user != users[j%len(users)] || u.samples != 50 {
			t.Fatalf("upload %d: user %q, %d samples", j, u.user, u.samples)
		}
		req, err := sdk.Parse(u.body)
		if err != nil {
			t.Fatalf("upload %d: %v", j, err)
		}
		if req.Provider != "apple" || len(req.Data.Records) != 50 || len(req.Dropped) != 0 {
			t.Fatalf("upload %d: provider %q, %d records, dropped %v", j, req.Provider, len(req.Data.Records), req.Dropped)
		}
		for _, r := range req.Data.Records {
			key := u.user + " " + r.StartDate
			if seen[key] || seen[r.ID] {
				t.Fatalf("upload %d: record %s at %s is not distinct", j, r.ID, r.StartDate)
			}
			seen[key], seen[r.ID] = true, true
		}
	}
}

func TestPercentile(t *testing.T) {
	f := func(n int, q float64, want time.Duration) {
		t.Helper()
		d := make([]time.Duration, n)
		for i := range d {
			d[i] = time.Duration(i + 1)
		}
		if got := percentile(d, q); got != want {
			t.Fatalf("percentile of 1..%d at %v = %v, want %v", n, q, got, want)
		}
	}
	f(1, 0.5, 1)
	f(100, 0.5, 50)
	f(100, 0.99, 99)
	f(1000, 0.99, 990)
	f(3, 0.99, 3)
}
