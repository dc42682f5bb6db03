package webhooks

// The delivery consumer's metrics: attempts by outcome and their latency,
// and endpoints disabled. The attempts waiting in each retry tier are the
// lag of the retry group on the tier's topic (internal/metrics' lag poller).

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wearstream/wearstream/internal/metrics"
)

var (
	deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "delivery", Name: "attempts_total",
		Help: "Webhook delivery attempts, by outcome: success (a 2xx), failure (another status) or no_response (timeout, refused connection, bad address).",
	}, []string{"outcome"})
	deliverySeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Namespace: metrics.Namespace, Subsystem: "delivery", Name: "attempt_duration_seconds",
		Help:    "Time from sending a webhook request to reading its response.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30},
	})
	endpointsDisabled = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "delivery", Name: "endpoints_disabled_total",
		Help: "Webhook endpoints disabled after failing without a success for the failing window.",
	})
)

// Collectors are the delivery consumer's metrics, for a metrics.Registry.
func Collectors() []prometheus.Collector {
	return []prometheus.Collector{deliveries, deliverySeconds, endpointsDisabled, metrics.DeadLetters}
}

// countAttempt records one attempt's result.
func countAttempt(res Result) {
	switch {
	case res.Success:
		deliveries.WithLabelValues("success").Inc()
	case res.StatusCode != 0:
		deliveries.WithLabelValues("failure").Inc()
	default:
		deliveries.WithLabelValues("no_response").Inc()
	}
	if res.Duration > 0 {
		deliverySeconds.Observe(res.Duration.Seconds())
	}
}
