package webhooks

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testSender sends to loopback test servers, so private addresses are allowed.
func testSender(timeout time.Duration) *Sender {
	return &Sender{Client: NewClient(true, timeout)}
}

func testMessage(t *testing.T) Message {
	t.Helper()
	msgs := SampleMessages(testBatch(3))
	return msgs[0]
}

func TestSendSignsAndVerifies(t *testing.T) {
	secret, err := NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	old, err := NewSecret()
	if err != nil {
		t.Fatalf("NewSecret: %v", err)
	}
	now := time.Now()
	m := testMessage(t)

	type received struct {
		header http.Header
		body   []byte
		method string
	}
	got := make(chan received, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- received{r.Header.Clone(), body, r.Method}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	res := testSender(5*time.Second).Send(context.Background(), srv.URL+"/hooks", []string{secret, old}, m, now)
	if !res.Success || res.Err != nil || res.StatusCode != http.StatusNoContent {
		t.Fatalf("Send = %+v, want a 204 success", res)
	}
	if res.Duration <= 0 {
		t.Fatalf("Duration = %v, want positive", res.Duration)
	}
	r := <-got
	if r.method != http.MethodPost || string(r.body) != string(m.Body) {
		t.Fatalf("server got %s with body %q", r.method, r.body)
	}
	h := r.header
	if h.Get("Content-Type") != "application/json" || h.Get("User-Agent") != "wearstream-webhooks/1" {
		t.Fatalf("Content-Type %q, User-Agent %q", h.Get("Content-Type"), h.Get("User-Agent"))
	}
	for _, prefix := range []string{"webhook-", "svix-"} {
		id, ts, sig := h.Get(prefix+"id"), h.Get(prefix+"timestamp"), h.Get(prefix+"signature")
		if id != m.ID {
			t.Fatalf("%sid = %q, want %q", prefix, id, m.ID)
		}
		if len(strings.Fields(sig)) != 2 {
			t.Fatalf("%ssignature = %q, want two signatures", prefix, sig)
		}
		// Either secret alone verifies, as during a rotation.
		for _, s := range []string{secret, old} {
			if err := Verify([]string{s}, id, ts, sig, r.body, time.Now(), 0); err != nil {
				t.Fatalf("Verify of %s headers: %v", prefix, err)
			}
		}
		other, _ := NewSecret()
		if err := Verify([]string{other}, id, ts, sig, r.body, time.Now(), 0); !errors.Is(err, ErrNoMatchingSignature) {
			t.Fatalf("Verify with a foreign secret = %v, want ErrNoMatchingSignature", err)
		}
	}
}

func TestSendDefaultClientIsGuarded(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()

	res := (&Sender{}).Send(context.Background(), srv.URL, []string{specSecret}, testMessage(t), time.Now())
	if res.Success || !errors.Is(res.Err, ErrForbiddenAddress) || res.StatusCode != 0 {
		t.Fatalf("Send to loopback with the default client = %+v, want ErrForbiddenAddress", res)
	}
	if hits.Load() != 0 {
		t.Fatalf("loopback server was reached")
	}
}

func TestSendDoesNotFollowRedirects(t *testing.T) {
	var targetHits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { targetHits.Add(1) }))
	defer target.Close()
	redirect := httptest.NewServer(http.RedirectHandler(target.URL, http.StatusTemporaryRedirect))
	defer redirect.Close()

	res := testSender(5*time.Second).Send(context.Background(), redirect.URL, []string{specSecret}, testMessage(t), time.Now())
	if res.Success || res.StatusCode != http.StatusTemporaryRedirect || !errors.Is(res.Err, ErrStatus) {
		t.Fatalf("Send to a redirect = %+v, want a failed 307", res)
	}
	if targetHits.Load() != 0 {
		t.Fatalf("redirect was followed")
	}
}

