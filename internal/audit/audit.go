// Package audit writes the audit log: one schemas.AuditEvent per change to a
// tenant's configuration (API keys, applications, webhook endpoints, users,
// tenants, erasures), produced to the audit topic keyed by tenant and waited
// for, so that a change answered as made is on the log. The ClickHouse sink
// copies the topic into the audit_log table, which GET /api/v1/audit reads.
// Secrets never go into an event: Detail names the changed fields and their
// new values for fields that are not secret.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/schemas"
)

// ActorCLI is the actor of changes made with `wearstream admin`.
const ActorCLI = "cli"

// Change is one change to record.
type Change struct {
	Tenant        string
	Actor         string
	Action        string
	TargetType    string
	TargetID      string
	Detail        map[string]any
	ClientAddress string
}

// Event turns a change made at "at" into its audit event.
func (c Change) Event(at time.Time) schemas.AuditEvent {
	detail := "{}"
	if len(c.Detail) > 0 {
		if b, err := json.Marshal(c.Detail); err == nil {
			detail = string(b)
		}
	}
	return schemas.AuditEvent{
		ID: uuid.NewString(), At: at.UTC().Truncate(time.Millisecond), Tenant: c.Tenant, Actor: c.Actor,
		Action: c.Action, TargetType: c.TargetType, TargetID: c.TargetID, Detail: detail, ClientAddress: c.ClientAddress,
	}
}

// Record produces the change's event and waits for Kafka's acknowledgement.
func Record(ctx context.Context, env *app.Env, c Change, at time.Time) error {
	ev := c.Event(at)
	value, err := env.Serde.Encode(ev)
	if err != nil {
		return fmt.Errorf("cannot encode audit event: %w", err)
	}
	rec := &kgo.Record{Topic: env.Topics.Audit(), Key: []byte(ev.Tenant), Value: value}
	if err := env.Producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("cannot produce audit event %s: %w", ev.Action, err)
	}
	return nil
}
