package webhooks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// delivery is one request a test receiver got.
type delivery struct {
	id, timestamp, signature string
	svixSignature            string
	body                     []byte
	status                   int
}

// hook is a test receiver; answer decides each request's status (default 204).
type hook struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []delivery
	answer func(n int, r *http.Request) int // n counts requests from 1
}

func newHook(t *testing.T, answer func(n int, r *http.Request) int) *hook {
	t.Helper()
	h := &hook{answer: answer}
	h.srv = httptest.NewServer(h)
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	n := len(h.got) + 1
	h.got = append(h.got, delivery{})
	h.mu.Unlock()
	status := http.StatusNoContent
	if h.answer != nil {
		status = h.answer(n, r)
	}
	h.mu.Lock()
	h.got[n-1] = delivery{
		id: r.Header.Get("webhook-id"), timestamp: r.Header.Get("webhook-timestamp"),
		signature: r.Header.Get("webhook-signature"), svixSignature: r.Header.Get("svix-signature"),
		body: body, status: status,
	}
	h.mu.Unlock()
	w.WriteHeader(status)
}

func (h *hook) deliveries() []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.got...)
}

func (h *hook) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got)
}

// bench is a Kafka stack with helpers to add endpoints and produce records.
type bench struct {
	t  *testing.T
	st *testenv.Stack
}

func newBench(t *testing.T) *bench {
	t.Helper()
	return &bench{t: t, st: testenv.Start(t, nil)}
}

// endpoint stores an endpoint for url with a fresh secret and returns it
// with the secret.
func (b *bench) endpoint(tenant, url string, filter ...string) (schemas.Endpoint, string) {
	b.t.Helper()
	secret, err := NewSecret()
	if err != nil {
		b.t.Fatal(err)
	}
	env := b.st.Env
	ep := schemas.Endpoint{ID: "ep_" + schemas.NameID(tenant, url, time.Now().String())[:12], Tenant: tenant, URL: url,
		FilterTypes: filter, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	ep.SecretEnc = env.Box.Seal([]byte(secret), []byte(ep.ID))
	if err := env.Tables.Endpoints.Put(context.Background(), ep.ID, ep); err != nil {
		b.t.Fatal(err)
	}
	return ep, secret
}

// workout produces a workout of tenant to the workouts topic and returns it.
func (b *bench) workout(tenant, recordID string) schemas.Workout {
	b.t.Helper()
	w := testWorkout()
	w.Tenant = tenant
	w.UserID = schemas.NameID(tenant, "user")
	w.ID = schemas.RecordID(tenant, w.UserID, "garmin", "workout", recordID)
	b.produce(b.st.Env.Topics.Workouts(), w.UserID, w)
	return w
}

func (b *bench) produce(topic, key string, v any) {
	b.t.Helper()
	env := b.st.Env
	value, err := env.Serde.Encode(v)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := env.Producer.ProduceSync(context.Background(), &kgo.Record{Topic: topic, Key: []byte(key), Value: value}).FirstErr(); err != nil {
		b.t.Fatal(err)
	}
}

// deliverer starts a Deliverer with cfg's zero fields filled from the stack
// and returns a function that stops it and waits.
func (b *bench) deliverer(cfg DelivererConfig) (*Deliverer, func()) {
	b.t.Helper()
	env := b.st.Env
	cfg.Brokers, cfg.Topics, cfg.Serde = env.Brokers, env.Topics, env.Serde
	cfg.Endpoints, cfg.Health, cfg.Box, cfg.Producer = env.Tables.Endpoints, env.Tables.EndpointHealth, env.Box, env.Producer
	cfg.Logger = env.Logger
	if cfg.Sender == nil {
		cfg.Sender = &Sender{Client: NewClient(true, 20*time.Second)}
	}
	if cfg.Rand == nil {
		cfg.Rand = func() float64 { return 0.5 }
	}
	d, err := NewDeliverer(cfg)
	if err != nil {
		b.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			b.t.Errorf("deliverer stopped: %v", err)
		}
	}()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	b.t.Cleanup(stop)
	return d, stop
}

