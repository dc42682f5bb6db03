package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/gateway"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/config"
	"github.com/wearstream/wearstream/internal/metrics"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/schemas"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

// openEnv loads the configuration and opens the shared environment.
func openEnv(ctx context.Context) (*app.Env, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, app.NewLogger(cfg))
}

// connectClickHouse connects to the configured ClickHouse, creates the
// database and applies pending migrations.
func connectClickHouse(ctx context.Context, cfg config.Config, logger *slog.Logger) (driver.Conn, error) {
	if cfg.ClickHouseAddr == "" {
		return nil, fmt.Errorf("CLICKHOUSE_ADDR is not set")
	}
	auth := chsink.Auth(cfg.ClickHouseUser, cfg.ClickHousePassword)
	boot, err := chsink.Connect(ctx, cfg.ClickHouseAddr, "default", auth)
	if err != nil {
		return nil, err
	}
	err = chsink.EnsureDatabase(ctx, boot, cfg.ClickHouseDatabase)
	boot.Close()
	if err != nil {
		return nil, err
	}
	conn, err := chsink.Connect(ctx, cfg.ClickHouseAddr, cfg.ClickHouseDatabase, auth)
	if err != nil {
		return nil, err
	}
	applied, err := chsink.Migrate(ctx, conn, logger)
	if err != nil {
		conn.Close()
		return nil, err
	}
	for _, m := range applied {
		logger.Info("applied clickhouse migration", "migration", m)
	}
	return conn, nil
}

func clickHouseCheck(conn driver.Conn) gateway.Check {
	return gateway.Check{Name: "clickhouse", Func: func(ctx context.Context) error {
		if err := conn.Ping(ctx); err != nil {
			return err
		}
		for _, table := range []string{"samples", "workouts", "sleep"} {
			var exists uint8
			if err := conn.QueryRow(ctx, "EXISTS TABLE "+table).Scan(&exists); err != nil {
				return err
			}
			if exists != 1 {
				return fmt.Errorf("table %s is missing (run wearstream migrate)", table)
			}
		}
		return nil
	}}
}

// serveGateway runs the HTTP gateway on ln until ctx ends, with the
// metrics of the process and the consumer-lag poller; conn, when not nil,
// serves the delivery log and read APIs.
func serveGateway(ctx context.Context, env *app.Env, ln net.Listener, conn driver.Conn, checks ...gateway.Check) error {
	env.Metrics.Register(gateway.Collectors()...)
	go lagPoller(env).Run(ctx)
	opts := []gateway.Option{gateway.WithChecks(checks...), gateway.WithMetrics(env.Metrics)}
	if conn != nil {
		opts = append(opts, gateway.WithClickHouse(conn))
	}
	return gateway.New(env, opts...).Serve(ctx, ln)
}

// listen listens on the gateway's address.
func listen(env *app.Env) (net.Listener, error) {
	ln, err := net.Listen("tcp", env.Config.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %w", env.Config.HTTPAddr, err)
	}
	return ln, nil
}

// lagPoller watches the lag of every consumer group of the pipeline.
func lagPoller(env *app.Env) *metrics.LagPoller {
	tiers := map[string]string{}
	for _, tier := range schemas.RetryTiers {
		tiers[env.Topics.DeliveryRetry(tier)] = tier
	}
	p := &metrics.LagPoller{
		Client:     env.Producer,
		Groups:     []string{processors.Group, sinkGroup, webhooks.Group, webhooks.Group + "-retry", jobs.Group},
		RetryGroup: webhooks.Group + "-retry",
		RetryTiers: tiers,
		Logger:     env.Logger.With("component", "metrics"),
	}
	env.Metrics.Register(p.Collectors()...)
	return p
}

// serveMetrics serves GET /metrics on WEARSTREAM_METRICS_ADDR, for the
// components without an HTTP server of their own.
func serveMetrics(ctx context.Context, env *app.Env) {
	if addr := env.Config.MetricsAddr; addr != "off" {
		env.Metrics.Serve(ctx, addr, env.Logger)
	}
}

// process runs one processor until ctx ends.
func process(ctx context.Context, env *app.Env) error {
	env.Metrics.Register(processors.Collectors()...)
	p, err := processors.New(processors.Config{
		Brokers:        env.Brokers,
		Topics:         env.Topics,
		Serde:          env.Serde,
		Logger:         env.Logger.With("component", "process"),
		MaxRecordBytes: int32(env.Config.MaxBodyBytes + 1<<20),
		MaxBatchBytes:  int32(app.MaxRecordBytes(env.Config)),
		InstanceID:     env.Config.InstanceID,
		Compression:    env.Config.KafkaCompression,
		Erasures:       env.Tables.Erasures,
		ExtraOpts:      append(env.Metrics.KafkaHooks("wearstream-process"), groupTimeouts()...),
	})
	if err != nil {
		return err
	}
	return p.Run(ctx)
}

