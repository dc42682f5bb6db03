package webhooks

// The delivery consumer has two stages (stage.go), each its own consumer
// group. The first reads the canonical and lifecycle topics, turns each
// record into webhook messages, matches them to the tenant's endpoints and
// makes the first attempt of each. The second reads the retry tiers
// (schedule.go) and makes each attempt once it is due. Attempts run on
// per-endpoint queues (dispatch.go), so one slow endpoint delays no other.
//
// Every attempt's outcome goes to Kafka before its record is committed: the
// attempt to the deliveries topic (the delivery log), and a failed one, while
// the schedule lasts, to the retry tier of its wait. Killing the process at
// any moment loses no pending retry; it may repeat an attempt, with the same
// webhook-id, so receivers can dedupe.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/metrics"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/state"
	"github.com/wearstream/wearstream/schemas"
)

// Group is the consumer group of the first attempts; the retry tiers are
// consumed by Group + "-retry".
const Group = "wearstream-deliver"

// The triggers of an attempt, as the delivery log records them.
const (
	TriggerScheduled = "scheduled" // the first attempt of a new event
	TriggerRetry     = "retry"     // a retry from the schedule
	TriggerManual    = "manual"    // a resend or a test through the API; never retried
	TriggerReplay    = "replay"    // an event re-read from the stream by a recover
	TriggerSystem    = "system"    // not an attempt: the endpoint was disabled
)

// DefaultDisableAfter is how long an endpoint may fail without a single
// success before it is disabled (Svix's five days).
const DefaultDisableAfter = 5 * 24 * time.Hour

// dueHeader carries a retry record's due time, Unix milliseconds, so that a
// tier consumer need not decode a record to know whether it is due.
const dueHeader = "wearstream-due"

// DelivererConfig configures a Deliverer.
type DelivererConfig struct {
	Brokers   []string
	Topics    schemas.Topics
	Serde     *schemas.Serde
	Endpoints *state.Table[schemas.Endpoint]
	Health    *state.Table[schemas.EndpointHealth]
	Box       *secrets.Box
	Sender    *Sender
	// Producer writes attempts, retries and endpoint.disabled events.
	Producer *kgo.Client
	Logger   *slog.Logger
	// Concurrency bounds the requests in flight; default 64.
	Concurrency int
	// PerEndpoint bounds the requests in flight to one healthy endpoint;
	// default 8. A failing or slow endpoint gets one.
	PerEndpoint int
	// QueueSize bounds the attempts waiting for one healthy endpoint;
	// default 256. Beyond it, attempts are deferred to a retry tier.
	QueueSize int
	// Schedule is the wait before each retry; default Schedule.
	Schedule []time.Duration
	// DisableAfter is how long an endpoint may fail continuously before it
	// is disabled; default DefaultDisableAfter.
	DisableAfter time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Rand draws the jitter in [0, 1); default math/rand/v2's Float64.
	Rand func() float64
	// Erasures is the erasure list: nothing of an erased user is sent but
	// their user.deleted event (erasures.go). Nil erases nothing.
	Erasures Erasures
	// Group is the first attempts' consumer group; default Group.
	Group     string
	ExtraOpts []kgo.Opt
	// ClientOpts, when set, gives further options of each consumer
	// client by its group (each client its own metrics hooks).
	ClientOpts func(group string) []kgo.Opt
}

// Deliverer is one member of the delivery groups.
type Deliverer struct {
	cfg   DelivererConfig
	queue Queue
	log   *slog.Logger

	first, retry           *kgo.Client
	firstStage, retryStage *stage
	disp                   *dispatcher

	healthMu   sync.Mutex
	healthBusy map[string]bool

	sent, failed, deferred atomic.Int64

	fatalOnce sync.Once
	fatal     chan error
}

