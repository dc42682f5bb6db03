package clickhouse

// The sink's metrics: rows inserted per table, insert latency per table and
// failed inserts per table. A table's INSERT is timed from PrepareBatch to
// Send.

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wearstream/wearstream/internal/metrics"
)

var (
	rowsInserted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "sink", Name: "rows_total",
		Help: "Rows inserted into ClickHouse, by table; a sleep session or summary counts as one row, and samples_deletions counts the deleting batches applied to samples by INSERT ... SELECT.",
	}, []string{"table"})
	insertSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: metrics.Namespace, Subsystem: "sink", Name: "insert_duration_seconds",
		Help:    "Time of one ClickHouse INSERT, by table.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"table"})
	insertErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "sink", Name: "insert_errors_total",
		Help: "ClickHouse INSERTs that failed (and are retried), by table.",
	}, []string{"table"})
)

// Collectors are the sink's metrics, for a metrics.Registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{rowsInserted, insertSeconds, insertErrors, metrics.DeadLetters}
}

// timed runs one table's insert of n rows and records it.
func timed(table string, n int, insert func() error) error {
	if n == 0 {
		return insert()
	}
	start := time.Now()
	err := insert()
	if err != nil {
		insertErrors.WithLabelValues(table).Inc()
		return err
	}
	insertSeconds.WithLabelValues(table).Observe(time.Since(start).Seconds())
	rowsInserted.WithLabelValues(table).Add(float64(n))
	return nil
}
