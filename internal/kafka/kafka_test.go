package kafka_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/devstack"
	"github.com/wearstream/wearstream/internal/kafka"
)

// TestEnsureTopicsStatesMaxMessageBytes creates one topic and finds another
// made earlier with a lower limit: both end with the limit asked for, and a
// topic with a higher limit keeps it.
func TestEnsureTopicsStatesMaxMessageBytes(t *testing.T) {
	k, err := devstack.StartKafka(devstack.KafkaOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.Addrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	adm := kadm.NewClient(cl)
	for topic, limit := range map[string]string{"old": "1000", "big": "9000000"} {
		if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{kafka.MaxMessageBytesConfig: &limit}, topic); err != nil {
			t.Fatal(err)
		}
	}
	specs := []kafka.TopicSpec{{Name: "old", Partitions: 1}, {Name: "big", Partitions: 1}, {Name: "new", Partitions: 2, Compacted: true}}
	if err := kafka.EnsureTopics(ctx, cl, 1, 500000, 48*time.Hour, specs); err != nil {
		t.Fatal(err)
	}
	described, err := adm.DescribeTopicConfigs(ctx, "old", "big", "new")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"old": 500000, "big": 9000000, "new": 500000}
	// Compacted topics keep everything; the others keep 48 h, old or new.
	wantRetention := map[string]string{"old": "172800000", "big": "172800000", "new": "604800000"}
	for _, rc := range described {
		got, retention := -1, ""
		for _, c := range rc.Configs {
			switch c.Key {
			case kafka.MaxMessageBytesConfig:
				got, _ = strconv.Atoi(c.MaybeValue())
			case kafka.RetentionConfig:
				retention = c.MaybeValue()
			case kafka.SegmentConfig:
				if segment := c.MaybeValue(); wantRetention[rc.Name] == "172800000" && segment != "86400000" {
					t.Errorf("%s: segment.ms = %s, want a day", rc.Name, segment)
				}
			}
		}
		if got != want[rc.Name] {
			t.Errorf("%s: max.message.bytes = %d, want %d", rc.Name, got, want[rc.Name])
		}
		if retention != wantRetention[rc.Name] {
			t.Errorf("%s: retention.ms = %s, want %s", rc.Name, retention, wantRetention[rc.Name])
		}
	}
}