// NewDeliverer creates a delivery consumer and joins the groups.
func NewDeliverer(cfg DelivererConfig) (*Deliverer, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 64
	}
	if cfg.PerEndpoint <= 0 {
		cfg.PerEndpoint = 8
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	if cfg.Schedule == nil {
		cfg.Schedule = Schedule
	}
	if cfg.DisableAfter <= 0 {
		cfg.DisableAfter = DefaultDisableAfter
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	if cfg.Group == "" {
		cfg.Group = Group
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Sender == nil {
		cfg.Sender = &Sender{}
	}
	d := &Deliverer{
		cfg:        cfg,
		queue:      Queue{Producer: cfg.Producer, Serde: cfg.Serde, Topics: cfg.Topics},
		log:        cfg.Logger,
		healthBusy: map[string]bool{},
		fatal:      make(chan error, 1),
	}
	d.firstStage = newStage("first", nil, cfg.Logger, cfg.Now)
	d.firstStage.due = func(*kgo.Record) time.Time { return time.Time{} }
	d.firstStage.process = d.processFirst
	d.retryStage = newStage("retry", nil, cfg.Logger, cfg.Now)
	d.retryStage.due = d.retryDue
	d.retryStage.process = d.processRetry

	var err error
	topics := append(cfg.Topics.Canonical(), cfg.Topics.Lifecycle())
	d.first, err = d.newConsumer(cfg.Group, topics, d.firstStage, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		return nil, err
	}
	d.retry, err = d.newConsumer(cfg.Group+"-retry", cfg.Topics.DeliveryRetries(), d.retryStage)
	if err != nil {
		d.first.Close()
		return nil, err
	}
	return d, nil
}

func (d *Deliverer) newConsumer(group string, topics []string, s *stage, extra ...kgo.Opt) (*kgo.Client, error) {
	opts := append([]kgo.Opt{
		kgo.SeedBrokers(d.cfg.Brokers...),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.OnPartitionsRevoked(s.onLost),
		kgo.OnPartitionsLost(s.onLost),
	}, extra...)
	opts = append(opts, d.cfg.ExtraOpts...)
	if d.cfg.ClientOpts != nil {
		opts = append(opts, d.cfg.ClientOpts(group)...)
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create delivery consumer %s: %w", group, err)
	}
	s.cl = cl
	return cl, nil
}

// Sent counts successful attempts.
func (d *Deliverer) Sent() int64 { return d.sent.Load() }

// Failed counts failed attempts.
func (d *Deliverer) Failed() int64 { return d.failed.Load() }

// Deferred counts attempts put off because their endpoint was busy.
func (d *Deliverer) Deferred() int64 { return d.deferred.Load() }

// Run delivers until ctx ends, or returns the error that stopped it (Kafka
// refusing to take an attempt's outcome).
func (d *Deliverer) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	d.disp = newDispatcher(ctx, d.perform, d.cfg.Concurrency, d.cfg.PerEndpoint, d.cfg.QueueSize)
	var wg sync.WaitGroup
	for _, s := range []*stage{d.firstStage, d.retryStage} {
		wg.Add(1)
		go func() { defer wg.Done(); s.run(ctx) }()
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-d.fatal:
		cancel()
	}
	wg.Wait()
	d.disp.Wait()
	d.first.Close()
	d.retry.Close()
	return err
}

func (d *Deliverer) fail(err error) {
	d.fatalOnce.Do(func() { d.fatal <- err })
}

// Messages returns the webhook messages announcing a decoded canonical or
// lifecycle record; other records give none.
func Messages(record any) []Message {
	switch rec := record.(type) {
	case *schemas.SampleBatch:
		return SampleMessages(*rec)
	case *schemas.Workout:
		return WorkoutMessages(*rec)
	case *schemas.Sleep:
		return SleepMessages(*rec)
	case *schemas.Summary:
		return SummaryMessages(*rec)
	case *schemas.Lifecycle:
		return LifecycleMessages(*rec)
	}
	return nil
}

// processFirst starts the first attempt of every message of a canonical
// record to every matching endpoint.
func (d *Deliverer) processFirst(ctx context.Context, r *kgo.Record, done func()) {
	v, err := d.cfg.Serde.DecodeNew(r.Value)
	if err != nil {
		d.log.Error("cannot decode record for delivery; skipped", "topic", r.Topic, "offset", r.Offset, "err", err)
		done()
		return
	}
	var pending atomic.Int64
	pending.Store(1)
	finish := func() {
		if pending.Add(-1) == 0 {
			done()
		}
	}
	var ids []string
	for _, m := range Messages(v) {
		ids = ids[:0]
		d.cfg.Endpoints.Range(func(_ string, ep schemas.Endpoint) bool {
			if Matches(ep, m) {
				ids = append(ids, ep.ID)
			}
			return true
		})
		for _, id := range ids {
			pending.Add(1)
			d.submit(ctx, job{endpointID: id, msg: m, attempt: 1, trigger: TriggerScheduled, done: finish})
		}
	}
	finish()
}

// retryDue reads a retry record's due time from its header.
func (d *Deliverer) retryDue(r *kgo.Record) time.Time {
	for _, h := range r.Headers {
		if h.Key == dueHeader {
			if ms, err := strconv.ParseInt(string(h.Value), 10, 64); err == nil {
				return time.UnixMilli(ms)
			}
		}
	}
	var a schemas.Attempt
	if err := d.cfg.Serde.Decode(r.Value, &a); err != nil {
		return time.Time{}
	}
	return a.NextAttempt
}

// processRetry starts a due attempt from a retry tier.
func (d *Deliverer) processRetry(ctx context.Context, r *kgo.Record, done func()) {
	var a schemas.Attempt
	if err := d.cfg.Serde.Decode(r.Value, &a); err != nil {
		d.log.Error("cannot decode retry record; dead-lettered", "topic", r.Topic, "offset", r.Offset, "err", err)
		rec, derr := d.queue.deadLetterRecord(r, err, d.cfg.Now())
		if derr != nil {
			d.fail(derr)
			return
		}
		d.produce(ctx, []*kgo.Record{rec}, func() {
			metrics.DeadLetters.WithLabelValues(Stage, "decode").Inc()
			done()
		})
		return
	}
	d.submit(ctx, job{
		endpointID: a.EndpointID,
		msg:        Message{ID: a.MessageID, Type: a.EventType, Tenant: a.Tenant, UserID: a.UserID, Body: a.Payload},
		attempt:    max(a.Attempt, 1),
		trigger:    a.Trigger,
		deferrals:  a.Deferrals,
		done:       done,
	})
}

// submit hands j to its endpoint's queue, or defers it to a retry tier when
// the endpoint is busy.
func (d *Deliverer) submit(ctx context.Context, j job) {
	if d.disp.Submit(j) {
		return
	}
	if ctx.Err() != nil {
		return // shutting down: the record is delivered again
	}
	d.deferred.Add(1)
	j.deferrals++
	now := d.cfg.Now()
	a := schemas.Attempt{
		ID:          uuid.NewString(),
		MessageID:   j.msg.ID,
		Tenant:      j.msg.Tenant,
		EndpointID:  j.endpointID,
		UserID:      j.msg.UserID,
		EventType:   j.msg.Type,
		Attempt:     j.attempt,
		Trigger:     j.trigger,
		NextAttempt: now.Add(deferWait(j.deferrals)).UTC(),
		Payload:     j.msg.Body,
		Deferrals:   j.deferrals,
	}
	rec, err := d.queue.retryRecord(a, deferWait(j.deferrals))
	if err != nil {
		d.fail(err)
		return
	}
	d.produce(ctx, []*kgo.Record{rec}, j.done)
}

// perform makes one attempt: it sends the message to the endpoint as it is
// now (so deletes, disables and secret rotations apply), then produces the
// attempt to the delivery log and, when it failed and retries remain, the
// next attempt to its retry tier.
func (d *Deliverer) perform(ctx context.Context, j job) outcome {
	ep, ok := d.cfg.Endpoints.Get(j.endpointID)
	if !ok || ep.Disabled || ep.Tenant != j.msg.Tenant {
		j.done() // deleted or disabled since: the attempt is dropped
		return outcome{ok: true}
	}
	if withheld(d.cfg.Erasures, j.msg) {
		j.done() // the user was erased since: nothing is sent, nor logged
		return outcome{ok: true}
	}
	now := d.cfg.Now()
	secrets, err := EndpointSecrets(d.cfg.Box, ep, now)
	if err != nil {
		d.log.Error("cannot decrypt endpoint secret; attempt dropped", "endpoint", ep.ID, "err", err)
		j.done()
		return outcome{ok: true}
	}
	res := d.cfg.Sender.Send(ctx, ep.URL, secrets, j.msg, now)
	if ctx.Err() != nil {
		return outcome{} // shutting down: the record is delivered again
	}
	countAttempt(res)
	a := NewAttempt(ep.ID, j.msg, j.attempt, j.trigger, now, res)
	if j.attempt == 1 {
		a.Payload = j.msg.Body // kept once per message and endpoint, for resends
	}
	var recs []*kgo.Record
	if res.Success {
		d.sent.Add(1)
	} else {
		d.failed.Add(1)
		if j.trigger != TriggerManual {
			if delay, ok := RetryDelay(d.cfg.Schedule, int(j.attempt), d.cfg.Rand(), res); ok {
				a.NextAttempt = now.Add(delay).UTC()
				next := a
				next.ID = uuid.NewString()
				next.Attempt = j.attempt + 1
				next.Trigger = TriggerRetry
				next.Payload = j.msg.Body
				next.Deferrals = 0
				rec, err := d.queue.retryRecord(next, delay)
				if err != nil {
					d.fail(err)
					return outcome{}
				}
				recs = append(recs, rec)
			}
		}
	}
	logRec, err := d.queue.logRecord(a)
	if err != nil {
		d.fail(err)
		return outcome{}
	}
	recs = append(recs, logRec)
	d.trackHealth(ep, now, res)
	d.produce(ctx, recs, j.done)
	return outcome{ok: res.Success, duration: res.Duration}
}

// produce writes recs and calls done once Kafka acknowledged all of them.
// Kafka refusing one (after the producer's own retries) stops the consumer:
// the record is then delivered again by whoever consumes it next.
func (d *Deliverer) produce(ctx context.Context, recs []*kgo.Record, done func()) {
	var left atomic.Int64
	left.Store(int64(len(recs)))
	for _, rec := range recs {
		d.cfg.Producer.Produce(context.WithoutCancel(ctx), rec, func(r *kgo.Record, err error) {
			if err != nil {
				d.fail(fmt.Errorf("cannot write to %s: %w", r.Topic, err))
				return
			}
			if left.Add(-1) == 0 {
				done()
			}
		})
	}
}

// NewAttempt returns the delivery-log record of one attempt.
func NewAttempt(endpointID string, m Message, n int32, trigger string, at time.Time, res Result) schemas.Attempt {
	a := schemas.Attempt{
		ID:           uuid.NewString(),
		MessageID:    m.ID,
		Tenant:       m.Tenant,
		EndpointID:   endpointID,
		UserID:       m.UserID,
		EventType:    m.Type,
		Attempt:      n,
		Trigger:      trigger,
		StatusCode:   int32(res.StatusCode),
		Success:      res.Success,
		DurationMS:   res.Duration.Milliseconds(),
		ResponseBody: res.ResponseBody,
		AttemptedAt:  at.UTC(),
	}
	if res.Err != nil {
		a.Error = res.Err.Error()
	}
	return a
}

// EndpointSecrets returns the endpoint's signing secrets: the current one,
// and the previous one while its overlap window lasts.
func EndpointSecrets(box *secrets.Box, ep schemas.Endpoint, now time.Time) ([]string, error) {
	cur, err := box.Open(ep.SecretEnc, []byte(ep.ID))
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt the secret of endpoint %s: %w", ep.ID, err)
	}
	out := []string{string(cur)}
	if len(ep.SecretPrevEnc) > 0 && now.Before(ep.SecretPrevUntil) {
		prev, err := box.Open(ep.SecretPrevEnc, []byte(ep.ID))
		if err != nil {
			return nil, fmt.Errorf("cannot decrypt the previous secret of endpoint %s: %w", ep.ID, err)
		}
		out = append(out, string(prev))
	}
	return out, nil
}

