package metrics

// Consumer lag. A poller asks the brokers for each group's committed offsets
// and the partitions' end offsets every interval and keeps the result in
// gauges, so that a scrape reads numbers already there and never waits on
// Kafka. One process of a deployment is enough to run it (the gateway does);
// several only repeat the same numbers.

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

var (
	consumerLag = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "consumer", Name: "lag_records",
		Help: "Records not yet consumed (committed) by a consumer group, by group, topic and partition, as of the last poll.",
	}, []string{"group", "topic", "partition"})
	lagPolled = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "consumer", Name: "lag_polled_timestamp_seconds",
		Help: "When the consumer lag was last read from the brokers (Unix time).",
	})
	retryWaiting = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: Namespace, Subsystem: "delivery", Name: "retry_waiting_attempts",
		Help: "Webhook attempts waiting in each retry tier (the retry group's lag on the tier's topic).",
	}, []string{"tier"})
)

// LagPoller polls the lag of consumer groups into gauges.
type LagPoller struct {
	// Client is any client of the cluster.
	Client *kgo.Client
	// Groups are the consumer groups to watch.
	Groups []string
	// RetryGroup consumes RetryTiers (topic → tier name), whose lag is
	// also exported as attempts waiting per tier.
	RetryGroup string
	RetryTiers map[string]string
	Interval   time.Duration
	Logger     *slog.Logger
}

// Collectors are the lag gauges, for a Registry.
func (p *LagPoller) Collectors() []prometheus.Collector {
	return []prometheus.Collector{consumerLag, lagPolled, retryWaiting}
}

// Run polls until ctx ends.
func (p *LagPoller) Run(ctx context.Context) {
	interval := p.Interval
	if interval <= 0 {
		interval = 15 * time.Second
	}
	adm := kadm.NewClient(p.Client)
	for {
		pctx, cancel := context.WithTimeout(ctx, interval)
		err := p.poll(pctx, adm)
		cancel()
		if err != nil && ctx.Err() == nil {
			p.Logger.Warn("cannot read consumer lag", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

func (p *LagPoller) poll(ctx context.Context, adm *kadm.Client) error {
	lags, err := adm.Lag(ctx, p.Groups...)
	if err != nil {
		return err
	}
	waiting := map[string]int64{}
	for _, tier := range p.RetryTiers {
		waiting[tier] = 0
	}
	for _, g := range lags.Sorted() {
		if g.Error() != nil {
			continue // a group that never committed: nothing to report yet
		}
		for topic, parts := range g.Lag {
			for part, l := range parts {
				if l.Lag < 0 {
					continue
				}
				consumerLag.WithLabelValues(g.Group, topic, strconv.Itoa(int(part))).Set(float64(l.Lag))
				if tier, ok := p.RetryTiers[topic]; ok && g.Group == p.RetryGroup {
					waiting[tier] += l.Lag
				}
			}
		}
	}
	for tier, n := range waiting {
		retryWaiting.WithLabelValues(tier).Set(float64(n))
	}
	lagPolled.SetToCurrentTime()
	return nil
}
