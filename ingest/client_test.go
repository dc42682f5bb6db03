package ingest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A provider that answers 429 with Retry-After, then 200: the session waits
// as told and succeeds; one whose Retry-After exceeds MaxWait gets the
// temporary error back at once, and the limiter is paused until then.
func TestSessionHonours429AndRetryAfter(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow-down-once":
			if calls.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Write([]byte(`{"ok":true}`))
		case "/come-back-tomorrow":
			w.Header().Set("Retry-After", "86400")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/broken":
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	limiter := NewLimiter(RateLimit{Requests: 1000, Per: time.Second})
	s := &Session{Provider: "test", Settings: Settings{APIURL: srv.URL}, Limiter: limiter, MaxWait: time.Minute}
	ctx := context.Background()

	began := time.Now()
	res, err := s.Get(ctx, "/slow-down-once", nil)
	if err != nil || string(res.Body) != `{"ok":true}` || calls.Load() != 2 {
		t.Fatalf("Get = %v, %v after %d calls", res, err, calls.Load())
	}
	if waited := time.Since(began); waited < time.Second {
		t.Fatalf("retried after %v, before the Retry-After of 1 s", waited)
	}

	s.MaxAttempts = 2
	var se *StatusError
	_, err = s.Get(ctx, "/broken", nil)
	if !errors.As(err, &se) || se.Status != http.StatusBadGateway || !se.Temporary() {
		t.Fatalf("5xx: %v", err)
	}

	_, err = s.Get(ctx, "/come-back-tomorrow", nil)
	if !errors.As(err, &se) || se.Status != http.StatusTooManyRequests || !se.Temporary() || se.RetryAfter < 23*time.Hour {
		t.Fatalf("long Retry-After: %v", err)
	}
	// The limiter is paused until the provider's Retry-After.
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if err := limiter.Wait(short); err == nil {
		t.Fatal("the limiter let a request through during the provider's Retry-After")
	}
}