func TestSendServerError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database is down", http.StatusInternalServerError)
	}))
	defer srv.Close()

	res := testSender(5*time.Second).Send(context.Background(), srv.URL, []string{specSecret}, testMessage(t), time.Now())
	if res.Success || res.StatusCode != http.StatusInternalServerError || !errors.Is(res.Err, ErrStatus) {
		t.Fatalf("Send = %+v, want a failed 500", res)
	}
	if res.ResponseBody != "database is down\n" {
		t.Fatalf("ResponseBody = %q", res.ResponseBody)
	}
	if res.RetryAfter != 0 {
		t.Fatalf("RetryAfter = %v without the header", res.RetryAfter)
	}
}

func TestSendTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	res := testSender(100*time.Millisecond).Send(context.Background(), srv.URL, []string{specSecret}, testMessage(t), time.Now())
	if res.Success || res.StatusCode != 0 || !errors.Is(res.Err, ErrTimeout) {
		t.Fatalf("Send to a silent server = %+v, want ErrTimeout", res)
	}

	// A cancelled context is a failure too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res = testSender(5*time.Second).Send(ctx, srv.URL, []string{specSecret}, testMessage(t), time.Now())
	if res.Success || res.Err == nil || !errors.Is(res.Err, context.Canceled) {
		t.Fatalf("Send with a cancelled context = %+v", res)
	}
}

func TestSendTruncatesResponseBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 10000))
	}))
	defer srv.Close()

	res := testSender(5*time.Second).Send(context.Background(), srv.URL, []string{specSecret}, testMessage(t), time.Now())
	if !res.Success || len(res.ResponseBody) != DefaultMaxResponseBytes {
		t.Fatalf("Send = success %v, %d body bytes; want success and %d", res.Success, len(res.ResponseBody), DefaultMaxResponseBytes)
	}

	s := testSender(5 * time.Second)
	s.MaxResponseBytes = 10
	if res := s.Send(context.Background(), srv.URL, []string{specSecret}, testMessage(t), time.Now()); res.ResponseBody != "xxxxxxxxxx" {
		t.Fatalf("ResponseBody with MaxResponseBytes 10 = %q", res.ResponseBody)
	}
}

func TestSendRetryAfter(t *testing.T) {
	now := time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)
	var retryAfter atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", retryAfter.Load().(string))
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()

	f := func(header string, want time.Duration) {
		t.Helper()
		retryAfter.Store(header)
		res := testSender(5*time.Second).Send(context.Background(), srv.URL, []string{specSecret}, testMessage(t), now)
		if res.Success || res.StatusCode != http.StatusTooManyRequests || res.RetryAfter != want {
			t.Fatalf("Retry-After %q: Send = %+v, want a failed 429 with RetryAfter %v", header, res, want)
		}
	}
	f("120", 2*time.Minute)
	f(now.Add(90*time.Second).Format(http.TimeFormat), 90*time.Second)
	f("soon", 0)
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 3, 10, 7, 0, 0, 0, time.UTC)
	f := func(v string, want time.Duration) {
		t.Helper()
		if got := parseRetryAfter(v, now); got != want {
			t.Fatalf("parseRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
	f("", 0)
	f("0", 0)
	f(" 30 ", 30*time.Second)
	f("-5", 0)
	f("1.5", 0)
	f("99999999999999999999", 0)
	f("9999999999", maxRetryAfter)
	f("Sun, 10 Mar 2024 07:05:00 GMT", 5*time.Minute)
	f("Sunday, 10-Mar-24 07:00:30 GMT", 30*time.Second)
	f("Sun, 10 Mar 2024 06:00:00 GMT", 0)
	f("Mon, 10 Mar 2099 06:00:00 GMT", maxRetryAfter)
}

func TestSendWithoutSecret(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()

	res := testSender(5*time.Second).Send(context.Background(), srv.URL, nil, testMessage(t), time.Now())
	if res.Success || !errors.Is(res.Err, ErrNoSecret) || hits.Load() != 0 {
		t.Fatalf("Send without a secret = %+v, %d requests", res, hits.Load())
	}
}
