package clickhouse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/schemas"
)

var topics = schemas.NewTopics("")

// decodeJSON stands in for the schema-registry serde: the sink only sees
// the Decode function. Sleep comes back as a value, the others as pointers;
// the sink takes both.
func decodeJSON(topic string, value []byte) (any, error) {
	var v any
	switch topic {
	case topics.Samples():
		v = new(schemas.SampleBatch)
	case topics.Workouts():
		v = new(schemas.Workout)
	case topics.Sleep():
		var s schemas.Sleep
		if err := json.Unmarshal(value, &s); err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, fmt.Errorf("unexpected topic %s", topic)
	}
	if err := json.Unmarshal(value, v); err != nil {
		return nil, err
	}
	return v, nil
}

type kafka struct {
	cluster  *kfake.Cluster
	producer *kgo.Client
	admin    *kadm.Client
}

func newKafka(t *testing.T) *kafka {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, topics.Canonical()...))
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	p, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatalf("producer: %v", err)
	}
	t.Cleanup(p.Close)
	return &kafka{cluster: c, producer: p, admin: kadm.NewClient(p)}
}

func (k *kafka) produce(t *testing.T, topic, key string, v any) {
	t.Helper()
	value, ok := v.([]byte)
	if !ok {
		var err error
		if value, err = json.Marshal(v); err != nil {
			t.Fatalf("marshal: %v", err)
		}
	}
	rec := &kgo.Record{Topic: topic, Key: []byte(key), Value: value}
	if err := k.producer.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func (k *kafka) consumer(t *testing.T, group string) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(k.cluster.ListenAddrs()...),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topics.Canonical()...),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		t.Fatalf("consumer: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// offsets returns the sum of the group's committed offsets and the sum of
// the canonical topics' end offsets.
func (k *kafka) offsets(t *testing.T, group string) (committed, end int64) {
	t.Helper()
	ctx := context.Background()
	resp, err := k.admin.FetchOffsets(ctx, group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		resp, err = nil, nil // the group has not joined yet
	}
	if err != nil {
		t.Fatalf("FetchOffsets: %v", err)
	}
	resp.Each(func(o kadm.OffsetResponse) {
		if o.Err == nil && o.At > 0 {
			committed += o.At
		}
	})
	ends, err := k.admin.ListEndOffsets(ctx, topics.Canonical()...)
	if err != nil {
		t.Fatalf("ListEndOffsets: %v", err)
	}
	ends.Each(func(o kadm.ListedOffset) { end += o.Offset })
	return committed, end
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

type runningSink struct {
	*Sink
	cancel context.CancelFunc
	done   chan error
}

func startSink(t *testing.T, cfg Config) *runningSink {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runningSink{Sink: New(cfg), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- r.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *runningSink) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

type badRecords struct {
	mu   sync.Mutex
	recs []*kgo.Record
}

func (b *badRecords) add(_ context.Context, rec *kgo.Record, _ error) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recs = append(b.recs, rec)
	return nil
}

func (b *badRecords) len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.recs)
}

func produceData(t *testing.T, k *kafka, batches, perBatch int) {
	t.Helper()
	for i := range batches {
		b := sampleBatch(perBatch, fmt.Sprintf("garmin:app-%d", i), 1)
		k.produce(t, topics.Samples(), b.UserID, b)
	}
	w := workout(1)
	k.produce(t, topics.Workouts(), w.UserID, w)
	s := sleepSession(1, true)
	k.produce(t, topics.Sleep(), s.UserID, s)
}

