// Package metrics is the Prometheus side of every wearstream process.
//
// A process has one Registry: Go runtime and process collectors, franz-go's
// own client metrics (kprom, under wearstream_kafka_*, one client_id label
// per client), the collectors of the stages the process runs (each stage
// declares its own in its folder: processors/metrics.go,
// sinks/clickhouse/metrics.go, sinks/webhooks/metrics.go, the gateway's
// HTTP metrics) and, in processes that run it, the consumer-lag poller
// (lag.go). It is served as GET /metrics: on the gateway's own port, and on
// WEARSTREAM_METRICS_ADDR for the components without an HTTP server.
//
// Names follow Prometheus' conventions (checked by `promtool check
// metrics` in the tests): a wearstream_ prefix, base units (seconds,
// bytes), _total on counters, labels of bounded cardinality (route
// templates, topics, tables, stages and reasons; never a user or a URL).
// A scrape reads values already computed and never waits on Kafka or
// ClickHouse, so it cannot block the pipeline.
package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"
)

// Namespace prefixes every wearstream metric.
const Namespace = "wearstream"

// Registry is one process's metrics.
type Registry struct {
	reg *prometheus.Registry
	// kafka holds the franz-go client metrics (kprom), gathered through
	// gaugeNames.
	kafka *prometheus.Registry

	mu      sync.Mutex
	clients map[string]int // client ids handed out, for unique ones
}

// New returns a registry with the runtime, process and Kafka client
// collectors and the given stage collectors.
func New(stages ...prometheus.Collector) *Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	r := &Registry{reg: reg, kafka: prometheus.NewRegistry(), clients: map[string]int{}}
	r.Register(stages...)
	return r
}

// Register adds collectors; one already registered is left as it is, so
// that stages sharing a collector (the dead-letter counter) may each name it.
func (r *Registry) Register(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.reg.Register(c); err != nil {
			var already prometheus.AlreadyRegisteredError
			if !errors.As(err, &already) {
				panic(err)
			}
		}
	}
}

// Registerer is where further collectors go.
func (r *Registry) Registerer() prometheus.Registerer { return r.reg }

// Gatherer reads every metric.
func (r *Registry) Gatherer() prometheus.Gatherer {
	return prometheus.Gatherers{r.reg, gaugeNames{r.kafka}}
}

// gaugeNames drops the _total suffix that kprom gives two gauges
// (buffered_produce_records_total, buffered_fetch_records_total): by
// Prometheus' conventions only counters end in _total.
type gaugeNames struct{ prometheus.Gatherer }

func (g gaugeNames) Gather() ([]*dto.MetricFamily, error) {
	families, err := g.Gatherer.Gather()
	for _, f := range families {
		if f.GetType() == dto.MetricType_GAUGE {
			if name, ok := strings.CutSuffix(f.GetName(), "_total"); ok {
				f.Name = &name
			}
		}
	}
	return families, err
}

// KafkaHooks are the options of one Kafka client: a client id, name or
// name-2, name-3 … when name was handed out before (a restarted client,
// two consumers of one component), and franz-go's metrics of that client
// under that client_id label. A closed client's metrics leave the registry.
func (r *Registry) KafkaHooks(name string) []kgo.Opt {
	r.mu.Lock()
	r.clients[name]++
	id := name
	if n := r.clients[name]; n > 1 {
		id = name + "-" + strconv.Itoa(n)
	}
	r.mu.Unlock()
	m := kprom.NewMetrics(Namespace, kprom.Subsystem("kafka"), kprom.Registry(r.kafka), kprom.WithClientLabel())
	return []kgo.Opt{kgo.ClientID(id), kgo.WithHooks(m)}
}

// Handler serves the metrics in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.Gatherer(), promhttp.HandlerOpts{Registry: r.reg, Timeout: 5 * time.Second})
}

// Serve serves GET /metrics on addr until ctx ends. A metrics listener
// that cannot start is logged and the component runs on without it:
// metrics never stop the pipeline.
func (r *Registry) Serve(ctx context.Context, addr string, logger *slog.Logger) {
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		logger.Warn("cannot serve metrics; running without them", "addr", addr, "err", err)
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", r.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	logger.Info("serving metrics", "addr", ln.Addr().String())
	go func() { _ = srv.Serve(ln) }()
}

// DeadLetters counts the records every stage sends to the dead-letter
// topic, by stage and reason.
var DeadLetters = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: Namespace,
	Name:      "dead_letters_total",
	Help:      "Records sent to the dead-letter topic, by stage and reason.",
}, []string{"stage", "reason"})