// Queue writes webhook work and outcomes to Kafka: attempts to the delivery
// log, and attempts to make to the retry tiers.
type Queue struct {
	Producer *kgo.Client
	Serde    *schemas.Serde
	Topics   schemas.Topics
}

// ErrNoProducer is returned by a Queue without a producer.
var ErrNoProducer = errors.New("no kafka producer for webhook work")

func (q Queue) logRecord(a schemas.Attempt) (*kgo.Record, error) {
	value, err := q.Serde.Encode(a)
	if err != nil {
		return nil, fmt.Errorf("cannot encode attempt: %w", err)
	}
	return &kgo.Record{Topic: q.Topics.Deliveries(), Key: []byte(a.EndpointID), Value: value}, nil
}

// retryRecord is a record of the tier that fits wait, the time until
// a.NextAttempt.
func (q Queue) retryRecord(a schemas.Attempt, wait time.Duration) (*kgo.Record, error) {
	value, err := q.Serde.Encode(a)
	if err != nil {
		return nil, fmt.Errorf("cannot encode attempt: %w", err)
	}
	return &kgo.Record{
		Topic:   q.Topics.DeliveryRetry(TierFor(wait)),
		Key:     []byte(a.EndpointID),
		Value:   value,
		Headers: []kgo.RecordHeader{{Key: dueHeader, Value: strconv.AppendInt(nil, a.NextAttempt.UnixMilli(), 10)}},
	}, nil
}

