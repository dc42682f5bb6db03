package devstack

// The registry's schemas are kept the way Confluent Schema Registry keeps
// them: one record per subject version in a compacted topic, read to its end
// at start. The key is "subject/version" and the value the JSON of a
// StoredSchema; a record without a value removes its key.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// DefaultSchemaTopic is the compacted topic the registry's schemas are kept in.
const DefaultSchemaTopic = "_schemas"

// persistTimeout bounds one synchronous write of a schema.
const persistTimeout = 30 * time.Second

// StoredSchema is one registered version of a subject, as persisted.
type StoredSchema struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	Schema  string `json:"schema"`
}

// SchemaLog keeps registered schemas in topic ("" means DefaultSchemaTopic),
// creating it with cleanup.policy=compact when it is missing. persist writes
// one version and returns once the broker has it; load reads the topic to its
// current end and returns the latest value of each subject version, ordered
// by id. load reads with its own client to the same seed brokers as cl.
func SchemaLog(cl *kgo.Client, topic string) (
	persist func(subject string, version, id int, schema string) error,
	load func(ctx context.Context) ([]StoredSchema, error),
) {
	if topic == "" {
		topic = DefaultSchemaTopic
	}
	l := &schemaLog{cl: cl, topic: topic}
	return l.persist, l.load
}

type schemaLog struct {
	cl    *kgo.Client
	topic string

	mu     sync.Mutex
	exists bool
}

func (l *schemaLog) persist(subject string, version, id int, schema string) error {
	ctx, cancel := context.WithTimeout(context.Background(), persistTimeout)
	defer cancel()
	if err := l.ensureTopic(ctx); err != nil {
		return err
	}
	s := StoredSchema{Subject: subject, Version: version, ID: id, Schema: schema}
	value, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("cannot encode schema %s/%d: %w", subject, version, err)
	}
	r := &kgo.Record{Topic: l.topic, Key: []byte(schemaKey(subject, version)), Value: value}
	if err := l.cl.ProduceSync(ctx, r).FirstErr(); err != nil {
		return fmt.Errorf("cannot write schema %s/%d to %s: %w", subject, version, l.topic, err)
	}
	return nil
}

func (l *schemaLog) load(ctx context.Context) ([]StoredSchema, error) {
	if err := l.ensureTopic(ctx); err != nil {
		return nil, err
	}
	adm := kadm.NewClient(l.cl)
	starts, err := adm.ListStartOffsets(ctx, l.topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list start offsets of %s: %w", l.topic, err)
	}
	ends, err := adm.ListEndOffsets(ctx, l.topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("cannot list end offsets of %s: %w", l.topic, err)
	}

	from := map[int32]kgo.Offset{}
	want := map[int32]int64{} // partition -> end offset still to reach
	ends.Each(func(o kadm.ListedOffset) {
		start, _ := starts.Lookup(l.topic, o.Partition)
		if o.Offset > start.Offset {
			from[o.Partition] = kgo.NewOffset().At(start.Offset)
			want[o.Partition] = o.Offset
		}
	})
	latest := map[string]StoredSchema{}
	if len(want) > 0 {
		if err := l.read(ctx, from, want, latest); err != nil {
			return nil, err
		}
	}

	out := make([]StoredSchema, 0, len(latest))
	for _, s := range latest {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.ID != b.ID {
			return a.ID < b.ID
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		return a.Version < b.Version
	})
	return out, nil
}

// read consumes the partitions in from until each reaches its offset in want,
// keeping the latest value of each key in latest.
func (l *schemaLog) read(ctx context.Context, from map[int32]kgo.Offset, want map[int32]int64, latest map[string]StoredSchema) error {
	opts := []kgo.Opt{kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{l.topic: from})}
	if seeds, ok := l.cl.OptValue(kgo.SeedBrokers).([]string); ok && len(seeds) > 0 {
		opts = append(opts, kgo.SeedBrokers(seeds...))
	}
	rd, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("cannot create a reader of %s: %w", l.topic, err)
	}
	defer rd.Close()

	for len(want) > 0 {
		fs := rd.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("cannot read %s to its end: %w", l.topic, err)
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) {
			if ferr == nil {
				ferr = err
			}
		})
		if ferr != nil {
			return fmt.Errorf("cannot read %s: %w", l.topic, ferr)
		}
		var derr error
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset+1 >= want[r.Partition] {
				delete(want, r.Partition)
			}
			if derr != nil {
				return
			}
			key := string(r.Key)
			if r.Value == nil {
				delete(latest, key)
				return
			}
			var s StoredSchema
			if err := json.Unmarshal(r.Value, &s); err != nil {
				derr = fmt.Errorf("cannot decode schema record %q at offset %d: %w", key, r.Offset, err)
				return
			}
			latest[key] = s
		})
		if derr != nil {
			return derr
		}
	}
	return nil
}

// ensureTopic creates the topic, compacted, unless it is known to exist.
func (l *schemaLog) ensureTopic(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.exists {
		return nil
	}
	adm := kadm.NewClient(l.cl)
	// Schemas are small; the limit is Kafka's default, stated so that it
	// agrees with the writer's batch limit (franz-go's default, below it)
	// whatever the broker's default.
	compact, limit := "compact", "1048588"
	resp, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": &compact, "max.message.bytes": &limit}, l.topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("cannot create topic %s: %w", l.topic, err)
	}
	l.exists = true
	return nil
}

func schemaKey(subject string, version int) string {
	return subject + "/" + strconv.Itoa(version)
}
