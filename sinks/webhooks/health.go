package webhooks

// An endpoint that fails every attempt for DisableAfter (five days, as Svix)
// is disabled. The failure streak lives in the compacted endpoint-health
// table, apart from the endpoint itself, so that a delivery consumer never
// overwrites an edit made through the API: it is written when a streak
// starts and when a success ends it, not on every failure. Disabling sets
// the endpoint's Disabled flag, writes an endpoint.disabled lifecycle event
// and a "system" entry in the delivery log. Re-enabling the endpoint through
// the API clears the streak, and deliveries resume with the next event.
// The event and the log entry are written before the flag: an endpoint is
// never off without its record. If the flag cannot be written, the next
// failed attempt disables it again, with an event of the same id.

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/schemas"
)

// healthWriteTimeout bounds one write to the health or endpoint table.
const healthWriteTimeout = 30 * time.Second

// EventEndpointDisabled is the lifecycle event of an endpoint disabled for
// failing continuously. It is recorded in the lifecycle topic and the
// delivery log; it is not a catalog event, so it is not sent as a webhook.
const EventEndpointDisabled = "endpoint.disabled"

// trackHealth records the start and end of an endpoint's failure streak and
// disables the endpoint when the streak lasted DisableAfter.
func (d *Deliverer) trackHealth(ep schemas.Endpoint, now time.Time, res Result) {
	if d.cfg.Health == nil {
		return
	}
	h, has := d.cfg.Health.Get(ep.ID)
	failing := has && !h.FailingSince.IsZero()
	var write func(ctx context.Context) error
	switch {
	case res.Success && failing:
		write = func(ctx context.Context) error { return d.cfg.Health.Delete(ctx, ep.ID) }
	case res.Success:
		return
	case !failing:
		h = schemas.EndpointHealth{EndpointID: ep.ID, FailingSince: now.UTC(), LastFailure: now.UTC()}
		if res.Err != nil {
			h.LastError = res.Err.Error()
		}
		write = func(ctx context.Context) error { return d.cfg.Health.Put(ctx, ep.ID, h) }
	case now.Sub(h.FailingSince) >= d.cfg.DisableAfter:
		write = func(ctx context.Context) error { return d.disable(ctx, ep.ID, h, now, res) }
	default:
		return
	}
	d.healthMu.Lock()
	if d.healthBusy[ep.ID] {
		d.healthMu.Unlock()
		return // another attempt's write for this endpoint is under way
	}
	d.healthBusy[ep.ID] = true
	d.healthMu.Unlock()
	go func() {
		defer func() {
			d.healthMu.Lock()
			delete(d.healthBusy, ep.ID)
			d.healthMu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), healthWriteTimeout)
		defer cancel()
		if err := write(ctx); err != nil {
			d.log.Warn("cannot record endpoint health", "endpoint", ep.ID, "err", err)
		}
	}()
}

// disable turns the endpoint off and records why.
func (d *Deliverer) disable(ctx context.Context, id string, h schemas.EndpointHealth, now time.Time, res Result) error {
	ep, ok := d.cfg.Endpoints.Get(id)
	if !ok || ep.Disabled {
		return nil
	}
	reason := fmt.Sprintf("every delivery failed since %s", h.FailingSince.UTC().Format(time.RFC3339))

	ev := schemas.Lifecycle{
		ID:         schemas.NameID(EventEndpointDisabled, ep.ID, h.FailingSince.UTC().Format(time.RFC3339Nano)),
		Tenant:     ep.Tenant,
		Type:       EventEndpointDisabled,
		OccurredAt: now.UTC(),
		Reason:     reason,
		EndpointID: ep.ID,
	}
	if res.Err != nil {
		ev.Error = res.Err.Error()
	}
	value, err := d.cfg.Serde.Encode(ev)
	if err != nil {
		return fmt.Errorf("cannot encode %s event: %w", EventEndpointDisabled, err)
	}
	logged := schemas.Attempt{
		ID:          uuid.NewString(),
		MessageID:   "msg_" + ev.ID,
		Tenant:      ep.Tenant,
		EndpointID:  ep.ID,
		EventType:   EventEndpointDisabled,
		Trigger:     TriggerSystem,
		Error:       "endpoint disabled: " + reason,
		AttemptedAt: now.UTC(),
	}
	logRec, err := d.queue.logRecord(logged)
	if err != nil {
		return err
	}
	lifecycle := &kgo.Record{Topic: d.cfg.Topics.Lifecycle(), Key: []byte(ep.ID), Value: value}
	if err := d.cfg.Producer.ProduceSync(ctx, lifecycle, logRec).FirstErr(); err != nil {
		return fmt.Errorf("cannot record that endpoint %s is disabled: %w", ep.ID, err)
	}
	ep.Disabled = true
	ep.UpdatedAt = now.UTC().Truncate(time.Millisecond)
	if err := d.cfg.Endpoints.Put(ctx, ep.ID, ep); err != nil {
		return fmt.Errorf("cannot disable endpoint %s: %w", ep.ID, err)
	}
	endpointsDisabled.Inc()
	d.log.Warn("endpoint disabled", "endpoint", ep.ID, "tenant", ep.Tenant, "reason", reason)
	return nil
}
