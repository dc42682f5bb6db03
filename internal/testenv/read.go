package testenv

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/schemas"
)

// DeadLetters reads the dead-letter topic to its current end.
func (s *Stack) DeadLetters(tb testing.TB) []schemas.DeadLetter {
	tb.Helper()
	env := s.Env
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ends, err := kadm.NewClient(env.Producer).ListEndOffsets(ctx, env.Topics.DLQ())
	if err != nil {
		tb.Fatalf("cannot list dead-letter offsets: %v", err)
	}
	var want int64
	ends.Each(func(o kadm.ListedOffset) { want += o.Offset })
	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.ConsumeTopics(env.Topics.DLQ()),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		tb.Fatal(err)
	}
	defer cl.Close()
	var out []schemas.DeadLetter
	for int64(len(out)) < want {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			tb.Fatalf("read %d of %d dead letters", len(out), want)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			var dl schemas.DeadLetter
			if err := env.Serde.Decode(r.Value, &dl); err != nil {
				tb.Fatalf("cannot decode dead letter: %v", err)
			}
			out = append(out, dl)
		})
	}
	return out
}

// Committed returns group's committed offset of topic's partition, or -1
// when it committed none.
func (s *Stack) Committed(tb testing.TB, group, topic string, partition int32) int64 {
	tb.Helper()
	resp, err := kadm.NewClient(s.Env.Producer).FetchOffsets(context.Background(), group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		return -1
	}
	if err != nil {
		tb.Fatalf("cannot fetch the offsets of %s: %v", group, err)
	}
	o, ok := resp.Lookup(topic, partition)
	if !ok || o.Err != nil {
		return -1
	}
	return o.At
}

// WaitFor polls cond until it holds, failing after a generous deadline:
// tests never assert on time.
func WaitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
