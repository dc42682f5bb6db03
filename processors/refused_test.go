package processors_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/kafka"
	"github.com/wearstream/wearstream/internal/testenv"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
)

// heartRateBody is an SDK upload of n heart-rate samples, one a second
// from start.
func heartRateBody(t *testing.T, n int, start time.Time) []byte {
	t.Helper()
	type record struct {
		ID        string  `json:"id"`
		Type      string  `json:"type"`
		Unit      string  `json:"unit"`
		Value     float64 `json:"value"`
		StartDate string  `json:"startDate"`
		EndDate   string  `json:"endDate"`
		Source    any     `json:"source"`
	}
	recs := make([]record, n)
	rng := rand.New(rand.NewPCG(uint64(n), 2))
	for i := range recs {
		at := start.Add(time.Duration(i) * time.Second).UTC().Format(time.RFC3339)
		recs[i] = record{ID: uuid.NewString(), Type: "HKQuantityTypeIdentifierHeartRate", Unit: "count/min",
			Value: 60 + rng.Float64()*100, StartDate: at, EndDate: at, // values that do not compress
			Source: map[string]string{"name": "Watch", "bundleIdentifier": "com.apple.health", "deviceModel": "Watch"}}
	}
	body, err := json.Marshal(map[string]any{"provider": "apple", "sdkVersion": "1.0.0", "data": map[string]any{"records": recs}})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// setMaxMessageBytes changes a topic's max.message.bytes on the broker.
func setMaxMessageBytes(t *testing.T, st *testenv.Stack, topic string, n int) {
	t.Helper()
	v := strconv.Itoa(n)
	resp, err := kadm.NewClient(st.Env.Producer).AlterTopicConfigs(context.Background(),
		[]kadm.AlterConfig{{Op: kadm.SetConfig, Name: kafka.MaxMessageBytesConfig, Value: &v}}, topic)
	if err == nil {
		_, err = resp.On(topic, nil)
	}
	if err != nil {
		t.Fatalf("cannot set max.message.bytes of %s: %v", topic, err)
	}
}

// rawEvents sends raw events and returns their ids, in order.
func rawEvents(t *testing.T, st *testenv.Stack, user string, bodies ...[]byte) []string {
	t.Helper()
	var ids []string
	for _, body := range bodies {
		raw := schemas.RawEvent{ID: uuid.NewString(), ReceivedAt: time.Now().UTC(), Tenant: "t", Provider: "apple", Kind: "sdk", UserID: user, Body: body, Parts: 1}
		v, err := st.Env.Serde.Encode(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Env.Producer.ProduceSync(context.Background(), &kgo.Record{Topic: st.Env.Topics.Raw("apple"), Key: []byte(user), Value: v}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, raw.ID)
	}
	return ids
}

// samplesByRawEvent reads every committed sample batch and counts the
// samples and records of each raw event.
func samplesByRawEvent(t *testing.T, st *testenv.Stack) (samples, records map[string]int, batches []schemas.SampleBatch) {
	t.Helper()
	samples, records = map[string]int{}, map[string]int{}
	for _, r := range committed(t, st.Env.Brokers, st.Env.Topics.Samples()) {
		var b schemas.SampleBatch
		if err := st.Env.Serde.Decode(r.Value, &b); err != nil {
			t.Fatal(err)
		}
		samples[b.RawEventID] += len(b.Samples)
		records[b.RawEventID]++
		batches = append(batches, b)
	}
	return samples, records, batches
}

// waitConsumed waits until the processors' group has committed every raw
// record of the apple topic.
func waitConsumed(t *testing.T, st *testenv.Stack) {
	t.Helper()
	adm := kadm.NewClient(st.Env.Producer)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		ends, err := adm.ListEndOffsets(ctx, st.Env.Topics.Raw("apple"))
		if err != nil {
			t.Fatal(err)
		}
		offsets, err := adm.FetchOffsets(ctx, processors.Group)
		if err == nil {
			lag := int64(0)
			ends.Each(func(o kadm.ListedOffset) {
				done, _ := offsets.Lookup(o.Topic, o.Partition)
				lag += o.Offset - max(done.At, 0)
			})
			if lag == 0 {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the processor did not consume every raw record: %v", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestRefusedRecordAbortsAndDeadLetters makes Kafka refuse the sample
// records of one raw event (wearables.samples takes 4 KiB, its batch needs
// more than 24 KB compressed) between two raw events whose records fit: no transaction
// commits part of the refused event, the event is retried, then
// dead-lettered with Kafka's reason, and the events around it are
// processed exactly once.
func TestRefusedRecordAbortsAndDeadLetters(t *testing.T) {
	st := testenv.Start(t, nil)
	env := st.Env
	setMaxMessageBytes(t, st, env.Topics.Samples(), 4<<10)
	user := uuid.NewString()
	day := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	ids := rawEvents(t, st, user,
		heartRateBody(t, 10, day),
		heartRateBody(t, 3000, day.Add(time.Hour)),
		heartRateBody(t, 10, day.Add(3*time.Hour)))
	p, stop := runProcessor(t, st)
	defer stop()

	got := consume(t, env.Brokers, map[string]int{env.Topics.DLQ(): 1})
	waitConsumed(t, st)
	var dl schemas.DeadLetter
	if err := env.Serde.Decode(got[env.Topics.DLQ()][0].Value, &dl); err != nil {
		t.Fatal(err)
	}
	var raw schemas.RawEvent
	if err := env.Serde.Decode(dl.Value, &raw); err != nil {
		t.Fatalf("the dead letter does not carry the raw record: %v", err)
	}
	if raw.ID != ids[1] || dl.Offset != 1 || dl.Stage != processors.Stage {
		t.Fatalf("dead letter of raw event %s at offset %d (stage %s), want %s at 1", raw.ID, dl.Offset, dl.Stage, ids[1])
	}
	if !strings.Contains(dl.Error, "MESSAGE_TOO_LARGE") || !strings.Contains(dl.Error, env.Topics.Samples()) {
		t.Fatalf("dead letter reason %q does not give Kafka's refusal", dl.Error)
	}
	if n := len(committed(t, env.Brokers, env.Topics.DLQ())); n != 1 {
		t.Fatalf("%d dead letters, want 1", n)
	}
	samples, records, _ := samplesByRawEvent(t, st)
	want := map[string]int{ids[0]: 10, ids[2]: 10}
	if fmt.Sprint(samples) != fmt.Sprint(want) {
		t.Fatalf("committed samples per raw event = %v, want %v (the refused event's are not, the others' once)", samples, want)
	}
	if records[ids[0]] != 1 || records[ids[2]] != 1 {
		t.Fatalf("sample records per raw event = %v, want one each", records)
	}
	if a := p.Stats().Aborted.Load(); a < processors.DefaultMaxProduceAttempts {
		t.Fatalf("%d transactions aborted, want at least %d", a, processors.DefaultMaxProduceAttempts)
	}
	if d := p.Stats().DeadLetters.Load(); d != 1 {
		t.Fatalf("%d dead letters counted, want 1", d)
	}
}

// TestLargeBatchIsCut sends one upload of 12,000 heart-rate samples: it
// becomes three bounded records with distinct ids that hold every sample
// once, in order.
func TestLargeBatchIsCut(t *testing.T) {
	st := testenv.Start(t, nil)
	user := uuid.NewString()
	start := time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC)
	ids := rawEvents(t, st, user, heartRateBody(t, 12000, start))
	_, stop := runProcessor(t, st)
	defer stop()
	waitConsumed(t, st)

	samples, records, batches := samplesByRawEvent(t, st)
	if samples[ids[0]] != 12000 || records[ids[0]] != 3 {
		t.Fatalf("got %d samples in %d records, want 12000 in 3", samples[ids[0]], records[ids[0]])
	}
	seen := map[string]bool{}
	for i, b := range batches {
		if seen[b.ID] {
			t.Fatalf("two parts share the id %s", b.ID)
		}
		seen[b.ID] = true
		for j, s := range b.Samples {
			if want := start.Add(time.Duration(i*5000+j) * time.Second); !s.Time.Equal(want) {
				t.Fatalf("part %d sample %d at %s, want %s", i, j, s.Time, want)
			}
		}
	}
}

// samplesFormat is a raw event format whose body is a number n and a start
// time: it normalises to n heart-rate samples a second apart, so that a
// small raw record yields large canonical output, as a FIT file does.
const samplesFormat = "application/x-wearstream-test-samples"

func init() {
	ingest.RegisterFormat("apple", samplesFormat, func(ctx ingest.Context, body []byte) (ingest.Records, error) {
		count, at, _ := strings.Cut(string(body), " ")
		n, err := strconv.Atoi(count)
		if err != nil {
			return ingest.Records{}, err
		}
		start, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return ingest.Records{}, err
		}
		b := ingest.NewSampleBatches(ctx, "apple", ingest.SumSeries)
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		src := schemas.Source{Provider: "apple", ID: "apple:watch", Name: "Watch", Device: "Watch", DeviceType: "watch"}
		for i := range n {
			// Values that do not compress, like a real sensor's.
			b.Add(src, "heart_rate", start.Add(time.Duration(i)*time.Second), 60+rng.Float64()*100, 60, false)
		}
		var recs ingest.Records
		b.Finish(&recs)
		return recs, nil
	})
}

// TestSampleRecordsFitTheirTopic runs the processor as the process command
// configures it, on topics made for a small body limit (256 KiB per
// batch): one small raw event's sample records together take about 1.2 MB,
// and every one of them is committed, because the processor's batch limit
// agrees with the topics'. With a batch limit above the topic's, Kafka
// refuses the batch and the samples never arrive.
func TestSampleRecordsFitTheirTopic(t *testing.T) {
	st := testenv.Start(t, map[string]string{"WEARSTREAM_MAX_BODY_BYTES": strconv.Itoa(64 << 10)})
	env := st.Env
	user := uuid.NewString()
	raw := schemas.RawEvent{ID: uuid.NewString(), ReceivedAt: time.Now().UTC(), Tenant: "t", Provider: "apple", Kind: "sdk",
		UserID: user, ContentType: samplesFormat, Body: []byte("60000 2026-03-03T00:00:00Z"), Parts: 1}
	v, err := env.Serde.Encode(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Producer.ProduceSync(context.Background(), &kgo.Record{Topic: env.Topics.Raw("apple"), Key: []byte(user), Value: v}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	p, err := processors.New(processors.Config{Brokers: env.Brokers, Topics: env.Topics, Serde: env.Serde,
		Logger: testenv.Logger(t), MaxBatchBytes: int32(app.MaxRecordBytes(env.Config))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitConsumed(t, st)

	samples, records, _ := samplesByRawEvent(t, st)
	if samples[raw.ID] != 60000 || records[raw.ID] != 12 {
		t.Fatalf("got %d samples in %d records, want 60000 in 12", samples[raw.ID], records[raw.ID])
	}
	if a := p.Stats().Aborted.Load(); a != 0 {
		t.Fatalf("%d transactions aborted, want none", a)
	}
}