// sink runs the ClickHouse sink until ctx ends.
func sink(ctx context.Context, env *app.Env, conn driver.Conn) error {
	env.Metrics.Register(chsink.Collectors()...)
	return sinkGroupRun(ctx, env, conn, sinkGroup)
}

// sinkGroupRun runs a ClickHouse sink in consumer group group.
func sinkGroupRun(ctx context.Context, env *app.Env, conn driver.Conn, group string) error {
	cl, err := kgo.NewClient(append(append(env.Metrics.KafkaHooks("wearstream-sink"),
		kgo.SeedBrokers(env.Brokers...),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(append(env.Topics.Canonical(), env.Topics.Deliveries(), env.Topics.Audit())...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.DisableAutoCommit(),
		kgo.BlockRebalanceOnPoll(),
	), groupMembership(env.Config)...)...)
	if err != nil {
		return fmt.Errorf("cannot create sink consumer: %w", err)
	}
	defer cl.Close()
	logger := env.Logger.With("component", "sink")
	s := chsink.New(chsink.Config{
		Client:    cl,
		Decode:    func(_ string, value []byte) (any, error) { return env.Serde.DecodeNew(value) },
		Writer:    chsink.NewWriter(conn),
		BatchRows: env.Config.SinkBatchRows,
		BatchWait: env.Config.SinkBatchWait,
		Logger:    logger,
		Erasures:  env.Tables.Erasures,
		Retention: func() []schemas.Retention {
			var out []schemas.Retention
			env.Tables.Retention.Range(func(_ string, r schemas.Retention) bool {
				out = append(out, r)
				return true
			})
			return out
		},
		OnBadRecord: func(ctx context.Context, r *kgo.Record, cause error) error {
			logger.Warn("dead-lettering record", "topic", r.Topic, "partition", r.Partition, "offset", r.Offset, "err", cause)
			reason := "decode"
			if errors.Is(cause, chsink.ErrInvalid) {
				reason = "invalid"
			}
			return env.DeadLetter(ctx, r, "sink", app.WithReason(cause, reason))
		},
	})
	return s.Run(ctx)
}

// deliver runs the webhook delivery consumer until ctx ends.
func deliver(ctx context.Context, env *app.Env) error {
	env.Metrics.Register(webhooks.Collectors()...)
	d, err := webhooks.NewDeliverer(webhooks.DelivererConfig{
		Brokers:     env.Brokers,
		Topics:      env.Topics,
		Serde:       env.Serde,
		Endpoints:   env.Tables.Endpoints,
		Health:      env.Tables.EndpointHealth,
		Box:         env.Box,
		Sender:      &webhooks.Sender{Client: webhooks.NewClient(env.Config.WebhooksAllowPrivate, env.Config.WebhookTimeout)},
		Producer:    env.Producer,
		Logger:      env.Logger.With("component", "deliver"),
		Concurrency: env.Config.WebhookConcurrency,
		Erasures:    env.Tables.Erasures,
		ClientOpts: func(group string) []kgo.Opt {
			return append(env.Metrics.KafkaHooks(group), groupMembership(env.Config)...)
		},
	})
	if err != nil {
		return err
	}
	return d.Run(ctx)
}

func runGateway(ctx context.Context, _ []string) error {
	env, err := openEnv(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	var checks []gateway.Check
	var conn driver.Conn
	if env.Config.ClickHouseAddr != "" {
		conn, err = connectClickHouse(ctx, env.Config, env.Logger)
		if err != nil {
			return err
		}
		defer conn.Close()
		checks = append(checks, clickHouseCheck(conn))
	}
	ln, err := listen(env)
	if err != nil {
		return err
	}
	env.Logger.Info("gateway listening", "addr", env.Config.HTTPAddr)
	return serveGateway(ctx, env, ln, conn, checks...)
}

func runProcess(ctx context.Context, _ []string) error {
	env, err := openEnv(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	serveMetrics(ctx, env)
	return process(ctx, env)
}

func runSink(ctx context.Context, _ []string) error {
	env, err := openEnv(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	serveMetrics(ctx, env)
	conn, err := connectClickHouse(ctx, env.Config, env.Logger)
	if err != nil {
		return err
	}
	defer conn.Close()
	return sink(ctx, env, conn)
}

func runDeliver(ctx context.Context, _ []string) error {
	env, err := openEnv(ctx)
	if err != nil {
		return err
	}
	defer env.Close()
	serveMetrics(ctx, env)
	return deliver(ctx, env)
}

func runMigrate(ctx context.Context, _ []string) error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	logger := app.NewLogger(cfg)
	conn, err := connectClickHouse(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer conn.Close()
	fmt.Println("clickhouse schema is up to date")
	return nil
}

// sinkGroup is the consumer group of the ClickHouse sinks.
const sinkGroup = "wearstream-sink-clickhouse"
