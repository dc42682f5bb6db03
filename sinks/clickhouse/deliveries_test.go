package clickhouse

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

func TestWriteAttempts(t *testing.T) {
	conn := newDatabase(t, true)
	ctx := context.Background()
	at := time.Date(2026, 3, 1, 12, 0, 0, 250*int(time.Millisecond), time.UTC)
	attempts := []schemas.Attempt{
		{ID: "a-1", MessageID: "msg_1", Tenant: "acme", EndpointID: "ep_1", UserID: testUser, EventType: "workout.created",
			Attempt: 1, Trigger: "scheduled", StatusCode: 500, Error: "endpoint answered 500", DurationMS: 12,
			ResponseBody: strings.Repeat("x", 5000), AttemptedAt: at, NextAttempt: at.Add(5 * time.Second), Payload: []byte(`{"type":"workout.created"}`)},
		{ID: "a-2", MessageID: "msg_1", Tenant: "acme", EndpointID: "ep_1", UserID: testUser, EventType: "workout.created",
			Attempt: 2, Trigger: "retry", StatusCode: 204, Success: true, DurationMS: 3, AttemptedAt: at.Add(5 * time.Second)},
	}
	w := NewWriter(conn)
	for range 2 { // the second write is a re-delivery and collapses
		if err := w.Write(ctx, Rows{Attempts: attempts}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, conn, "SELECT count() FROM deliveries FINAL"); n != 2 {
		t.Fatalf("%d attempts under FINAL, want 2", n)
	}
	var (
		ms            uint16
		body, payload string
		next          time.Time
		success, code uint16
	)
	row := conn.QueryRow(ctx, "SELECT attempted_ms, response_body, payload, next_attempt_at, toUInt16(success), status_code FROM deliveries FINAL WHERE id = 'a-1'")
	if err := row.Scan(&ms, &body, &payload, &next, &success, &code); err != nil {
		t.Fatal(err)
	}
	if ms != 250 || len(body) != 4096 || payload != `{"type":"workout.created"}` || !next.Equal(at.Add(5*time.Second).Truncate(time.Second)) || success != 0 || code != 500 {
		t.Fatalf("attempt 1 row: ms %d, body %d bytes, payload %q, next %v, success %d, code %d", ms, len(body), payload, next, success, code)
	}
	if err := row.Err(); err != nil {
		t.Fatal(err)
	}
	var none time.Time
	if err := conn.QueryRow(ctx, "SELECT next_attempt_at FROM deliveries FINAL WHERE id = 'a-2'").Scan(&none); err != nil || none.Unix() != 0 {
		t.Fatalf("next_attempt_at without a retry = %v, %v; want the epoch", none, err)
	}
	if n := count(t, conn, "SELECT count() FROM system.columns WHERE database = currentDatabase() AND table = 'deliveries' AND comment = ''"); n != 0 {
		t.Fatalf("%d columns of deliveries without a comment", n)
	}
	if err := DeliveriesReady(ctx, conn); err != nil {
		t.Fatal(err)
	}
}
