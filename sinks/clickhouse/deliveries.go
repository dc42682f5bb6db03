package clickhouse

// The delivery log: every webhook delivery attempt from the deliveries topic
// goes into the deliveries table (migrations/0002_deliveries.sql), through
// the same Sink and Writer as the canonical records, so it is batched and
// committed the same way.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/wearstream/wearstream/schemas"
)

// AttemptColumns are the columns of the deliveries table, in insert order.
var AttemptColumns = []string{"tenant_id", "endpoint_id", "attempted_at", "attempted_ms", "id", "message_id", "user_id", "event_type", "attempt", "trigger", "status_code", "success", "error", "duration_ms", "response_body", "next_attempt_at", "payload"}

var attemptsInsert = "INSERT INTO deliveries (" + strings.Join(AttemptColumns, ", ") + ")"

// maxResponseBody is the most of a response body the log keeps.
const maxResponseBody = 4096

func (w *Writer) writeAttempts(ctx context.Context, attempts []schemas.Attempt) error {
	if len(attempts) == 0 {
		return nil
	}
	batch, err := w.conn.PrepareBatch(ctx, attemptsInsert)
	if err != nil {
		return fmt.Errorf("cannot prepare deliveries insert: %w", err)
	}
	defer abortUnsent(batch)
	for i := range attempts {
		a := &attempts[i]
		at := a.AttemptedAt.UTC()
		body := a.ResponseBody
		if len(body) > maxResponseBody {
			body = strings.ToValidUTF8(body[:maxResponseBody], "")
		}
		err := batch.Append(
			a.Tenant, a.EndpointID, at.Truncate(time.Second), uint16(at.Nanosecond()/int(time.Millisecond)),
			a.ID, a.MessageID, a.UserID, a.EventType, uint16(min(max(a.Attempt, 0), 65535)), a.Trigger,
			uint16(min(max(a.StatusCode, 0), 65535)), boolByte(a.Success), a.Error,
			uint32(min(max(a.DurationMS, 0), 1<<32-1)), body, orEpoch(a.NextAttempt), string(a.Payload),
		)
		if err != nil {
			return fmt.Errorf("cannot append attempt %s: %w", a.ID, err)
		}
	}
	if err := batch.Send(); err != nil {
		return fmt.Errorf("cannot insert %d delivery attempts: %w", len(attempts), err)
	}
	return nil
}

// orEpoch is t in UTC, or the Unix epoch for the zero time ("none").
func orEpoch(t time.Time) time.Time {
	if t.IsZero() || t.Before(minDateTime) {
		return minDateTime.UTC()
	}
	return t.UTC().Truncate(time.Second)
}

func checkAttempt(a *schemas.Attempt) error {
	if a.ID == "" || a.EndpointID == "" {
		return fmt.Errorf("%w: attempt without id or endpoint_id", ErrInvalid)
	}
	if err := checkTime("attempted_at", a.AttemptedAt); err != nil {
		return fmt.Errorf("attempt %s: %w", a.ID, err)
	}
	if !a.NextAttempt.IsZero() && !a.NextAttempt.Before(maxDateTime) {
		return fmt.Errorf("%w: attempt %s: next_attempt_at after 2106", ErrInvalid, a.ID)
	}
	return nil
}

// DeliveriesReady is a readiness check of the delivery log table.
func DeliveriesReady(ctx context.Context, conn driver.Conn) error {
	var exists uint8
	if err := conn.QueryRow(ctx, "EXISTS TABLE deliveries").Scan(&exists); err != nil {
		return fmt.Errorf("cannot check the deliveries table: %w", err)
	}
	if exists != 1 {
		return fmt.Errorf("table deliveries is missing (run wearstream migrate)")
	}
	return nil
}
