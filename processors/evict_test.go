package processors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// TestEvictionForgetsTheOldest tracks at most 10 records: 15 workouts in one
// upload leave the 9 newest tracked and write tombstones of the 6 oldest
// to the changelog; after a restart, the oldest workout sent again unchanged
// is emitted as created again (it was forgotten), the newest is not
// emitted at all (it is still known).
func TestEvictionForgetsTheOldest(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	user := uuid.NewString()
	produce := rawProducer(t, st, user)
	start := time.Date(2026, 2, 1, 6, 0, 0, 0, time.UTC)
	workout := func(i int) schemas.Workout {
		id := fmt.Sprintf("w%02d", i)
		at := start.Add(time.Duration(i) * 24 * time.Hour)
		return schemas.Workout{
			ID: schemas.RecordID("t", user, "apple", "workout", id), Tenant: "t", UserID: user,
			Source: schemas.Source{Provider: "apple", ID: "apple:watch"}, ProviderRecordID: id, Type: "running",
			StartTime: at, EndTime: at.Add(time.Hour), DurationSeconds: 3600, Version: 1, IngestedAt: at,
		}
	}
	body := func(ws ...schemas.Workout) []byte {
		b, err := json.Marshal(ws)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var all []schemas.Workout
	for i := range 15 {
		all = append(all, workout(i))
	}
	produce(workoutsFormat, body(all...))
	run := func() (*processors.Processor, func()) {
		p, err := processors.New(processors.Config{Brokers: env.Brokers, Topics: env.Topics, Serde: env.Serde,
			Logger: testenv.Logger(t), MaxTrackedRecords: 10})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		return p, func() { cancel(); <-done }
	}
	_, stop := run()
	waitConsumed(t, st)
	stop()

	tombstones, live := 0, map[string]bool{}
	for _, r := range committed(t, env.Brokers, env.Topics.State(schemas.StateRecords)) {
		if r.Value == nil {
			tombstones++
			delete(live, string(r.Key))
		} else {
			live[string(r.Key)] = true
		}
	}
	if tombstones != 6 || len(live) != 9 {
		t.Fatalf("changelog has %d tombstones and %d live records, want 6 and 9", tombstones, len(live))
	}

	produce(workoutsFormat, body(all[0], all[14]))
	p, stop := run()
	defer stop()
	waitConsumed(t, st)
	got := decodeWorkouts(t, env.Serde, committed(t, env.Brokers, env.Topics.Workouts()))
	if len(got) != 16 {
		t.Fatalf("%d workout records, want 15 and the forgotten one again", len(got))
	}
	if again := got[15]; again.ID != all[0].ID || again.Change != schemas.ChangeCreated {
		t.Fatalf("last record = %s %s, want %s created", again.ProviderRecordID, again.Change, all[0].ProviderRecordID)
	}
	if n := p.Stats().Unchanged.Load(); n != 1 {
		t.Fatalf("%d unchanged, want 1 (the newest workout, still tracked)", n)
	}
}
