package main

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The consumer groups of `wearstream process` and of the ClickHouse sink
// (processors.Group and the sink group in cmd/wearstream).
const (
	processorGroup = "wearstream-processors"
	sinkGroup      = "wearstream-sink-clickhouse"
)

// lagMeter reads how many records the processors and the ClickHouse sink
// still have to consume, which tells the stage that holds data back.
type lagMeter struct {
	cl  *kgo.Client
	adm *kadm.Client
}

func openLagMeter(ctx context.Context, brokers string) (*lagMeter, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers), kgo.DialTimeout(5*time.Second))
	if err != nil {
		return nil, fmt.Errorf("invalid -kafka %q: %w", brokers, err)
	}
	m := &lagMeter{cl: cl, adm: kadm.NewClient(cl)}
	if _, err := m.adm.ListBrokers(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("cannot reach kafka at %s: %w", brokers, err)
	}
	return m, nil
}

// lags returns the records the processors (raw topics) and the sink
// (canonical topics) have not committed yet; -1 for a group without
// committed offsets yet.
func (m *lagMeter) lags(ctx context.Context) (processor, sink int64, err error) {
	ls, err := m.adm.Lag(ctx, processorGroup, sinkGroup)
	if err != nil {
		return 0, 0, err
	}
	total := func(group string) int64 {
		l, ok := ls[group]
		if !ok || l.Error() != nil || len(l.Lag) == 0 {
			return -1
		}
		return l.Lag.Total()
	}
	return total(processorGroup), total(sinkGroup), nil
}

func (m *lagMeter) close() { m.cl.Close() }
