// Package app opens what every wearstream component shares: the Kafka
// producer, the topics, the registered schemas, the configuration tables and
// the secret box. A component is then a function of an *Env.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/config"
	"github.com/wearstream/wearstream/internal/kafka"
	"github.com/wearstream/wearstream/internal/metrics"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/state"
	"github.com/wearstream/wearstream/schemas"
)

// Env is one process's shared connections and state.
type Env struct {
	Config   config.Config
	Logger   *slog.Logger
	Topics   schemas.Topics
	Brokers  []string
	Producer *kgo.Client
	Registry *sr.Client
	Serde    *schemas.Serde
	Store    *state.Store
	Tables   *state.Tables
	Box      *secrets.Box
	// Metrics is the process's metrics registry; the producer's client
	// metrics are in it, and each component adds its own.
	Metrics *metrics.Registry
}

// MaxRecordBytes bounds a record batch of every producer: the largest
// accepted body plus room for the RawEvent envelope, or for the dead letter
// that carries such a raw record. Canonical records are far smaller (sample
// batches are cut, see processors/samples.go); the bound is one for all so
// that a producer writing to several topics (the processor writes canonical
// records and dead letters in one transaction) agrees with each of them.
func MaxRecordBytes(cfg config.Config) int {
	return cfg.MaxBodyBytes + 128<<10
}

// MaxMessageBytes is the max.message.bytes of every topic wearstream
// creates: MaxRecordBytes and room for the batch header and a compression
// codec that does not shrink the data.
func MaxMessageBytes(cfg config.Config) int {
	return MaxRecordBytes(cfg) + 64<<10
}

// Open connects to Kafka and the schema registry, creates missing topics,
// registers the schemas and loads the configuration tables.
func Open(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Env, error) {
	if len(cfg.KafkaBrokers) == 0 {
		return nil, fmt.Errorf("KAFKA_BROKERS is not set")
	}
	if cfg.SchemaRegistryURL == "" {
		return nil, fmt.Errorf("SCHEMA_REGISTRY_URL is not set")
	}
	key, err := secrets.ParseKey(cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("WEARSTREAM_SECRET_KEY: %w", err)
	}
	box, err := secrets.NewBox(key)
	if err != nil {
		return nil, err
	}
	e := &Env{Config: cfg, Logger: logger, Topics: schemas.NewTopics(cfg.TopicPrefix), Brokers: cfg.KafkaBrokers, Box: box, Metrics: metrics.New()}

	opts := append(kafka.ProducerOpts(cfg.KafkaBrokers, cfg.KafkaCompression),
		kafka.Logger(logger),
		kgo.ProducerBatchMaxBytes(int32(MaxRecordBytes(cfg))),
	)
	opts = append(opts, e.Metrics.KafkaHooks("wearstream-producer")...)
	e.Producer, err = kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("cannot create kafka producer: %w", err)
	}
	if err := e.ensureTopics(ctx); err != nil {
		e.Close()
		return nil, err
	}
	e.Registry, err = sr.NewClient(sr.URLs(cfg.SchemaRegistryURL))
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("cannot create schema registry client: %w", err)
	}
	e.Serde, err = schemas.Register(ctx, e.Registry, e.Topics.Bindings(RawProviders()))
	if err != nil {
		e.Close()
		return nil, err
	}
	e.Store = state.NewStore(cfg.KafkaBrokers, e.Producer, e.Serde, logger)
	e.Tables = state.NewTables(e.Store, e.Topics)
	if err := e.Store.Start(ctx); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// RawProviders names every provider with a raw topic.
func RawProviders() []string {
	var names []string
	for _, p := range ingest.All() {
		names = append(names, p.Name)
	}
	return names
}

