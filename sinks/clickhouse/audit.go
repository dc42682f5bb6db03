package clickhouse

// The audit log: every AuditEvent from the audit topic goes into the
// audit_log table (migrations/0007_audit_log.sql), through the same Sink and
// Writer as the canonical records.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

// AuditColumns are the columns of the audit_log table, in insert order.
var AuditColumns = []string{"tenant_id", "at", "at_ms", "id", "actor", "action", "target_type", "target_id", "detail", "client_address"}

var auditInsert = "INSERT INTO audit_log (" + strings.Join(AuditColumns, ", ") + ")"

func (w *Writer) writeAudit(ctx context.Context, events []schemas.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	batch, err := w.conn.PrepareBatch(ctx, auditInsert)
	if err != nil {
		return fmt.Errorf("cannot prepare audit_log insert: %w", err)
	}
	defer abortUnsent(batch)
	for i := range events {
		e := &events[i]
		at := e.At.UTC()
		err := batch.Append(e.Tenant, at.Truncate(time.Second), uint16(at.Nanosecond()/int(time.Millisecond)),
			e.ID, e.Actor, e.Action, e.TargetType, e.TargetID, e.Detail, e.ClientAddress)
		if err != nil {
			return fmt.Errorf("cannot append audit event %s: %w", e.ID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert %d audit events: %w", len(events), err)
	}
	return nil
}

func checkAudit(e *schemas.AuditEvent) error {
	if e.ID == "" || e.Tenant == "" || e.Action == "" {
		return fmt.Errorf("%w: audit event without id, tenant or action", ErrInvalid)
	}
	if err := checkTime("at", e.At); err != nil {
		return fmt.Errorf("audit event %s: %w", e.ID, err)
	}
	return nil
}
