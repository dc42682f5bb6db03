package webhooks

// The delivery consumer reads the canonical and lifecycle topics in its own
// consumer group, turns each record into webhook messages, matches them to
// the tenant's endpoints, and sends them signed. Offsets are committed once
// every first attempt of a polled batch is done, so a crash re-sends (with
// the same webhook-id) rather than loses: delivery is at-least-once.
//
// This first version keeps pending retries in memory; they are logged to
// the deliveries topic, but a restart forgets the ones not yet due.

import (
	"container/heap"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/state"
	"github.com/wearstream/wearstream/schemas"
)

// Group is the consumer group of the delivery consumers.
const Group = "wearstream-deliver"

// Schedule is the wait before each retry after a failed attempt, as Svix
// does it: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// Jitter is the relative spread applied to every retry delay (±20 %).
const Jitter = 0.2

// NextDelay returns the wait before retry number n (1-based) with jitter
// drawn from r in [0, 1); ok is false when the schedule is exhausted.
func NextDelay(n int, r float64) (time.Duration, bool) {
	if n < 1 || n > len(Schedule) {
		return 0, false
	}
	d := float64(Schedule[n-1])
	return time.Duration(d * (1 - Jitter + 2*Jitter*r)), true
}

// DelivererConfig configures a Deliverer.
type DelivererConfig struct {
	Brokers   []string
	Topics    schemas.Topics
	Serde     *schemas.Serde
	Endpoints *state.Table[schemas.Endpoint]
	Box       *secrets.Box
	Sender    *Sender
	// Producer writes attempts to the deliveries topic.
	Producer    *kgo.Client
	Logger      *slog.Logger
	Concurrency int
	Now         func() time.Time
	ExtraOpts   []kgo.Opt
}

// Deliverer is one member of the delivery group.
type Deliverer struct {
	cfg    DelivererConfig
	client *kgo.Client
	sem    chan struct{}

	mu      sync.Mutex
	retries retryQueue
	wake    chan struct{}

	sent, failed atomic.Int64
}

// NewDeliverer creates a delivery consumer and joins the group.
func NewDeliverer(cfg DelivererConfig) (*Deliverer, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	topics := append(cfg.Topics.Canonical(), cfg.Topics.Lifecycle())
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumerGroup(Group),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
	}, cfg.ExtraOpts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create delivery consumer: %w", err)
	}
	return &Deliverer{cfg: cfg, client: cl, sem: make(chan struct{}, cfg.Concurrency), wake: make(chan struct{}, 1)}, nil
}

// Sent and Failed count attempts that succeeded and failed.
func (d *Deliverer) Sent() int64 { return d.sent.Load() }

// Failed counts failed attempts.
func (d *Deliverer) Failed() int64 { return d.failed.Load() }

// Run delivers until ctx ends.
func (d *Deliverer) Run(ctx context.Context) error {
	defer d.client.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.retryLoop(ctx) }()
	defer wg.Wait()
	for {
		fetches := d.client.PollFetches(ctx)
		if ctx.Err() != nil {
			d.client.AllowRebalance()
			return nil
		}
		fetches.EachError(func(topic string, p int32, err error) {
			d.cfg.Logger.Warn("fetch error", "topic", topic, "partition", p, "err", err)
		})
		var jobs sync.WaitGroup
		fetches.EachRecord(func(r *kgo.Record) {
			for _, m := range d.messages(r) {
				d.fanOut(ctx, &jobs, m)
			}
		})
		jobs.Wait()
		if err := d.client.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
			d.cfg.Logger.Warn("cannot commit delivery offsets; records will be delivered again", "err", err)
		}
		d.client.AllowRebalance()
	}
}

// messages decodes a canonical record into its webhook messages.
func (d *Deliverer) messages(r *kgo.Record) []Message {
	v, err := d.cfg.Serde.DecodeNew(r.Value)
	if err != nil {
		d.cfg.Logger.Error("cannot decode record for delivery; skipped", "topic", r.Topic, "offset", r.Offset, "err", err)
		return nil
	}
	switch rec := v.(type) {
	case *schemas.SampleBatch:
		return SampleMessages(*rec)
	case *schemas.Workout:
		return WorkoutMessages(*rec)
	case *schemas.Sleep:
		return SleepMessages(*rec)
	case *schemas.Lifecycle:
		return LifecycleMessages(*rec)
	}
	return nil
}

// fanOut starts the first attempt of m to every matching endpoint.
func (d *Deliverer) fanOut(ctx context.Context, jobs *sync.WaitGroup, m Message) {
	d.cfg.Endpoints.Range(func(_ string, ep schemas.Endpoint) bool {
		if !Matches(ep, m) {
			return true
		}
		jobs.Add(1)
		d.sem <- struct{}{}
		go func() {
			defer func() { <-d.sem; jobs.Done() }()
			d.attempt(ctx, ep.ID, m, 1, "scheduled")
		}()
		return true
	})
}

