package jobs

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/schemas"
)

// lifecycleEvents reads the lifecycle topic to its end.
func lifecycleEvents(t *testing.T, st *testenv.Stack) []schemas.Lifecycle {
	t.Helper()
	env := st.Env
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(env.Topics.Lifecycle()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []schemas.Lifecycle
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		fetches := cl.PollFetches(ctx)
		cancel()
		if fetches.NumRecords() == 0 {
			return out
		}
		fetches.EachRecord(func(r *kgo.Record) {
			var ev schemas.Lifecycle
			if err := env.Serde.Decode(r.Value, &ev); err != nil {
				t.Fatal(err)
			}
			out = append(out, ev)
		})
	}
}

// countEvents counts the events of type typ, and their distinct ids.
func countEvents(evs []schemas.Lifecycle, typ string) (n, ids int) {
	seen := map[string]bool{}
	for _, ev := range evs {
		if ev.Type == typ {
			n++
			seen[ev.ID] = true
		}
	}
	return n, len(seen)
}

// A revoke whose connection.revoked event Kafka refuses leaves the
// connection active, so that running the revoke again produces the event;
// a connection is never revoked without its event.
func TestRevokeIsRecordedBeforeTheConnectionEnds(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	ctx := context.Background()
	key := schemas.ConnectionKey("acme", "user-1", testProvider)
	now := time.Now().UTC().Truncate(time.Millisecond)
	if err := env.Tables.Connections.Put(ctx, key, schemas.Connection{
		ID: "conn-1", Tenant: "acme", UserID: "user-1", Provider: testProvider, Status: schemas.ConnectionActive,
		Scopes: []string{}, CreatedAt: now, UpdatedAt: now,
	}); err != nil {
		t.Fatal(err)
	}
	refusal := st.RefuseProduce(t, env.Topics.Lifecycle(), kerr.PolicyViolation, 1)
	if _, err := Revoke(ctx, env, key, ReasonDeregistration, time.Now()); err == nil {
		t.Fatal("Revoke succeeded while Kafka refused its event")
	}
	if c, _ := env.Tables.Connections.Get(key); c.Status != schemas.ConnectionActive {
		t.Fatalf("connection %s although its connection.revoked was refused", c.Status)
	}
	if _, err := Revoke(ctx, env, key, ReasonDeregistration, time.Now()); err != nil {
		t.Fatal(err)
	}
	if c, _ := env.Tables.Connections.Get(key); c.Status != schemas.ConnectionRevoked {
		t.Fatalf("connection %s after the revoke", c.Status)
	}
	if n, _ := countEvents(lifecycleEvents(t, st), schemas.EventConnectionRevoked); n != 1 || refusal.Count() != 1 {
		t.Fatalf("connection.revoked events = %d (refused %d), want 1", n, refusal.Count())
	}
}

// A run whose sync.completed Kafka refuses stays in progress, so that the
// job finishing it runs again and produces the event; the event a retry
// repeats keeps its id.
func TestRunIsRecordedAsEndedOnlyWithItsEvent(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	job := schemas.IngestJob{Tenant: "acme", UserID: "user-1", Provider: testProvider, Kind: "poll", RunID: NewRunID()}
	if err := saveRun(ctx, env, runOf(env, job, now), schemas.EventSyncStarted); err != nil {
		t.Fatal(err)
	}
	refusal := st.RefuseProduce(t, env.Topics.Lifecycle(), kerr.PolicyViolation, 1)
	if err := finishRun(ctx, env, runOf(env, job, now), 3, now, nil); err == nil {
		t.Fatal("finishRun succeeded while Kafka refused sync.completed")
	}
	if r := runOf(env, job, now); r.Status != runInProgress {
		t.Fatalf("run %s although its sync.completed was refused", r.Status)
	}
	if err := finishRun(ctx, env, runOf(env, job, now), 3, now, nil); err != nil {
		t.Fatal(err)
	}
	if r := runOf(env, job, now); r.Status != runSuccess || r.ItemsProcessed != 3 {
		t.Fatalf("run = %s with %d items after finishing", r.Status, r.ItemsProcessed)
	}
	if n, ids := countEvents(lifecycleEvents(t, st), schemas.EventSyncCompleted); n != 1 || ids != 1 || refusal.Count() != 1 {
		t.Fatalf("sync.completed events = %d with %d ids (refused %d), want 1", n, ids, refusal.Count())
	}
}
