package webhooks

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestRetryScheduleAndJitterBounds(t *testing.T) {
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}
	for i, base := range want {
		n := i + 1
		for _, r := range []float64{0, 0.25, 0.5, 0.999999} {
			d, ok := NextDelay(Schedule, n, r)
			lo, hi := time.Duration(float64(base)*0.8), time.Duration(float64(base)*1.2)
			if !ok || d < lo || d > hi {
				t.Fatalf("NextDelay(%d, %v) = %v, %v; want within [%v, %v]", n, r, d, ok, lo, hi)
			}
		}
		if d, _ := NextDelay(Schedule, n, 0.5); d != base {
			t.Fatalf("NextDelay(%d, 0.5) = %v, want %v", n, d, base)
		}
	}
	if _, ok := NextDelay(Schedule, len(Schedule)+1, 0.5); ok {
		t.Fatal("a retry after the schedule ended")
	}
	if _, ok := NextDelay(Schedule, 0, 0.5); ok {
		t.Fatal("retry number 0")
	}
}

func TestRetryDelay(t *testing.T) {
	f := func(n int, res Result, want time.Duration) {
		t.Helper()
		got, ok := RetryDelay(Schedule, n, 0.5, res)
		if !ok || got != want {
			t.Fatalf("RetryDelay(%d, %+v) = %v, %v; want %v", n, res, got, ok, want)
		}
	}
	f(1, Result{StatusCode: 500}, 5*time.Second)
	f(1, Result{StatusCode: http.StatusTooManyRequests}, time.Minute)            // overload: at least 60 s
	f(1, Result{Err: fmt.Errorf("x: %w", ErrTimeout)}, time.Minute)              // a timeout too
	f(1, Result{StatusCode: 503, RetryAfter: 8 * time.Second}, 8*time.Second)    // honoured
	f(1, Result{StatusCode: 503, RetryAfter: time.Hour}, 10*time.Second)         // at most twice the wait
	f(1, Result{StatusCode: 503, RetryAfter: time.Second}, 5*time.Second)        // never sooner
	f(1, Result{StatusCode: 429, RetryAfter: 90 * time.Second}, 90*time.Second)  // within [60 s, 120 s]
	f(2, Result{StatusCode: 429, RetryAfter: 24 * time.Hour}, 10*time.Minute)    // 5 min doubled
	f(7, Result{StatusCode: 500, RetryAfter: 30 * 24 * time.Hour}, 20*time.Hour) // the last retry
	if _, ok := RetryDelay(Schedule, 8, 0.5, Result{StatusCode: 500}); ok {
		t.Fatal("a ninth attempt")
	}
}

func TestTierFor(t *testing.T) {
	f := func(wait time.Duration, want string) {
		t.Helper()
		if got := TierFor(wait); got != want {
			t.Fatalf("TierFor(%v) = %s, want %s", wait, got, want)
		}
	}
	f(0, "now")
	f(time.Second, "now")
	f(4*time.Second, "5s")
	f(6*time.Second, "5s")
	f(time.Minute, "1m")
	f(240*time.Second, "5m")
	f(2*time.Hour, "2h")
	f(12*time.Hour, "10h")
	f(20*time.Hour, "10h")
	for n := 1; n <= len(Schedule); n++ {
		lo, _ := NextDelay(Schedule, n, 0)
		hi, _ := NextDelay(Schedule, n, 0.999999)
		if TierFor(lo) != TierFor(hi) {
			t.Fatalf("retry %d spans tiers %s and %s", n, TierFor(lo), TierFor(hi))
		}
	}
}

func TestDeferWait(t *testing.T) {
	want := []time.Duration{5 * time.Second, 50 * time.Second, 500 * time.Second, 5000 * time.Second, 10 * time.Hour, 10 * time.Hour}
	for i, w := range want {
		if got := deferWait(int32(i + 1)); got != w {
			t.Fatalf("deferWait(%d) = %v, want %v", i+1, got, w)
		}
	}
}