// attempt sends m to the endpoint (reloaded, so deletes, disables and
// secret changes apply) and schedules a retry on failure.
func (d *Deliverer) attempt(ctx context.Context, endpointID string, m Message, n int, trigger string) {
	ep, ok := d.cfg.Endpoints.Get(endpointID)
	if !ok || ep.Disabled {
		return
	}
	secrets, err := EndpointSecrets(d.cfg.Box, ep, d.cfg.Now())
	if err != nil {
		d.cfg.Logger.Error("cannot decrypt endpoint secret", "endpoint", ep.ID, "err", err)
		return
	}
	now := d.cfg.Now()
	res := d.cfg.Sender.Send(ctx, ep.URL, secrets, m, now)
	a := schemas.Attempt{
		ID:           uuid.NewString(),
		MessageID:    m.ID,
		Tenant:       m.Tenant,
		EndpointID:   ep.ID,
		UserID:       m.UserID,
		EventType:    m.Type,
		Attempt:      int32(n),
		Trigger:      trigger,
		StatusCode:   int32(res.StatusCode),
		Success:      res.Success,
		DurationMS:   res.Duration.Milliseconds(),
		ResponseBody: res.ResponseBody,
		AttemptedAt:  now.UTC(),
	}
	if res.Err != nil {
		a.Error = res.Err.Error()
	}
	if res.Success {
		d.sent.Add(1)
	} else {
		d.failed.Add(1)
		if delay, ok := NextDelay(n, rand.Float64()); ok {
			if res.RetryAfter > delay && res.RetryAfter < 24*time.Hour {
				delay = res.RetryAfter
			}
			a.NextAttempt = now.Add(delay).UTC()
			a.Payload = m.Body
			d.schedule(retry{at: a.NextAttempt, endpointID: ep.ID, msg: m, n: n + 1})
		}
	}
	d.logAttempt(ctx, a)
}

// EndpointSecrets returns the endpoint's signing secrets: the current one,
// and the previous one while its overlap window lasts.
func EndpointSecrets(box *secrets.Box, ep schemas.Endpoint, now time.Time) ([]string, error) {
	cur, err := box.Open(ep.SecretEnc, []byte(ep.ID))
	if err != nil {
		return nil, err
	}
	out := []string{string(cur)}
	if len(ep.SecretPrevEnc) > 0 && now.Before(ep.SecretPrevUntil) {
		prev, err := box.Open(ep.SecretPrevEnc, []byte(ep.ID))
		if err != nil {
			return nil, err
		}
		out = append(out, string(prev))
	}
	return out, nil
}

func (d *Deliverer) logAttempt(ctx context.Context, a schemas.Attempt) {
	if d.cfg.Producer == nil {
		return
	}
	value, err := d.cfg.Serde.Encode(a)
	if err != nil {
		d.cfg.Logger.Error("cannot encode attempt", "err", err)
		return
	}
	rec := &kgo.Record{Topic: d.cfg.Topics.Deliveries(), Key: []byte(a.EndpointID), Value: value}
	d.cfg.Producer.Produce(ctx, rec, func(_ *kgo.Record, err error) {
		if err != nil && ctx.Err() == nil {
			d.cfg.Logger.Warn("cannot log delivery attempt", "message", a.MessageID, "err", err)
		}
	})
}

type retry struct {
	at         time.Time
	endpointID string
	msg        Message
	n          int
}

type retryQueue []retry

func (q retryQueue) Len() int           { return len(q) }
func (q retryQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q retryQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *retryQueue) Push(x any)        { *q = append(*q, x.(retry)) }
func (q *retryQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

func (d *Deliverer) schedule(r retry) {
	d.mu.Lock()
	heap.Push(&d.retries, r)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// retryLoop runs due retries until ctx ends.
func (d *Deliverer) retryLoop(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		d.mu.Lock()
		var due []retry
		now := d.cfg.Now()
		for d.retries.Len() > 0 && !d.retries[0].at.After(now) {
			due = append(due, heap.Pop(&d.retries).(retry))
		}
		wait := time.Hour
		if d.retries.Len() > 0 {
			wait = d.retries[0].at.Sub(now)
		}
		d.mu.Unlock()
		for _, r := range due {
			d.sem <- struct{}{}
			go func() {
				defer func() { <-d.sem }()
				d.attempt(ctx, r.endpointID, r.msg, r.n, "retry")
			}()
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-timer.C:
		}
	}
}
