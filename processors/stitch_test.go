package processors_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// TestSleepStitchedAcrossUploadsAndRestarts: the two halves of a night
// arrive in two uploads, processed by two processor instances one after
// the other; the second reads the first's state back from the changelog
// and extends the same session.
func TestSleepStitchedAcrossUploadsAndRestarts(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	user := uuid.NewString()
	received := time.Date(2026, 1, 14, 7, 0, 0, 0, time.UTC)
	produce := func(segments string) {
		t.Helper()
		body := fmt.Sprintf(`{"provider":"apple","data":{"sleep":[%s]}}`, segments)
		received = received.Add(time.Minute)
		raw := schemas.RawEvent{ID: uuid.NewString(), ReceivedAt: received, Tenant: "t", Provider: "apple", Kind: "sdk", UserID: user, Body: []byte(body), Parts: 1}
		v, err := env.Serde.Encode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := env.Producer.ProduceSync(context.Background(), &kgo.Record{Topic: env.Topics.Raw("apple"), Key: []byte(user), Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	run := func() func() {
		p, err := processors.New(processors.Config{Brokers: env.Brokers, Topics: env.Topics, Serde: env.Serde, Logger: testenv.Logger(t)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		return func() { cancel(); <-done }
	}
	src := `"source":{"bundleIdentifier":"com.apple.health.watch"}`

	produce(`{"stage":"light","startDate":"2026-01-13T23:00:00Z","endDate":"2026-01-14T00:30:00Z",` + src + `},` +
		`{"stage":"deep","startDate":"2026-01-14T00:30:00Z","endDate":"2026-01-14T01:00:00Z",` + src + `}`)
	stop := run()
	first := decodeSleep(t, env.Serde, consume(t, env.Brokers, map[string]int{env.Topics.Sleep(): 1})[env.Topics.Sleep()])
	stop()

	produce(`{"stage":"rem","startDate":"2026-01-14T01:30:00Z","endDate":"2026-01-14T02:30:00Z",` + src + `},` +
		`{"stage":"light","startDate":"2026-01-14T02:30:00Z","endDate":"2026-01-14T06:00:00Z",` + src + `}`)
	stop = run()
	defer stop()
	got := decodeSleep(t, env.Serde, consume(t, env.Brokers, map[string]int{env.Topics.Sleep(): 2})[env.Topics.Sleep()])
	if len(first) != 1 || len(got) != 2 {
		t.Fatalf("sleep records: first %d, then %d", len(first), len(got))
	}
	a, b := got[0], got[1]
	if a.ID != b.ID || b.Version <= a.Version || b.Deleted {
		t.Fatalf("the second upload must update the same session: %s v%d, then %s v%d", a.ID, a.Version, b.ID, b.Version)
	}
	if b.EndTime.Sub(b.StartTime) != 7*time.Hour || b.Stages == nil || b.Stages.RemMinutes != 60 || b.Stages.DeepMinutes != 30 {
		t.Fatalf("stitched session %+v", b)
	}
	// The state is in the changelog, keyed by provider and user.
	log := consume(t, env.Brokers, map[string]int{env.Topics.State(schemas.StateSleepOpen): 2})[env.Topics.State(schemas.StateSleepOpen)]
	if string(log[1].Key) != "apple/"+user || log[1].Partition != log[0].Partition {
		t.Fatalf("changelog key %q", log[1].Key)
	}
}

func decodeSleep(t *testing.T, serde *schemas.Serde, recs []*kgo.Record) []schemas.Sleep {
	t.Helper()
	var out []schemas.Sleep
	for _, r := range recs {
		var s schemas.Sleep
		if err := serde.Decode(r.Value, &s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