// Stage names the delivery consumer in dead letters.
const Stage = "deliver"

// deadLetterRecord is the dead letter of r, a record the consumer cannot read.
func (q Queue) deadLetterRecord(r *kgo.Record, cause error, now time.Time) (*kgo.Record, error) {
	value, err := q.Serde.Encode(schemas.DeadLetter{
		Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value,
		Stage: Stage, Error: cause.Error(), FailedAt: now.UTC().Truncate(time.Millisecond),
	})
	if err != nil {
		return nil, fmt.Errorf("cannot encode dead letter: %w", err)
	}
	return &kgo.Record{Topic: q.Topics.DLQ(), Key: r.Key, Value: value}, nil
}

// Log writes one attempt to the delivery log and waits for Kafka.
func (q Queue) Log(ctx context.Context, a schemas.Attempt) error {
	if q.Producer == nil {
		return ErrNoProducer
	}
	rec, err := q.logRecord(a)
	if err != nil {
		return err
	}
	if err := q.Producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("cannot log attempt of %s: %w", a.MessageID, err)
	}
	return nil
}

// Enqueue hands messages for one endpoint to the "now" retry tier, to be
// attempted at once with trigger (TriggerManual or TriggerReplay), and
// waits for Kafka. Their webhook-ids are the messages' own.
func (q Queue) Enqueue(ctx context.Context, endpointID, trigger string, msgs []Message) error {
	if q.Producer == nil {
		return ErrNoProducer
	}
	recs := make([]*kgo.Record, 0, len(msgs))
	for _, m := range msgs {
		rec, err := q.retryRecord(schemas.Attempt{
			ID:         uuid.NewString(),
			MessageID:  m.ID,
			Tenant:     m.Tenant,
			EndpointID: endpointID,
			UserID:     m.UserID,
			EventType:  m.Type,
			Attempt:    1,
			Trigger:    trigger,
			Payload:    m.Body,
		}, 0)
		if err != nil {
			return err
		}
		recs = append(recs, rec)
	}
	if err := q.Producer.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("cannot queue %d messages for endpoint %s: %w", len(msgs), endpointID, err)
	}
	return nil
}
