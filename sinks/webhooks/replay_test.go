package webhooks

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wearstream/wearstream/schemas"
)

func TestRecoverReplaysWithIdenticalIDs(t *testing.T) {
	b := newBench(t)
	h := newHook(t, nil)
	other := newHook(t, nil)
	ep, _ := b.endpoint("acme", h.srv.URL, "workout.created")
	b.endpoint("acme", other.srv.URL)
	since := time.Now().Add(-time.Minute)
	b.deliverer(DelivererConfig{})
	var want []string
	for _, id := range []string{"r-1", "r-2", "r-3"} {
		want = append(want, WorkoutMessages(b.workout("acme", id))[0].ID)
	}
	b.workout("globex", "r-other") // another tenant's: never recovered to ep
	waitFor(t, "the first deliveries", func() bool { return h.count() >= 3 && other.count() >= 3 })
	first := h.deliveries()

	env := b.st.Env
	rc := &Recoverer{Brokers: env.Brokers, Topics: env.Topics, Serde: env.Serde,
		Queue: Queue{Producer: env.Producer, Serde: env.Serde, Topics: env.Topics}}
	if _, err := rc.Recover(context.Background(), ep, time.Now(), since); !errors.Is(err, ErrRecoverRange) {
		t.Fatalf("Recover with until before since: %v, want ErrRecoverRange", err)
	}
	n, err := rc.Recover(context.Background(), ep, since, time.Now().Add(time.Minute))
	if err != nil || n != 3 {
		t.Fatalf("Recover = %d, %v; want 3 messages", n, err)
	}
	waitFor(t, "the replayed deliveries", func() bool { return h.count() >= 6 })

	got := h.deliveries()
	bodies := map[string]string{}
	for _, d := range first {
		bodies[d.id] = string(d.body)
	}
	for _, d := range got[3:] {
		if body, ok := bodies[d.id]; !ok || body != string(d.body) {
			t.Fatalf("replayed %s is not an original message with its original body", d.id)
		}
	}
	for _, id := range want {
		if _, ok := bodies[id]; !ok {
			t.Fatalf("message %s was not delivered", id)
		}
	}
	log := b.attempts(func(as []schemas.Attempt) bool {
		replays := 0
		for _, a := range as {
			if a.Trigger == TriggerReplay && a.EndpointID == ep.ID && a.Success {
				replays++
			}
		}
		return replays == 3
	})
	_ = log
	if other.count() != 3 {
		t.Fatalf("the other endpoint got %d deliveries, want its 3 only", other.count())
	}
}
