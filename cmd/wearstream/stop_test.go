package main

import (
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wearstream/wearstream/internal/testenv"
)

// TestComponentStopsWhileItsGroupIsStuck runs `wearstream deliver` as a
// process against a broker that never answers its SyncGroup requests, so
// the consumer is stuck joining its group, and sends SIGTERM: the process
// still exits within 10 s.
func TestComponentStopsWhileItsGroupIsStuck(t *testing.T) {
	st := testenv.Start(t, nil)
	cluster := st.Kafka.Cluster()
	syncing := make(chan struct{}, 1)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the broker closes
	cluster.ControlKey(kmsg.SyncGroup.Int16(), func(kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		select {
		case syncing <- struct{}{}:
		default:
		}
		cluster.SleepControl(func() { <-release })
		return nil, nil, false
	})

	dir := t.TempDir()
	cfg := st.Env.Config
	deliver := newProc("deliver", buildBinary(t, dir), dir, map[string]string{
		"KAFKA_BROKERS":          cfg.KafkaBrokers[0],
		"SCHEMA_REGISTRY_URL":    cfg.SchemaRegistryURL,
		"WEARSTREAM_SECRET_KEY":  cfg.SecretKey,
		"WEARSTREAM_PARTITIONS":  "3",
		"WEARSTREAM_INSTANCE_ID": "stuck",
		"WEARSTREAM_LOG_LEVEL":   "warn",
	}, "deliver")
	if err := deliver.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(deliver.stop)
	select {
	case <-syncing:
	case <-time.After(60 * time.Second):
		t.Fatalf("deliver never tried to join its group:\n%s", deliver.logTail(20))
	}
	if took, ok := deliver.terminate(10 * time.Second); !ok {
		t.Fatalf("deliver did not stop within 10 s of SIGTERM while joining its group (%s):\n%s", took, deliver.logTail(20))
	}
}