func TestSinkWritesAndCommits(t *testing.T) {
	conn := newDatabase(t, true)
	k := newKafka(t)
	const batches, perBatch = 20, 500
	produceData(t, k, batches, perBatch)
	k.produce(t, topics.Samples(), "garbage", []byte("{not json"))
	invalid := sampleBatch(3, "garmin:app", 1)
	invalid.UserID = "not-a-uuid"
	k.produce(t, topics.Samples(), "x", invalid)

	var bad badRecords
	sink := startSink(t, Config{
		Client:      k.consumer(t, "sink-test"),
		Decode:      decodeJSON,
		Writer:      NewWriter(conn),
		BatchRows:   3000,
		BatchWait:   200 * time.Millisecond,
		OnBadRecord: bad.add,
	})

	const wantSamples = batches * perBatch
	waitFor(t, "rows in clickhouse", func() bool {
		return count(t, conn, "SELECT count() FROM samples FINAL") == wantSamples &&
			count(t, conn, "SELECT count() FROM workouts FINAL") == 1 &&
			count(t, conn, "SELECT count() FROM sleep FINAL") == 1
	})
	waitFor(t, "offsets committed", func() bool {
		committed, end := k.offsets(t, "sink-test")
		return committed == end
	})
	if _, end := k.offsets(t, "sink-test"); end != batches+4 {
		t.Fatalf("end offsets sum to %d, want %d produced records", end, batches+4)
	}
	if bad.len() != 2 {
		t.Fatalf("bad records = %d, want 2", bad.len())
	}
	sink.stop(t)
	st := sink.Stats()
	if st.Samples != wantSamples || st.Workouts != 1 || st.Sleep != 1 || st.Records != batches+2 || st.BadRecords != 2 || st.Batches == 0 || st.LastFlush.IsZero() {
		t.Fatalf("stats = %+v", st)
	}

	// A second consumer of the same group finds nothing left to write, and
	// re-delivered data (a new group from the start) leaves FINAL unchanged.
	again := startSink(t, Config{Client: k.consumer(t, "sink-test-replay"), Decode: decodeJSON, Writer: NewWriter(conn), BatchWait: 100 * time.Millisecond, OnBadRecord: func(context.Context, *kgo.Record, error) error { return nil }})
	waitFor(t, "replay committed", func() bool {
		committed, end := k.offsets(t, "sink-test-replay")
		return committed == end
	})
	again.stop(t)
	if n := count(t, conn, "SELECT count() FROM samples"); n != 2*wantSamples {
		t.Fatalf("raw rows after replay = %d, want %d", n, 2*wantSamples)
	}
	if n := count(t, conn, "SELECT count() FROM samples FINAL"); n != wantSamples {
		t.Fatalf("rows under FINAL after replay = %d, want %d", n, wantSamples)
	}
}

