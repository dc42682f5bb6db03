package processors

// The processor's metrics: raw events in by provider, canonical records out
// by topic, items skipped, records unchanged, transactions by outcome and
// dead letters by reason. They are counted when a transaction commits, so
// an aborted batch counts once, when it finally commits.

import (
	"errors"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wearstream/wearstream/internal/metrics"
)

var (
	rawEventsIn = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "processor", Name: "raw_events_total",
		Help: "Raw events processed in committed transactions, by provider.",
	}, []string{"provider"})
	recordsOut = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "processor", Name: "records_total",
		Help: "Records produced in committed transactions, by topic (canonical, changelog and dead-letter topics).",
	}, []string{"topic"})
	itemsSkipped = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "processor", Name: "skipped_items_total",
		Help: "Input items skipped by the normalisers (unknown types, invalid items).",
	})
	recordsUnchanged = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "processor", Name: "unchanged_records_total",
		Help: "Workouts, sleep sessions and summaries not emitted because they said nothing new.",
	})
	transactions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "processor", Name: "transactions_total",
		Help: "Kafka transactions ended, by outcome (committed, aborted).",
	}, []string{"outcome"})
)

// Collectors are the processor's metrics, for a metrics.Registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{rawEventsIn, recordsOut, itemsSkipped, recordsUnchanged, transactions, erasedEvents, metrics.DeadLetters}
}

// errDecode marks a raw record that is not a RawEvent.
var errDecode = errors.New("cannot decode raw event")

// errRefused marks a raw event whose records Kafka refused too often.
var errRefused = errors.New("kafka refused its records")

// deadLetterReason names why a raw record was dead-lettered, for the
// metrics: decode, refused or normalise.
func deadLetterReason(err error) string {
	switch {
	case errors.Is(err, errDecode):
		return "decode"
	case errors.Is(err, errRefused):
		return "refused"
	default:
		return "normalise"
	}
}

// countCommitted adds a committed transaction's counts.
func (p *Processor) countCommitted(raws map[string]int64, out map[string]int64, reasons map[string]int64) {
	transactions.WithLabelValues("committed").Inc()
	for topic, n := range raws {
		rawEventsIn.WithLabelValues(strings.TrimPrefix(topic, p.cfg.Topics.RawPrefix())).Add(float64(n))
	}
	for topic, n := range out {
		recordsOut.WithLabelValues(topic).Add(float64(n))
	}
	for reason, n := range reasons {
		metrics.DeadLetters.WithLabelValues(Stage, reason).Add(float64(n))
	}
}
