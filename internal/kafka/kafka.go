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
// a short linger for batching, and a bounded wait so that a caller learns
// quickly when the cluster is down.
func ProducerOpts(brokers []string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(2 * time.Millisecond),
		kgo.ProducerBatchMaxBytes(4 << 20),
		kgo.MaxBufferedRecords(100_000),
		kgo.RecordDeliveryTimeout(10 * time.Second),
		kgo.ProduceRequestTimeout(10 * time.Second),
		kgo.RecordRetries(10),
	}
}

// TopicSpec describes one topic to create.
type TopicSpec struct {
	Name       string
	Partitions int32
	Compacted  bool
	// Raw topics carry whole request bodies and accept records up to the
	// gateway's body limit.
	Raw bool
}

// EnsureTopics creates the topics that do not exist yet. Existing topics are
// left as they are.
// rawMaxBytes is the max.message.bytes of raw topics.
func EnsureTopics(ctx context.Context, cl *kgo.Client, replicas int16, rawMaxBytes int, specs []TopicSpec) error {
	adm := kadm.NewClient(cl)
	for _, s := range specs {
		configs := map[string]*string{}
		if s.Compacted {
			compact := "compact"
			configs["cleanup.policy"] = &compact
		}
		if s.Raw {
			max := strconv.Itoa(rawMaxBytes)
			configs["max.message.bytes"] = &max
		}
		resp, err := adm.CreateTopic(ctx, s.Partitions, replicas, configs, s.Name)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("cannot create topic %s: %w", s.Name, err)
		}
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