// attempts reads the delivery log topic from the start until cond holds.
func (b *bench) attempts(cond func([]schemas.Attempt) bool) []schemas.Attempt {
	b.t.Helper()
	env := b.st.Env
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(env.Topics.Deliveries()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		b.t.Fatal(err)
	}
	defer cl.Close()
	var out []schemas.Attempt
	deadline := time.Now().Add(90 * time.Second)
	for !cond(out) {
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out reading the delivery log; have %d attempts: %+v", len(out), out)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			var a schemas.Attempt
			if err := env.Serde.Decode(r.Value, &a); err != nil {
				b.t.Fatal(err)
			}
			out = append(out, a)
		})
		cancel()
	}
	return out
}

// waitFor polls cond until it holds, failing after a generous deadline:
// tests never assert on time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRetriesSurviveRestart(t *testing.T) {
	b := newBench(t)
	// Attempts 1 and 2 fail; 3 succeeds.
	h := newHook(t, func(n int, _ *http.Request) int {
		if n <= 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	ep, secret := b.endpoint("acme", h.srv.URL)
	// The first retry comes quickly, the second after the restart.
	schedule := []time.Duration{100 * time.Millisecond, 3 * time.Second, time.Second}

	_, stop := b.deliverer(DelivererConfig{Schedule: schedule})
	w := b.workout("acme", "w-restart")
	waitFor(t, "two failed attempts", func() bool { return h.count() >= 2 })
	stop() // killed in the middle of the ladder, with the third attempt in Kafka

	second, _ := b.deliverer(DelivererConfig{Schedule: schedule})
	waitFor(t, "the third attempt after the restart", func() bool { return second.Sent() >= 1 })

	got := h.deliveries()
	want := WorkoutMessages(w)[0].ID
	for i, d := range got {
		if d.id != want {
			t.Fatalf("delivery %d has webhook-id %s, want %s", i, d.id, want)
		}
		if err := Verify([]string{secret}, d.id, d.timestamp, d.signature, d.body, time.Now(), 0); err != nil {
			t.Fatalf("delivery %d: %v", i, err)
		}
	}
	// The log: attempt 1 failed and scheduled a retry; the attempt that
	// succeeded is a retry. Usually attempts are 1 (500), 2 (500), 3 (200);
	// when the first process is killed after sending attempt 2 but before
	// logging it, its retry record was not committed, so the second process
	// makes attempt 2 again, and it succeeds: at-least-once, same webhook-id.
	log := b.attempts(func(as []schemas.Attempt) bool {
		return slices.ContainsFunc(as, func(a schemas.Attempt) bool { return a.Success })
	})
	byNumber := map[int32]schemas.Attempt{}
	var success schemas.Attempt
	for _, a := range log {
		if a.EndpointID != ep.ID || a.MessageID != want {
			t.Fatalf("unexpected attempt %+v", a)
		}
		byNumber[a.Attempt] = a
		if a.Success {
			success = a
		}
	}
	if a := byNumber[1]; a.Success || a.StatusCode != 500 || a.Trigger != TriggerScheduled || a.NextAttempt.IsZero() || len(a.Payload) == 0 {
		t.Fatalf("attempt 1 = %+v", a)
	}
	if success.Attempt < 2 || success.Attempt > 3 || success.StatusCode != 200 || success.Trigger != TriggerRetry || !success.NextAttempt.IsZero() {
		t.Fatalf("successful attempt = %+v", success)
	}
	if h.count() < 3 {
		t.Fatalf("the endpoint saw %d requests, want 3 (two failures, then the success)", h.count())
	}
}

func TestFailingEndpointDoesNotDelayHealthy(t *testing.T) {
	b := newBench(t)
	release := make(chan struct{})
	var slowHits atomic.Int64
	slow := newHook(t, func(int, *http.Request) int {
		slowHits.Add(1)
		<-release // hangs until the test ends
		return http.StatusServiceUnavailable
	})
	defer close(release)
	dead := newHook(t, func(int, *http.Request) int { return http.StatusInternalServerError })
	healthy := newHook(t, nil)
	b.endpoint("acme", slow.srv.URL)
	b.endpoint("acme", dead.srv.URL)
	b.endpoint("acme", healthy.srv.URL)

	d, _ := b.deliverer(DelivererConfig{Concurrency: 16, PerEndpoint: 4, QueueSize: 8,
		Sender: &Sender{Client: NewClient(true, time.Hour)}})
	const n = 300
	for i := range n {
		b.workout("acme", "w-"+itoa(i))
	}
	// Every message reaches the healthy endpoint while the slow one still
	// holds its first requests: nothing waited for it.
	waitFor(t, "all deliveries to the healthy endpoint", func() bool { return healthy.count() >= n })
	if hits := slowHits.Load(); hits > 4 {
		t.Fatalf("the slow endpoint got %d requests at once, want at most 4", hits)
	}
	waitFor(t, "deferred attempts", func() bool { return d.Deferred() > 0 })
}

func TestTenantIsolation(t *testing.T) {
	b := newBench(t)
	hookA, hookB := newHook(t, nil), newHook(t, nil)
	b.endpoint("tenant-a", hookA.srv.URL)
	b.endpoint("tenant-b", hookB.srv.URL)
	b.deliverer(DelivererConfig{})
	wa := b.workout("tenant-a", "w-a")
	wb := b.workout("tenant-b", "w-b")
	waitFor(t, "both deliveries", func() bool { return hookA.count() >= 1 && hookB.count() >= 1 })
	b.workout("tenant-a", "w-a2")
	waitFor(t, "tenant a's second delivery", func() bool { return hookA.count() >= 2 })
	for _, d := range hookA.deliveries() {
		if d.id == WorkoutMessages(wb)[0].ID {
			t.Fatalf("tenant a received tenant b's event")
		}
	}
	for _, d := range hookB.deliveries() {
		if d.id != WorkoutMessages(wb)[0].ID || d.id == WorkoutMessages(wa)[0].ID {
			t.Fatalf("tenant b received %s", d.id)
		}
	}
}

func TestDisableAfterFailingWindow(t *testing.T) {
	b := newBench(t)
	var broken atomic.Bool
	broken.Store(true)
	h := newHook(t, func(int, *http.Request) int {
		if broken.Load() {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	ep, _ := b.endpoint("acme", h.srv.URL)
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	schedule := []time.Duration{200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond}
	b.deliverer(DelivererConfig{Schedule: schedule, Now: now})
	tables := b.st.Env.Tables

	b.workout("acme", "w-1")
	waitFor(t, "the failure streak", func() bool {
		hl, ok := tables.EndpointHealth.Get(ep.ID)
		return ok && !hl.FailingSince.IsZero()
	})
	if e, _ := tables.Endpoints.Get(ep.ID); e.Disabled {
		t.Fatal("endpoint disabled before the window")
	}
	skew.Store(int64(DefaultDisableAfter + time.Hour)) // five days later, still failing
	waitFor(t, "the endpoint to be disabled", func() bool {
		e, _ := tables.Endpoints.Get(ep.ID)
		return e.Disabled
	})
	log := b.attempts(func(as []schemas.Attempt) bool {
		for _, a := range as {
			if a.EventType == EventEndpointDisabled {
				return true
			}
		}
		return false
	})
	for _, a := range log {
		if a.EventType == EventEndpointDisabled && (a.EndpointID != ep.ID || a.Trigger != TriggerSystem) {
			t.Fatalf("disable entry = %+v", a)
		}
	}

	// Re-enabling (as the API does: clear the flag and the streak) resumes.
	broken.Store(false)
	e, _ := tables.Endpoints.Get(ep.ID)
	e.Disabled = false
	ctx := context.Background()
	if err := tables.EndpointHealth.Delete(ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	if err := tables.Endpoints.Put(ctx, ep.ID, e); err != nil {
		t.Fatal(err)
	}
	w := b.workout("acme", "w-after")
	waitFor(t, "a delivery after re-enabling", func() bool {
		for _, d := range h.deliveries() {
			if d.id == WorkoutMessages(w)[0].ID && d.status == http.StatusOK {
				return true
			}
		}
		return false
	})
}

func itoa(i int) string { return string(rune('a'+i%26)) + "-" + time.Duration(i).String() }
