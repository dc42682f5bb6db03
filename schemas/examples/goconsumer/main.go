// Command goconsumer reads wearables.workouts the way a downstream service
// would, with franz-go and its schema registry client, and prints one line
// per record. It imports nothing from wearstream: the topic, the Confluent
// wire format and the registered Avro schema are the whole contract. The
// README's "Consuming the topics" shows this file, and a test runs it.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
)

// Workout holds the fields of io.wearstream.Workout this service reads;
// the Avro decoder skips the others.
type Workout struct {
	ID         string    `avro:"id"`
	UserID     string    `avro:"user_id"`
	Type       string    `avro:"type"`
	StartTime  time.Time `avro:"start_time"`
	ZoneOffset int32     `avro:"zone_offset"` // minutes east of UTC
	Version    int64     `avro:"version"`
	Deleted    bool      `avro:"deleted"`
	Change     string    `avro:"change"` // created, updated or deleted
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	registry, err := sr.NewClient(sr.URLs(os.Getenv("SCHEMA_REGISTRY_URL")))
	if err != nil {
		return err
	}
	client, err := kgo.NewClient(
		kgo.SeedBrokers(strings.Split(os.Getenv("KAFKA_BROKERS"), ",")...),
		kgo.ConsumerGroup("example-workouts"),
		kgo.ConsumeTopics("wearables.workouts"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), // the processor writes in transactions
	)
	if err != nil {
		return err
	}
	defer client.Close()

	schemas := map[int]avro.Schema{} // writer schemas by registry id
	for {
		fetches := client.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err := fetches.Err(); err != nil {
			return err
		}
		for _, rec := range fetches.Records() {
			// Confluent wire format: magic byte 0, 4-byte schema id, Avro body.
			id, body, err := (&sr.ConfluentHeader{}).DecodeID(rec.Value)
			if err != nil {
				return err
			}
			schema, ok := schemas[id]
			if !ok {
				s, err := registry.SchemaByID(ctx, id)
				if err != nil {
					return err
				}
				// A cache of its own per schema: two versions of one record
				// must not meet in the decoder's global name cache.
				if schema, err = avro.ParseWithCache(s.Schema, "", &avro.SchemaCache{}); err != nil {
					return err
				}
				schemas[id] = schema
			}
			var w Workout
			if err := avro.Unmarshal(schema, body, &w); err != nil {
				return err
			}
			// The key is the user id as plain text.
			fmt.Printf("%s %s %s v%d %s %s %+d min deleted=%t\n", rec.Key, w.ID, w.Change, w.Version,
				w.Type, w.StartTime.UTC().Format(time.RFC3339), w.ZoneOffset, w.Deleted)
		}
		if err := client.CommitUncommittedOffsets(ctx); err != nil {
			return err
		}
	}
}
