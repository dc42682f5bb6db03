package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wearstream/wearstream/internal/testenv"
)

// logBuffer collects log lines for tests that count them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) count(s string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s)
}

// startLogged is start with the gateway's log collected in the returned buffer.
func startLogged(t *testing.T, opts ...Option) (*harness, *logBuffer) {
	t.Helper()
	st := testenv.Start(t, nil)
	logs := &logBuffer{}
	st.Env.Logger = slog.New(slog.NewTextHandler(logs, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	gw := New(st.Env, opts...)
	go func() { defer close(done); _ = gw.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	return &harness{t: t, stack: st, url: "http://" + ln.Addr().String(), gw: gw}, logs
}

// doFrom is do from the loopback address from (127.0.0.x), so that the
// gateway sees several clients.
func (h *harness) doFrom(from, method, path string, headers map[string]string, body []byte) response {
	h.t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest(method, h.url+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	checkOpenAPI(h.t, req, resp, raw)
	r := response{status: resp.StatusCode, header: resp.Header, rawBody: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

func wantThrottled(t *testing.T, r response) {
	t.Helper()
	wantError(t, r, http.StatusTooManyRequests, "too_many_attempts")
	if r.header.Get("Retry-After") == "" || r.header.Get("Retry-After") == "0" {
		t.Fatalf("429 without a Retry-After: %v", r.header)
	}
}

// TestInvitationGuessingIsThrottled: after the address's burst of wrong
// codes, every redemption from it is refused with 429, a right code
// included, until the bucket refills; refusals are counted, and logged at
// most once per 10 s however many there are.
func TestInvitationGuessingIsThrottled(t *testing.T) {
	clock := newTestClock()
	h, logs := startLogged(t, WithClock(clock.now))
	key := h.tenantKey("acme")
	user := h.createUser(key, `{}`)
	r := h.do("POST", "/api/v1/users/"+user+"/invitation-code", keyHeader(key), nil)
	code := r.body["code"].(string)

	burst := int(defaultGuessLimits[guessInvitation].address.burst)
	for i := range burst {
		wantError(t, h.do("POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":"ZZZZZZ%02d"}`, i)), 400, "invalid_code")
	}
	for range 50 {
		wantThrottled(t, h.do("POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":"ZZZZZZZZ"}`)))
	}
	wantThrottled(t, h.do("POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":%q}`, code)))
	// Another client is not held back by this one.
	if r := h.doFrom("127.0.0.2", "POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":"ZZZZZZZZ"}`)); r.status != 400 {
		t.Fatalf("another address: %d %s", r.status, r.rawBody)
	}
	stats := h.gw.SecurityStats()
	if stats.Failures["invitation_code"] != uint64(burst+1) || stats.Throttled["invitation_code"] != 51 {
		t.Fatalf("counters %+v, want %d failures and 51 refusals", stats, burst+1)
	}
	if n := logs.count("request throttled"); n != 1 {
		t.Fatalf("%d throttle log lines for 51 refusals in the same instant, want 1", n)
	}
	if n := logs.count("credential refused"); n != 1 {
		t.Fatalf("%d failure log lines for %d failures in the same instant, want 1", n, burst+1)
	}
	clock.advance(defaultGuessLimits[guessInvitation].address.refill)
	r = h.do("POST", "/api/v1/invitation-code/redeem", nil, jsonBody(`{"code":%q}`, code))
	pairOf(t, r)
}

// TestGuessingIsThrottledPerTarget: failures from several addresses add up
// on the target's bucket (here the provider of a webhook), which then
// refuses every address, before the body is read.
func TestGuessingIsThrottledPerTarget(t *testing.T) {
	clock := newTestClock()
	h := start(t, nil, WithClock(clock.now), withGuessLimits(guessSignature, guessLimits{address: rate{3, time.Minute}, target: rate{5, time.Minute}}))
	bad := func(from string) response {
		return h.doFrom(from, "POST", "/api/v1/providers/polar/webhooks", map[string]string{"Polar-Webhook-Signature": "00"}, []byte(`{"event":"EXERCISE"}`))
	}
	for range 3 {
		wantError(t, bad("127.0.0.1"), 401, "unauthorized")
	}
	wantThrottled(t, bad("127.0.0.1"))
	for range 2 {
		wantError(t, bad("127.0.0.2"), 401, "unauthorized")
	}
	wantThrottled(t, bad("127.0.0.2"))
	wantThrottled(t, bad("127.0.0.3")) // never failed, but the target is closed
	// Another provider's bucket is its own.
	if r := h.doFrom("127.0.0.3", "POST", "/api/v1/providers/oura/webhooks", nil, []byte(`{}`)); r.status == http.StatusTooManyRequests {
		t.Fatalf("oura throttled by polar's failures: %s", r.rawBody)
	}
	if s := h.gw.SecurityStats(); s.Failures["webhook_signature"] < 5 || s.Throttled["webhook_signature"] != 3 {
		t.Fatalf("counters %+v", s)
	}
	clock.advance(time.Minute)
	wantError(t, bad("127.0.0.3"), 401, "unauthorized")
}

// TestAPIKeyAndRefreshGuessingIsThrottled: wrong API keys and wrong
// refresh tokens each close the address after their burst; a valid key
// from that address is refused too, from another address it works.
func TestAPIKeyAndRefreshGuessingIsThrottled(t *testing.T) {
	h := start(t, nil)
	key := h.tenantKey("acme")
	for range int(defaultGuessLimits[guessAPIKey].address.burst) {
		wantError(t, h.do("GET", "/api/v1/users", keyHeader("sk-wrong"), nil), 401, "unauthorized")
	}
	wantThrottled(t, h.do("GET", "/api/v1/users", keyHeader(key), nil))
	wantThrottled(t, h.do("POST", "/api/v1/users/u/token", nil, []byte(`{"app_id":"app_x","app_secret":"y"}`)))
	if r := h.doFrom("127.0.0.2", "GET", "/api/v1/users", keyHeader(key), nil); r.status != 200 {
		t.Fatalf("valid key from another address: %d %s", r.status, r.rawBody)
	}
	for range int(defaultGuessLimits[guessRefresh].address.burst) {
		wantError(t, h.doFrom("127.0.0.3", "POST", "/api/v1/token/refresh", nil, []byte(`{"refresh_token":"rt-wrong"}`)), 401, "invalid_token")
	}
	wantThrottled(t, h.doFrom("127.0.0.3", "POST", "/api/v1/token/refresh", nil, []byte(`{"refresh_token":"rt-wrong"}`)))
	wantThrottled(t, h.doFrom("127.0.0.3", "POST", "/api/v1/token/revoke", nil, []byte(`{"refresh_token":"rt-wrong"}`)))
}
