package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func startKafka(t *testing.T, opts KafkaOptions) *Kafka {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	k, err := StartKafka(opts)
	if err != nil {
		t.Fatalf("StartKafka() = %v", err)
	}
	t.Cleanup(k.Close)
	return k
}

func newClient(t *testing.T, k *Kafka, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(k.Addrs()...)}, opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient() = %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func TestKafkaKeepsRecordsAndOffsetsAcrossRestart(t *testing.T) {
	ctx := testContext(t)
	dir := t.TempDir()
	const topic, group, n = "readings", "sink", 100

	k := startKafka(t, KafkaOptions{DataDir: dir})
	addr := k.Addrs()[0]
	cl := newClient(t, k)
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 3, 1, nil, topic); err != nil {
		t.Fatalf("CreateTopic() = %v", err)
	}
	for i := range n {
		r := &kgo.Record{Topic: topic, Key: []byte(fmt.Sprintf("user-%d", i%7)), Value: []byte(fmt.Sprintf("reading-%03d", i))}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatalf("ProduceSync() = %v", err)
		}
	}

	consumer := newClient(t, k, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic), kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if got := consumeValues(t, ctx, consumer, n); len(got) != n {
		t.Fatalf("consumed %d records, want %d", len(got), n)
	}
	if err := consumer.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("CommitUncommittedOffsets() = %v", err)
	}
	consumer.Close()
	cl.Close()
	k.Close()

	k = startKafka(t, KafkaOptions{Addr: addr, DataDir: dir})
	if got := k.Addrs()[0]; got != addr {
		t.Fatalf("restarted on %s, want %s", got, addr)
	}
	adm := kadm.NewClient(newClient(t, k))
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatalf("FetchOffsets() = %v", err)
	}
	var sum int64
	committed.Each(func(o kadm.OffsetResponse) { sum += o.At })
	if sum != n {
		t.Fatalf("committed offsets sum to %d after restart, want %d", sum, n)
	}

	reader := newClient(t, k, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	got := consumeValues(t, ctx, reader, n)
	for i := range n {
		if v := fmt.Sprintf("reading-%03d", i); !got[v] {
			t.Fatalf("record %q is missing after restart", v)
		}
	}
}

// consumeValues polls cl until it has n records and returns their values.
func consumeValues(t *testing.T, ctx context.Context, cl *kgo.Client, n int) map[string]bool {
	t.Helper()
	got := map[string]bool{}
	for count := 0; count < n; {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records: %v", count, n, err)
		}
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			got[string(r.Value)] = true
			count++
		})
	}
	return got
}

func TestKafkaAddresses(t *testing.T) {
	k := startKafka(t, KafkaOptions{})
	if addrs := k.Addrs(); len(addrs) != 1 || !strings.HasPrefix(addrs[0], "127.0.0.1:") || strings.HasSuffix(addrs[0], ":0") {
		t.Fatalf("Addrs() = %v, want one free port on 127.0.0.1", addrs)
	}
	k = startKafka(t, KafkaOptions{Addr: "localhost:0"})
	if addrs := k.Addrs(); len(addrs) != 1 || !strings.HasPrefix(addrs[0], "127.0.0.1:") {
		t.Fatalf("Addrs() = %v for localhost", addrs)
	}
	for _, addr := range []string{"0.0.0.0:9092", "[::]:0", "127.0.0.1", "127.0.0.1:x", "127.0.0.1:70000"} {
		if k, err := StartKafka(KafkaOptions{Addr: addr, Logger: testLogger(t)}); err == nil {
			k.Close()
			t.Fatalf("StartKafka(%q) = nil error", addr)
		}
	}
}
