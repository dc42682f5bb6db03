package processors_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// TestRestartAbortsThePredecessorsTransaction leaves a processor dead in
// the middle of its transaction (the broker never answers its EndTxn, as
// after a kill -9 between the offsets and the commit) and starts its
// successor under the same instance id. The successor must abort that
// transaction at once by fencing the predecessor's transactional id: until
// it does, the group's offsets are unstable and no member may consume, and
// the broker would only abort it after the 60 s transaction timeout.
func TestRestartAbortsThePredecessorsTransaction(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	cluster := st.Kafka.Cluster()
	stuck := make(chan struct{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the broker closes
	// Every EndTxn of the first producer id and epoch is held, retries
	// included: that producer never finishes its transaction.
	var mu sync.Mutex
	heldID, heldEpoch := int64(-1), int16(-1)
	cluster.ControlKey(kmsg.EndTxn.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		r := req.(*kmsg.EndTxnRequest)
		mu.Lock()
		if heldID < 0 {
			heldID, heldEpoch = r.ProducerID, r.ProducerEpoch
			close(stuck)
		}
		hold := r.ProducerID == heldID && r.ProducerEpoch == heldEpoch
		mu.Unlock()
		if hold {
			cluster.SleepControl(func() { <-release })
		}
		return nil, nil, false
	})

	user := uuid.NewString()
	produce := rawProducer(t, st, user)
	start := time.Date(2026, 1, 14, 6, 0, 0, 0, time.UTC)
	workout := func(id string, at time.Time) schemas.Workout {
		return schemas.Workout{
			ID: schemas.RecordID("t", user, "apple", "workout", id), Tenant: "t", UserID: user,
			Source: schemas.Source{Provider: "apple", ID: "apple:watch"}, ProviderRecordID: id, Type: "running",
			StartTime: at, EndTime: at.Add(time.Hour), DurationSeconds: 3600, Version: 1, IngestedAt: at,
		}
	}
	run := func() {
		p, err := processors.New(processors.Config{Brokers: env.Brokers, Topics: env.Topics, Serde: env.Serde, Logger: testenv.Logger(t), InstanceID: "fenced"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go func() { _ = p.Run(ctx) }()
	}

	produce(workoutsFormat, encodeJSON(t, []schemas.Workout{workout("w1", start)}))
	run() // the predecessor: it stays stuck in EndTxn, as if dead
	select {
	case <-stuck:
	case <-time.After(60 * time.Second):
		t.Fatal("the first processor never ended a transaction")
	}
	run() // its successor, under the same instance id
	produce(workoutsFormat, encodeJSON(t, []schemas.Workout{workout("w2", start.Add(2*time.Hour))}))

	// Both workouts, once each, well before the predecessor's transaction
	// would have timed out.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if got := committed(t, env.Brokers, env.Topics.Workouts()); len(got) >= 2 {
			if len(got) != 2 {
				t.Fatalf("%d workouts committed, want 2", len(got))
			}
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the successor did not process within 30 s: the predecessor's transaction still blocks the group")
}
