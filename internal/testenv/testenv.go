// Package testenv starts the embedded pieces that tests run against: an
// in-process kfake broker and srfake schema registry (with the project's
// compatibility check), opened as an app.Env exactly as production opens a
// real cluster. ClickHouse comes from chserver.TestServer.
package testenv

import (
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/config"
	"github.com/wearstream/wearstream/internal/devstack"
	"github.com/wearstream/wearstream/internal/secrets"
)

// Stack is a running Kafka and schema registry with an Env opened on them.
type Stack struct {
	Kafka    *devstack.Kafka
	Registry *devstack.Registry
	Env      *app.Env
}

// Logger returns a logger that writes to the test log only with -v, and
// otherwise discards everything below errors.
func Logger(tb testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start starts a fresh stack; extra holds environment variables on top of
// the test defaults. Everything is stopped when the test ends.
func Start(tb testing.TB, extra map[string]string) *Stack {
	tb.Helper()
	logger := Logger(tb)
	k, err := devstack.StartKafka(devstack.KafkaOptions{Logger: logger})
	if err != nil {
		tb.Fatalf("cannot start kafka: %v", err)
	}
	tb.Cleanup(k.Close)
	reg, err := devstack.StartRegistry(devstack.RegistryOptions{})
	if err != nil {
		tb.Fatalf("cannot start schema registry: %v", err)
	}
	tb.Cleanup(reg.Close)
	env := map[string]string{
		"KAFKA_BROKERS":                     strings.Join(k.Addrs(), ","),
		"SCHEMA_REGISTRY_URL":               reg.URL(),
		"WEARSTREAM_SECRET_KEY":             secrets.NewKey(),
		"WEARSTREAM_PARTITIONS":             "3",
		"WEARSTREAM_REPLICATION_FACTOR":     "1",
		"WEARSTREAM_WEBHOOKS_ALLOW_PRIVATE": "true",
		"WEARSTREAM_SINK_BATCH_WAIT":        "200ms",
	}
	for key, v := range extra {
		env[key] = v
	}
	cfg, err := config.Parse(func(key string) string { return env[key] })
	if err != nil {
		tb.Fatalf("bad test configuration: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e, err := app.Open(ctx, cfg, logger)
	if err != nil {
		tb.Fatalf("cannot open env: %v", err)
	}
	tb.Cleanup(e.Close)
	return &Stack{Kafka: k, Registry: reg, Env: e}
}
