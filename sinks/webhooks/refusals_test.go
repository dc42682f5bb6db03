package webhooks

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// superviseDeliverer runs deliverers built from cfg one after another, as a
// process supervisor restarts a stopped one, until the test ends: a
// deliverer stops when Kafka refuses an attempt's outcome.
func (b *bench) superviseDeliverer(cfg DelivererConfig) {
	b.t.Helper()
	env := b.st.Env
	cfg.Brokers, cfg.Topics, cfg.Serde = env.Brokers, env.Topics, env.Serde
	cfg.Endpoints, cfg.Health, cfg.Box, cfg.Producer = env.Tables.Endpoints, env.Tables.EndpointHealth, env.Box, env.Producer
	cfg.Logger, cfg.Sender = env.Logger, &Sender{Client: NewClient(true, 20*time.Second)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			d, err := NewDeliverer(cfg)
			if err != nil {
				b.t.Errorf("NewDeliverer: %v", err)
				return
			}
			if err := d.Run(ctx); err != nil {
				b.t.Logf("deliverer stopped, restarting: %v", err)
			}
		}
	}()
	b.t.Cleanup(func() { cancel(); <-done })
}

// disabledEvents counts the endpoint.disabled events of endpoint id in the
// lifecycle topic.
func (b *bench) disabledEvents(id string) int {
	b.t.Helper()
	env := b.st.Env
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(env.Topics.Lifecycle()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		b.t.Fatal(err)
	}
	defer cl.Close()
	n := 0
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fetches := cl.PollFetches(ctx)
		cancel()
		if fetches.NumRecords() == 0 {
			return n
		}
		fetches.EachRecord(func(r *kgo.Record) {
			var ev schemas.Lifecycle
			if err := env.Serde.Decode(r.Value, &ev); err == nil && ev.Type == EventEndpointDisabled && ev.EndpointID == id {
				n++
			}
		})
	}
}

// An endpoint is never disabled without its endpoint.disabled event: while
// Kafka refuses the event, the endpoint stays enabled (and keeps being
// tried); once Kafka takes it, the endpoint is disabled and the event is in
// the lifecycle topic.
func TestEndpointIsDisabledOnlyWithItsEvent(t *testing.T) {
	b := newBench(t)
	h := newHook(t, func(int, *http.Request) int { return http.StatusBadGateway })
	ep, _ := b.endpoint("acme", h.srv.URL)
	var skew atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	schedule := make([]time.Duration, 50)
	for i := range schedule {
		schedule[i] = 100 * time.Millisecond
	}
	b.superviseDeliverer(DelivererConfig{Schedule: schedule, Now: now, Rand: func() float64 { return 0.5 }})
	tables := b.st.Env.Tables

	b.workout("acme", "w-1")
	testenv.WaitFor(t, "the failure streak", func() bool {
		hl, ok := tables.EndpointHealth.Get(ep.ID)
		return ok && !hl.FailingSince.IsZero()
	})
	refusal := b.st.RefuseProduce(t, b.st.Env.Topics.Lifecycle(), kerr.PolicyViolation, 0)
	skew.Store(int64(DefaultDisableAfter + time.Hour)) // five days later, still failing
	disabled := func() bool { e, _ := tables.Endpoints.Get(ep.ID); return e.Disabled }
	testenv.WaitFor(t, "a refused event twice or a disabled endpoint", func() bool { return refusal.Count() >= 2 || disabled() })
	if disabled() {
		t.Fatal("endpoint disabled while Kafka refused its endpoint.disabled event")
	}

	refusal.Lift()
	testenv.WaitFor(t, "the endpoint disabled", disabled)
	if n := b.disabledEvents(ep.ID); n == 0 {
		t.Fatal("endpoint disabled with no endpoint.disabled event in the lifecycle topic")
	}
}

// A failed attempt's source record is committed only once its retry is in
// Kafka: while the retry tier refuses the retry, the canonical record stays
// uncommitted (the deliverer stops and, restarted, tries it again); once the
// tier takes it, the retry is delivered and the record committed.
func TestRetryIsInKafkaBeforeItsSourceIsCommitted(t *testing.T) {
	b := newBench(t)
	var failing atomic.Bool
	failing.Store(true)
	h := newHook(t, func(int, *http.Request) int {
		if failing.Load() {
			return http.StatusBadGateway
		}
		return http.StatusOK
	})
	b.endpoint("acme", h.srv.URL)
	env := b.st.Env
	wait := 100 * time.Millisecond
	refusal := b.st.RefuseProduce(t, env.Topics.DeliveryRetry(TierFor(wait)), kerr.PolicyViolation, 0)
	b.superviseDeliverer(DelivererConfig{Schedule: []time.Duration{wait}, Rand: func() float64 { return 0.5 }})

	w := testWorkout()
	w.Tenant, w.UserID = "acme", schemas.NameID("acme", "user")
	w.ID = schemas.RecordID("acme", w.UserID, "garmin", "workout", "w-retry")
	value, err := env.Serde.Encode(w)
	if err != nil {
		t.Fatal(err)
	}
	src := &kgo.Record{Topic: env.Topics.Workouts(), Key: []byte(w.UserID), Value: value}
	if err := env.Producer.ProduceSync(context.Background(), src).FirstErr(); err != nil {
		t.Fatal(err)
	}
	committed := func() int64 { return b.st.Committed(t, Group, src.Topic, src.Partition) }
	testenv.WaitFor(t, "a refused retry twice or a commit", func() bool { return refusal.Count() >= 2 || committed() > src.Offset })
	if at := committed(); at > src.Offset {
		t.Fatalf("source committed to %d past %d while its retry was refused", at, src.Offset)
	}

	refusal.Lift()
	failing.Store(false)
	id := WorkoutMessages(w)[0].ID
	testenv.WaitFor(t, "the retried delivery", func() bool {
		for _, d := range h.deliveries() {
			if d.id == id && d.status == http.StatusOK {
				return true
			}
		}
		return false
	})
	testenv.WaitFor(t, "the source committed", func() bool { return committed() == src.Offset+1 })
}

// A retry record the consumer cannot read is a dead letter, not a skipped
// record: its offset is committed once the dead letter is in Kafka.
func TestUnreadableRetryIsDeadLettered(t *testing.T) {
	b := newBench(t)
	env := b.st.Env
	refusal := b.st.RefuseProduce(t, env.Topics.DLQ(), kerr.PolicyViolation, 0)
	b.superviseDeliverer(DelivererConfig{})
	bad := &kgo.Record{Topic: env.Topics.DeliveryRetry(TierFor(0)), Key: []byte("ep_x"), Value: []byte("not an attempt")}
	if err := env.Producer.ProduceSync(context.Background(), bad).FirstErr(); err != nil {
		t.Fatal(err)
	}
	committed := func() int64 { return b.st.Committed(t, Group+"-retry", bad.Topic, bad.Partition) }
	testenv.WaitFor(t, "a refused dead letter twice or a commit", func() bool { return refusal.Count() >= 2 || committed() > bad.Offset })
	if at := committed(); at > bad.Offset {
		t.Fatalf("retry tier committed to %d past %d while its dead letter was refused", at, bad.Offset)
	}
	refusal.Lift()
	testenv.WaitFor(t, "the retry tier committed", func() bool { return committed() == bad.Offset+1 })
	dls := b.st.DeadLetters(t)
	if len(dls) != 1 || dls[0].Stage != Stage || dls[0].Topic != bad.Topic || dls[0].Offset != bad.Offset || string(dls[0].Value) != "not an attempt" {
		t.Fatalf("dead letters = %+v, want the unreadable retry record", dls)
	}
}