func TestSinkRetriesAndNeverCommitsUnwrittenData(t *testing.T) {
	conn := newDatabase(t, false) // no tables yet: every insert fails
	k := newKafka(t)
	produceData(t, k, 5, 100)

	sink := startSink(t, Config{
		Client:    k.consumer(t, "sink-retry"),
		Decode:    decodeJSON,
		Writer:    NewWriter(conn),
		BatchWait: 100 * time.Millisecond,
	})
	waitFor(t, "insert retries", func() bool { return sink.Stats().Retries >= 2 })
	if committed, _ := k.offsets(t, "sink-retry"); committed != 0 {
		t.Fatalf("committed %d offsets while nothing was written", committed)
	}
	if _, err := Migrate(context.Background(), conn, nil); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	waitFor(t, "rows after the tables appear", func() bool {
		return count(t, conn, "SELECT count() FROM samples FINAL") == 500
	})
	waitFor(t, "offsets committed", func() bool {
		committed, end := k.offsets(t, "sink-retry")
		return committed == end && end == 7
	})
	sink.stop(t)
	if st := sink.Stats(); st.Samples != 500 || st.Retries < 2 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestSinkFlushesPendingOnShutdown(t *testing.T) {
	conn := newDatabase(t, true)
	k := newKafka(t)
	produceData(t, k, 3, 10)
	// BatchWait and BatchRows are never reached: only shutdown flushes.
	sink := startSink(t, Config{
		Client:    k.consumer(t, "sink-shutdown"),
		Decode:    decodeJSON,
		Writer:    NewWriter(conn),
		BatchRows: 1 << 30,
		BatchWait: time.Hour,
	})
	waitFor(t, "records polled", func() bool { return sink.Stats().PendingRows == 32 }) // 30 samples, a workout, a sleep session
	if n := count(t, conn, "SELECT count() FROM samples"); n != 0 {
		t.Fatalf("rows written before shutdown = %d, want 0", n)
	}
	sink.stop(t)
	if n := count(t, conn, "SELECT count() FROM samples FINAL"); n != 30 {
		t.Fatalf("rows after shutdown = %d, want 30", n)
	}
	if committed, end := k.offsets(t, "sink-shutdown"); committed != end {
		t.Fatalf("committed %d of %d after shutdown", committed, end)
	}
}

// A bad record is skipped only once its dead letter is in Kafka: while the
// dead-letter topic refuses it (a record over the topic's max.message.bytes),
// the sink commits no offset past it, and once the topic takes it, the sink
// moves on with nothing lost on either side.
func TestSinkNeverCommitsPastABadRecordItCouldNotDeadLetter(t *testing.T) {
	conn := newDatabase(t, true)
	k := newKafka(t)
	ctx := context.Background()
	const dlq = "sink-test.dlq"
	tiny := "64"
	if _, err := k.admin.CreateTopic(ctx, 1, 1, map[string]*string{"max.message.bytes": &tiny}, dlq); err != nil {
		t.Fatalf("CreateTopic: %v", err)
	}

	before, after := sampleBatch(10, "garmin:before", 1), sampleBatch(10, "garmin:after", 1)
	k.produce(t, topics.Samples(), testUser, before)
	badValue := []byte("{not json" + strings.Repeat(" ", 200))
	bad := &kgo.Record{Topic: topics.Samples(), Key: []byte(testUser), Value: badValue}
	if err := k.producer.ProduceSync(ctx, bad).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	k.produce(t, topics.Samples(), testUser, after)

	var refused atomic.Int64
	sink := startSink(t, Config{
		Client:    k.consumer(t, "sink-dlq"),
		Decode:    decodeJSON,
		Writer:    NewWriter(conn),
		BatchWait: 100 * time.Millisecond,
		OnBadRecord: func(ctx context.Context, rec *kgo.Record, _ error) error {
			err := k.producer.ProduceSync(ctx, &kgo.Record{Topic: dlq, Key: rec.Key, Value: rec.Value}).FirstErr()
			if err != nil {
				refused.Add(1)
			}
			return err
		},
	})
	committedAt := func() int64 {
		resp, err := k.admin.FetchOffsets(ctx, "sink-dlq")
		if errors.Is(err, kerr.GroupIDNotFound) {
			return -1
		}
		if err != nil {
			t.Fatalf("FetchOffsets: %v", err)
		}
		o, ok := resp.Lookup(topics.Samples(), bad.Partition)
		if !ok || o.Err != nil {
			return -1
		}
		return o.At
	}
	waitFor(t, "a retried dead letter or a commit", func() bool { return refused.Load() >= 2 || committedAt() > bad.Offset })
	if at := committedAt(); at > bad.Offset {
		t.Fatalf("committed offset %d is past the bad record at %d, whose dead letter Kafka refused", at, bad.Offset)
	}

	limit := "1048576"
	if _, err := k.admin.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "max.message.bytes", Value: &limit}}, dlq); err != nil {
		t.Fatalf("AlterTopicConfigs: %v", err)
	}
	waitFor(t, "the partition committed to its end", func() bool { return committedAt() == bad.Offset+2 })
	ends, err := k.admin.ListEndOffsets(ctx, dlq)
	if err != nil {
		t.Fatalf("ListEndOffsets: %v", err)
	}
	if o, _ := ends.Lookup(dlq, 0); o.Offset != 1 {
		t.Fatalf("dead letters = %d, want 1", o.Offset)
	}
	if n := count(t, conn, "SELECT count() FROM samples FINAL"); n != 20 {
		t.Fatalf("samples = %d, want the 20 around the bad record", n)
	}
	sink.stop(t)
	if st := sink.Stats(); st.BadRecords != 1 || st.BadRecordRetries < 2 {
		t.Fatalf("stats = %+v", st)
	}
}
