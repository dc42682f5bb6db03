// Package kafka builds franz-go clients the way every wearstream component
// needs them and creates the pipeline's topics.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ProducerOpts are the options of every producer: acks from all in-sync
// replicas and idempotence (franz-go's defaults, stated here on purpose),
// the configured compression, a short linger for batching, and a bounded
// wait so that a caller learns quickly when the cluster is down.
func ProducerOpts(brokers []string, compression string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		Compression(compression),
		kgo.ProducerLinger(2 * time.Millisecond),
		kgo.ProducerBatchMaxBytes(4 << 20),
		kgo.MaxBufferedRecords(100_000),
		kgo.RecordDeliveryTimeout(10 * time.Second),
		kgo.ProduceRequestTimeout(10 * time.Second),
		kgo.RecordRetries(10),
	}
}

// Compression is the producer option of a WEARSTREAM_KAFKA_COMPRESSION
// value (none, gzip, snappy, lz4, zstd); "" means gzip, which every Kafka
// client can read without extra codecs.
func Compression(name string) kgo.Opt {
	codec := map[string]kgo.CompressionCodec{
		"none":   kgo.NoCompression(),
		"gzip":   kgo.GzipCompression(),
		"snappy": kgo.SnappyCompression(),
		"lz4":    kgo.Lz4Compression(),
		"zstd":   kgo.ZstdCompression(),
	}
	c, ok := codec[name]
	if !ok {
		c = kgo.GzipCompression()
	}
	return kgo.ProducerBatchCompression(c)
}

// TopicSpec describes one topic to create.
type TopicSpec struct {
	Name       string
	Partitions int32
	Compacted  bool
}

// MaxMessageBytesConfig is the topic setting that bounds a record batch.
const MaxMessageBytesConfig = "max.message.bytes"

// RetentionConfig is the topic setting of how long records are kept.
const RetentionConfig = "retention.ms"

// SegmentConfig is the topic setting of how long a log segment stays open;
// retention deletes whole segments, so it bounds how long past the
// retention a record may stay.
const SegmentConfig = "segment.ms"

// segmentSpan is the segment.ms of the topics with a retention.
const segmentSpan = 24 * time.Hour

// EnsureTopics creates the topics that do not exist yet, each with
// max.message.bytes set to maxMessageBytes, so that no topic depends on a
// broker default that the producers' batch limits may not agree with, and
// each topic that is not compacted with retention.ms set to retention
// (when positive) and segment.ms to a day (or the retention, if shorter),
// so a record outlives the retention by at most a day. An existing topic keeps its partitions and cleanup
// policy; its max.message.bytes is raised to maxMessageBytes when it is
// lower (a topic made by an older version, or by hand), and its retention
// and segment span set when they differ: the configuration is the record of how
// long copies of personal data stay in Kafka (README, "Erasure").
func EnsureTopics(ctx context.Context, cl *kgo.Client, replicas int16, maxMessageBytes int, retention time.Duration, specs []TopicSpec) error {
	adm := kadm.NewClient(cl)
	limit := strconv.Itoa(maxMessageBytes)
	keep := strconv.FormatInt(retention.Milliseconds(), 10)
	span := strconv.FormatInt(min(segmentSpan, retention).Milliseconds(), 10)
	var existing, expiring []string
	for _, s := range specs {
		configs := map[string]*string{MaxMessageBytesConfig: &limit}
		if s.Compacted {
			compact := "compact"
			configs["cleanup.policy"] = &compact
		} else if retention > 0 {
			configs[RetentionConfig] = &keep
			configs[SegmentConfig] = &span
		}
		resp, err := adm.CreateTopic(ctx, s.Partitions, replicas, configs, s.Name)
		if err == nil {
			err = resp.Err
		}
		switch {
		case errors.Is(err, kerr.TopicAlreadyExists):
			existing = append(existing, s.Name)
			if !s.Compacted && retention > 0 {
				expiring = append(expiring, s.Name)
			}
		case err != nil:
			return fmt.Errorf("cannot create topic %s: %w", s.Name, err)
		}
	}
	if err := alignConfig(ctx, adm, MaxMessageBytesConfig, limit, existing, func(have string) bool {
		n, err := strconv.Atoi(have)
		return err != nil || n < maxMessageBytes
	}); err != nil {
		return err
	}
	if err := alignConfig(ctx, adm, RetentionConfig, keep, expiring, func(have string) bool { return have != keep }); err != nil {
		return err
	}
	return alignConfig(ctx, adm, SegmentConfig, span, expiring, func(have string) bool { return have != span })
}

// alignConfig sets key to value on the topics whose value change says
// must change.
func alignConfig(ctx context.Context, adm *kadm.Client, key, value string, topics []string, change func(have string) bool) error {
	if len(topics) == 0 {
		return nil
	}
	described, err := adm.DescribeTopicConfigs(ctx, topics...)
	if err != nil {
		return fmt.Errorf("cannot describe topic configs: %w", err)
	}
	var stale []string
	for _, rc := range described {
		if rc.Err != nil {
			return fmt.Errorf("cannot describe topic %s: %w", rc.Name, rc.Err)
		}
		for _, c := range rc.Configs {
			if c.Key == key && change(c.MaybeValue()) {
				stale = append(stale, rc.Name)
			}
		}
	}
	if len(stale) == 0 {
		return nil
	}
	resps, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: key, Value: &value}}, stale...)
	if err == nil {
		for _, r := range resps {
			if r.Err != nil {
				err = fmt.Errorf("%s: %w", r.Name, r.Err)
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("cannot set %s to %s: %w", key, value, err)
	}
	return nil
}

// MissingTopics returns the names of the topics that do not exist.
func MissingTopics(ctx context.Context, cl *kgo.Client, names []string) ([]string, error) {
	adm := kadm.NewClient(cl)
	details, err := adm.ListTopics(ctx, names...)
	if err != nil {
		return nil, fmt.Errorf("cannot list topics: %w", err)
	}
	var missing []string
	for _, n := range names {
		if d, ok := details[n]; !ok || d.Err != nil {
			missing = append(missing, n)
		}
	}
	return missing, nil
}

// Ping checks that the cluster answers.
func Ping(ctx context.Context, cl *kgo.Client) error {
	if err := cl.Ping(ctx); err != nil {
		return fmt.Errorf("cannot reach kafka: %w", err)
	}
	return nil
}

// Logger adapts slog to franz-go's logger at warn level and above.
func Logger(l *slog.Logger) kgo.Opt {
	return kgo.WithLogger(kgoLogger{l})
}

type kgoLogger struct{ l *slog.Logger }

func (k kgoLogger) Level() kgo.LogLevel { return kgo.LogLevelWarn }

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	switch level {
	case kgo.LogLevelError:
		k.l.Error(msg, keyvals...)
	default:
		k.l.Warn(msg, keyvals...)
	}
}
