package devstack

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// DefaultKafkaAddr is where `wearstream dev` serves Kafka, so that kcat and
// other tools can attach.
const DefaultKafkaAddr = "127.0.0.1:9092"

// KafkaOptions configures StartKafka.
type KafkaOptions struct {
	// Addr is the host:port to listen on; "" or port 0 picks a free port on
	// 127.0.0.1. The broker advertises the address it listens on, so the host
	// must be one clients can reach: a wildcard host is refused.
	Addr string
	// DataDir keeps topics, records and group offsets across restarts; ""
	// keeps everything in memory only.
	DataDir string
	// Logger receives kfake's warnings and errors; nil means slog.Default().
	Logger *slog.Logger
}

// Kafka is a running single-broker kfake cluster.
type Kafka struct {
	cluster *kfake.Cluster
	addrs   []string // read once: kfake's ListenAddrs blocks after Close
}

// StartKafka starts a single kfake broker. Compaction of compacted topics
// runs every 30 s rather than kfake's default of once an hour.
func StartKafka(opts KafkaOptions) (*Kafka, error) {
	host, port, err := splitAddr(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("cannot use kafka address %q: %w", opts.Addr, err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	kopts := []kfake.Opt{
		// kfake listens on 127.0.0.1 whatever the port; ListenFn puts the
		// listener on the configured host instead.
		kfake.Ports(port),
		kfake.ListenFn(func(network, address string) (net.Listener, error) {
			_, p, err := net.SplitHostPort(address)
			if err != nil {
				return nil, err
			}
			return net.Listen(network, net.JoinHostPort(host, p))
		}),
		kfake.BrokerConfigs(map[string]string{"log.cleaner.backoff.ms": "30000"}),
		kfake.WithLogger(kfakeLogger{logger.With("component", "kfake")}),
	}
	if opts.DataDir != "" {
		kopts = append(kopts, kfake.DataDir(opts.DataDir))
	}
	cluster, err := kfake.NewCluster(kopts...)
	if err != nil {
		return nil, fmt.Errorf("cannot start kafka on %s:%d: %w", host, port, err)
	}
	return &Kafka{cluster: cluster, addrs: cluster.ListenAddrs()}, nil
}

// Addrs returns the host:port of each broker, for kgo.SeedBrokers.
func (k *Kafka) Addrs() []string { return slices.Clone(k.addrs) }

// Cluster returns the kfake cluster, for tests that steer it (Compact, ...).
func (k *Kafka) Cluster() *kfake.Cluster { return k.cluster }

// Close stops the broker; with a DataDir, its state is saved first.
func (k *Kafka) Close() { k.cluster.Close() }

// splitAddr splits host:port, defaulting the host to 127.0.0.1 and refusing
// hosts that cannot be advertised to clients.
func splitAddr(addr string) (string, int, error) {
	if addr == "" {
		return "127.0.0.1", 0, nil
	}
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 0 || port > 65535 {
		return "", 0, fmt.Errorf("invalid port %q", p)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return "", 0, fmt.Errorf("wildcard host %s cannot be advertised to clients", host)
	}
	return host, port, nil
}

// kfakeLogger passes kfake's warnings and errors to slog and drops the rest.
type kfakeLogger struct{ l *slog.Logger }

func (k kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	var l slog.Level
	switch level {
	case kfake.LogLevelError:
		l = slog.LevelError
	case kfake.LogLevelWarn:
		l = slog.LevelWarn
	default:
		return
	}
	k.l.Log(context.Background(), l, fmt.Sprintf(format, args...))
}
