package processors_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	_ "github.com/wearstream/wearstream/ingest/sdk"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// TestProcessorNormalisesAndDeadLetters runs a real processor on kfake: a
// good SDK body becomes canonical records, a broken one becomes a dead letter
// with the reason, and the partition moves on past it.
func TestProcessorNormalisesAndDeadLetters(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	body, err := os.ReadFile("testdata/sdk_sync_healthkit.json")
	if err != nil {
		t.Fatal(err)
	}
	user := uuid.NewString()
	produce := func(body []byte) {
		raw := schemas.RawEvent{ID: uuid.NewString(), ReceivedAt: time.Now().UTC(), Tenant: "t", Provider: "apple", Kind: "sdk", UserID: user, Body: body, Parts: 1}
		v, err := env.Serde.Encode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Producer.ProduceSync(context.Background(), &kgo.Record{Topic: env.Topics.Raw("apple"), Key: []byte(user), Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	produce([]byte(`{"provider": "apple", "data": {"records": [`)) // truncated: cannot be parsed
	produce(body)
	// A record that is not even a RawEvent.
	if err := env.Producer.ProduceSync(context.Background(), &kgo.Record{Topic: env.Topics.Raw("apple"), Key: []byte(user), Value: []byte("garbage")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	p, err := processors.New(processors.Config{Brokers: env.Brokers, Topics: env.Topics, Serde: env.Serde, Logger: testenv.Logger(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()

	got := consume(t, env.Brokers, map[string]int{env.Topics.DLQ(): 2, env.Topics.Workouts(): 3, env.Topics.Sleep(): 1})
	var reasons []string
	for _, r := range got[env.Topics.DLQ()] {
		var dl schemas.DeadLetter
		if err := env.Serde.Decode(r.Value, &dl); err != nil {
			t.Fatal(err)
		}
		if dl.Topic != env.Topics.Raw("apple") || dl.Stage != processors.Stage || len(dl.Value) == 0 {
			t.Fatalf("dead letter = %+v", dl)
		}
		reasons = append(reasons, dl.Error)
	}
	if !strings.Contains(strings.Join(reasons, "|"), "cannot normalise apple event") {
		t.Fatalf("dead letter reasons %q do not say what failed", reasons)
	}
	for _, r := range got[env.Topics.Workouts()] {
		if string(r.Key) != user {
			t.Fatalf("workout keyed %q, want the user id", r.Key)
		}
	}
	if n := p.Stats().Skipped.Load(); n != 1 {
		t.Fatalf("%d input items skipped, want 1 (the fixture's unknown HealthKit type)", n)
	}
}

// consume reads with read_committed until each topic has its count.
func consume(t *testing.T, brokers []string, want map[string]int) map[string][]*kgo.Record {
	t.Helper()
	var topics []string
	for topic := range want {
		topics = append(topics, topic)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got := map[string][]*kgo.Record{}
	for {
		enough := true
		for topic, n := range want {
			enough = enough && len(got[topic]) >= n
		}
		if enough {
			return got
		}
		f := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("timed out; got %v of %v", counts(got), want)
		}
		f.EachRecord(func(r *kgo.Record) { got[r.Topic] = append(got[r.Topic], r) })
	}
}

func counts(got map[string][]*kgo.Record) map[string]int {
	out := map[string]int{}
	for k, v := range got {
		out[k] = len(v)
	}
	return out
}
