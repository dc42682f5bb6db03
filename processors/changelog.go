package processors

// Changelogs: the processor's state, kept in Kafka.
//
// Each piece of state the processor keeps (the open sleep of each user, the
// fingerprints of the records it emitted) lives in a compacted changelog
// topic written in the same Kafka transaction as the canonical records and
// the consumed offsets, so state and output never disagree.
//
//   - A changelog is partitioned like the raw topics: the state of a raw
//     record from partition p is written to partition p under a key starting
//     "<provider>/". Whoever owns raw.<provider>/p owns those keys.
//   - Before the first record of a raw partition is processed, the owner
//     reads changelog partition p to its last stable offset (keeping only
//     its provider's keys). A revoked or lost partition is forgotten, and an
//     aborted transaction forgets everything: the next record restores
//     again, so memory never holds state Kafka does not.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// restoreTimeout bounds reading one changelog partition.
const restoreTimeout = 2 * time.Minute

// errRestore marks a failure to read a changelog: the batch is retried,
// the raw record is not dead-lettered.
var errRestore = errors.New("cannot restore processor state")

// rawPartition is one partition of one provider's raw topic.
type rawPartition struct {
	provider  string
	partition int32
}

// changelog is the in-memory view of the partitions of one changelog topic
// that this processor owns: per raw partition, the value of each key (the
// key without its "<provider>/" prefix).
type changelog[V any] struct {
	topic   string
	brokers []string
	decode  func([]byte) (V, error)

	mu    sync.Mutex
	parts map[rawPartition]map[string]V
}

func newChangelog[V any](topic string, brokers []string, decode func([]byte) (V, error)) *changelog[V] {
	return &changelog[V]{topic: topic, brokers: brokers, decode: decode, parts: map[rawPartition]map[string]V{}}
}

// forget drops partitions (revoked, lost).
func (c *changelog[V]) forget(rawPrefix string, parts map[string][]int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for topic, ps := range parts {
		provider, ok := strings.CutPrefix(topic, rawPrefix)
		if !ok {
			continue
		}
		for _, p := range ps {
			delete(c.parts, rawPartition{provider, p})
		}
	}
}

// reset drops everything (after an aborted transaction).
func (c *changelog[V]) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.parts)
}

// keys returns the state of a raw partition, reading its changelog
// partition first if this processor has not yet.
func (c *changelog[V]) keys(tp rawPartition) (map[string]V, error) {
	c.mu.Lock()
	m, ok := c.parts[tp]
	c.mu.Unlock()
	if ok {
		return m, nil
	}
	m, err := c.restore(tp)
	if err != nil {
		return nil, fmt.Errorf("%w from %s/%d for %s: %v", errRestore, c.topic, tp.partition, tp.provider, err)
	}
	c.mu.Lock()
	c.parts[tp] = m
	c.mu.Unlock()
	return m, nil
}

// set changes one key of a partition's state (the map keys returned).
func (c *changelog[V]) set(m map[string]V, key string, v V) {
	c.mu.Lock()
	m[key] = v
	c.mu.Unlock()
}

// remove deletes one key of a partition's state.
func (c *changelog[V]) remove(m map[string]V, key string) {
	c.mu.Lock()
	delete(m, key)
	c.mu.Unlock()
}

// record is the changelog record of one key of a raw partition; a nil
// value is a tombstone.
func (c *changelog[V]) record(tp rawPartition, key string, value []byte) *kgo.Record {
	return &kgo.Record{Topic: c.topic, Partition: tp.partition, Key: []byte(tp.provider + "/" + key), Value: value}
}

// restore reads one changelog partition up to its last stable offset and
// returns the values of one provider's keys in it.
func (c *changelog[V]) restore(tp rawPartition) (map[string]V, error) {
	ctx, cancel := context.WithTimeout(context.Background(), restoreTimeout)
	defer cancel()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{c.topic: {tp.partition: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Control records are kept so that the commit marker that ends
		// the partition is seen: it is how we know we reached the end.
		kgo.KeepControlRecords(),
	)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ends, err := adm.ListCommittedOffsets(ctx, c.topic)
	if err != nil {
		return nil, err
	}
	starts, err := adm.ListStartOffsets(ctx, c.topic)
	if err != nil {
		return nil, err
	}
	end, ok1 := ends.Lookup(c.topic, tp.partition)
	start, ok2 := starts.Lookup(c.topic, tp.partition)
	if !ok1 || !ok2 || end.Err != nil || start.Err != nil {
		return nil, fmt.Errorf("cannot list the offsets of %s/%d", c.topic, tp.partition)
	}
	out := map[string]V{}
	if end.Offset <= start.Offset {
		return out, nil
	}
	prefix := tp.provider + "/"
	var decodeErr error
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("reading %s/%d to offset %d: %w", c.topic, tp.partition, end.Offset, ctx.Err())
		}
		done := false
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset >= end.Offset-1 {
				done = true
			}
			key, ok := strings.CutPrefix(string(r.Key), prefix)
			if r.Offset >= end.Offset || r.Attrs.IsControl() || !ok {
				return
			}
			if r.Value == nil {
				delete(out, key)
				return
			}
			v, err := c.decode(r.Value)
			if err != nil {
				decodeErr = err
				return
			}
			out[key] = v
		})
		if decodeErr != nil {
			return nil, decodeErr
		}
		if done {
			return out, nil
		}
	}
}

// changelogPartitioner sends changelog records to the partition set on
// them (the raw record's) and everything else through the default.
type changelogPartitioner struct {
	changelogs []string
	fallback   kgo.Partitioner
}

func (p changelogPartitioner) ForTopic(topic string) kgo.TopicPartitioner {
	for _, c := range p.changelogs {
		if topic == c {
			return kgo.ManualPartitioner().ForTopic(topic)
		}
	}
	return p.fallback.ForTopic(topic)
}
