package fitbit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

// Fitbit's rate-limit headers reach the user's limiter through the session:
// with requests left nothing waits; with none left the user's requests wait
// for Fitbit-Rate-Limit-Reset, before any 429.
func TestFetchHonoursRateLimitHeaders(t *testing.T) {
	var remaining atomic.Int32
	remaining.Store(1)
	const reset = 1800
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer token-1" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		left := remaining.Add(-1)
		w.Header().Set("Fitbit-Rate-Limit-Limit", "150")
		w.Header().Set("Fitbit-Rate-Limit-Remaining", strconv.Itoa(int(left)))
		w.Header().Set("Fitbit-Rate-Limit-Reset", strconv.Itoa(reset))
		w.Write([]byte(`{"weight":[]}`))
	}))
	defer srv.Close()
	s := &ingest.Session{Provider: provider, Settings: ingest.Settings{APIURL: srv.URL}, AccessToken: "token-1", UserID: "user-ratelimit"}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	task := ingest.Task{Kind: ingest.TaskBackfill, DataType: dataWeight, Start: day, End: day.AddDate(0, 0, 1)}
	ctx := context.Background()

	remaining.Store(6)
	if _, err := Fetch(ctx, s, task); err != nil {
		t.Fatal(err)
	}
	if next := userLimiter(s.UserID).Next(); next.After(time.Now()) {
		t.Fatalf("with 5 left the user's requests wait until %v", next)
	}

	remaining.Store(1)
	before := time.Now()
	if _, err := Fetch(ctx, s, task); err != nil {
		t.Fatal(err)
	}
	after := time.Now()
	next := userLimiter(s.UserID).Next()
	if next.Before(before.Add(reset*time.Second)) || next.After(after.Add(reset*time.Second)) {
		t.Fatalf("with none left the user's requests wait until %v, want %v from now", next, reset*time.Second)
	}
	if other := userLimiter("someone-else").Next(); other.After(time.Now()) {
		t.Fatalf("another user's requests wait until %v", other)
	}
}

func TestBudget(t *testing.T) {
	f := func(remaining, reset string, wantLeft int, wantReset time.Duration, wantOK bool) {
		t.Helper()
		h := http.Header{}
		if remaining != "" {
			h.Set("Fitbit-Rate-Limit-Remaining", remaining)
		}
		if reset != "" {
			h.Set("Fitbit-Rate-Limit-Reset", reset)
		}
		left, in, ok := budget(h)
		if left != wantLeft || in != wantReset || ok != wantOK {
			t.Errorf("budget(%q, %q) = %d, %v, %v", remaining, reset, left, in, ok)
		}
	}
	f("0", "1200", 0, 20*time.Minute, true)
	f(" 42 ", "60", 42, time.Minute, true)
	f("", "60", 0, 0, false)
	f("3", "", 0, 0, false)
	f("3", "86400", 0, 0, false)
	f("3", "-1", 0, 0, false)
}