// TopicSpecs lists every topic of the pipeline with how it is created.
func TopicSpecs(t schemas.Topics, partitions int32) []kafka.TopicSpec {
	specs := []kafka.TopicSpec{
		{Name: t.Samples(), Partitions: partitions},
		{Name: t.Workouts(), Partitions: partitions},
		{Name: t.Sleep(), Partitions: partitions},
		{Name: t.Summaries(), Partitions: partitions},
		{Name: t.Lifecycle(), Partitions: partitions},
		{Name: t.Deliveries(), Partitions: partitions},
		{Name: t.DLQ(), Partitions: partitions},
	}
	for _, topic := range t.DeliveryRetries() {
		specs = append(specs, kafka.TopicSpec{Name: topic, Partitions: partitions})
	}
	specs = append(specs, kafka.TopicSpec{Name: t.State(schemas.StateEndpointHealth), Partitions: 1, Compacted: true})
	specs = append(specs, kafka.TopicSpec{Name: t.State(schemas.StateSyncRuns), Partitions: 1, Compacted: true})
	// Provider connections, and the ingest workers' jobs, keyed by user.
	specs = append(specs,
		kafka.TopicSpec{Name: t.State(schemas.StateConnections), Partitions: 1, Compacted: true},
		kafka.TopicSpec{Name: t.IngestJobs(), Partitions: partitions},
	)
	for _, s := range []string{schemas.StateTenants, schemas.StateAPIKeys, schemas.StateUsers, schemas.StateEndpoints, schemas.StatePriorities} {
		specs = append(specs, kafka.TopicSpec{Name: t.State(s), Partitions: 1, Compacted: true})
	}
	// The SDK flow: its configuration tables, its log topic, and the
	// processor's sleep changelog, partitioned like the raw topics.
	for _, s := range []string{schemas.StateApplications, schemas.StateRefreshTokens, schemas.StateInvitationCodes} {
		specs = append(specs, kafka.TopicSpec{Name: t.State(s), Partitions: 1, Compacted: true})
	}
	specs = append(specs,
		kafka.TopicSpec{Name: t.SDKLogs(), Partitions: partitions},
		kafka.TopicSpec{Name: t.State(schemas.StateSleepOpen), Partitions: partitions, Compacted: true},
		// The processor's fingerprints of the workouts and sleep it emitted.
		kafka.TopicSpec{Name: t.State(schemas.StateRecords), Partitions: partitions, Compacted: true},
	)
	// The audit log and the used OAuth states (schemas/audit.go).
	specs = append(specs, kafka.TopicSpec{Name: t.Audit(), Partitions: partitions},
		kafka.TopicSpec{Name: t.State(schemas.StateOAuthStates), Partitions: 1, Compacted: true})
	// Each tenant's provider settings (schemas/providers.go).
	specs = append(specs, kafka.TopicSpec{Name: t.State(schemas.StateProviderSettings), Partitions: 1, Compacted: true})
	// Pushed history backfills (schemas/backfill.go).
	specs = append(specs, kafka.TopicSpec{Name: t.State(schemas.StateBackfills), Partitions: 1, Compacted: true})
	// Providers' webhook subscription registrations (schemas/subscriptions.go).
	specs = append(specs, kafka.TopicSpec{Name: t.State(schemas.StateSubscriptions), Partitions: 1, Compacted: true})
	// The erasure list (internal/state/erasures.go).
	specs = append(specs, kafka.TopicSpec{Name: t.State(schemas.StateErasures), Partitions: 1, Compacted: true},
		kafka.TopicSpec{Name: t.State(schemas.StateRetention), Partitions: 1, Compacted: true})
	for _, p := range RawProviders() {
		specs = append(specs, kafka.TopicSpec{Name: t.Raw(p), Partitions: partitions})
	}
	return specs
}

func (e *Env) ensureTopics(ctx context.Context) error {
	return kafka.EnsureTopics(ctx, e.Producer, e.Config.ReplicationFactor, MaxMessageBytes(e.Config), e.Config.TopicRetention, TopicSpecs(e.Topics, e.Config.Partitions))
}

// TopicNames lists every topic name of the pipeline.
func (e *Env) TopicNames() []string {
	var names []string
	for _, s := range TopicSpecs(e.Topics, e.Config.Partitions) {
		names = append(names, s.Name)
	}
	return names
}

// Close releases everything Open created.
func (e *Env) Close() {
	if e.Store != nil {
		e.Store.Close()
	}
	if e.Producer != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = e.Producer.Flush(ctx)
		cancel()
		e.Producer.Close()
	}
}

// NewLogger returns the process logger as configured.
func NewLogger(cfg config.Config) *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[strings.ToLower(cfg.LogLevel)]
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
