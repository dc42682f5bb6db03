package devstack

import (
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestSchemaLogKeepsLatestValuePerKey(t *testing.T) {
	ctx := testContext(t)
	k := startKafka(t, KafkaOptions{})
	cl := newClient(t, k)
	const topic = "registry.schemas"
	persist, load := SchemaLog(cl, topic)

	if got, err := load(ctx); err != nil || len(got) != 0 {
		t.Fatalf("load() of a new log = %+v, %v; want nothing", got, err)
	}
	configs, err := kadm.NewClient(cl).DescribeTopicConfigs(ctx, topic)
	if err != nil {
		t.Fatalf("DescribeTopicConfigs() = %v", err)
	}
	if c, err := configs.On(topic, nil); err != nil || !hasConfig(c, "cleanup.policy", "compact") {
		t.Fatalf("topic configs = %+v, %v; want cleanup.policy=compact", c, err)
	}

	writes := []StoredSchema{
		{"b-value", 1, 2, readingV1},
		{"a-value", 1, 3, deviceV1},
		{"c-value", 1, 1, readingV2},
		{"a-value", 1, 4, deviceV1}, // rewritten: the later value wins
		{"d-value", 1, 5, readingV1},
	}
	for _, s := range writes {
		if err := persist(s.Subject, s.Version, s.ID, s.Schema); err != nil {
			t.Fatalf("persist(%+v) = %v", s, err)
		}
	}
	// A tombstone removes d-value version 1.
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte("d-value/1")}).FirstErr(); err != nil {
		t.Fatalf("ProduceSync(tombstone) = %v", err)
	}
	want := []StoredSchema{writes[2], writes[0], writes[3]}
	if got, err := load(ctx); err != nil || !slices.Equal(got, want) {
		t.Fatalf("load() = %+v, %v; want %+v", got, err, want)
	}

	k.Cluster().Compact()
	if got, err := load(ctx); err != nil || !slices.Equal(got, want) {
		t.Fatalf("load() after compaction = %+v, %v; want %+v", got, err, want)
	}
}

func hasConfig(c kadm.ResourceConfig, key, value string) bool {
	for _, kv := range c.Configs {
		if kv.Key == key && kv.Value != nil && *kv.Value == value {
			return true
		}
	}
	return false
}
