package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// monitor follows a run: the sending workers and the ClickHouse wait update
// its counters, and while it runs it counts the run's rows in ClickHouse
// once a second during sending, reads the Kafka lag of the processors and
// the sink four times a second (with -kafka), and prints a progress line every
// second. Each of these runs in its own goroutine, so a slow query does not
// hold up the progress line.
type monitor struct {
	total int
	start time.Time
	log   io.Writer
	store *store
	lag   *lagMeter // nil without -kafka

	done            atomic.Int64
	samplesAccepted atomic.Int64
	failed          atomic.Int64
	rows            atomic.Int64 // last row count seen in ClickHouse, -1 before the first
	want            atomic.Int64 // rows awaited in ClickHouse, 0 while sending
	procLag         atomic.Int64 // -1 unknown
	sinkLag         atomic.Int64 // -1 unknown

	mu          sync.Mutex
	maxProcLag  int64
	maxSinkLag  int64
	processedAt time.Duration // when the processors had consumed every upload, 0 before

	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once
}

func startMonitor(ctx context.Context, total int, st *store, lag *lagMeter, log io.Writer) *monitor {
	m := &monitor{total: total, start: time.Now(), log: log, store: st, lag: lag}
	m.rows.Store(-1)
	m.procLag.Store(-1)
	m.sinkLag.Store(-1)
	ctx, m.cancel = context.WithCancel(ctx)
	m.every(ctx, time.Second, m.countRows)
	m.every(ctx, time.Second, m.print)
	if lag != nil {
		m.every(ctx, 250*time.Millisecond, m.readLag)
	}
	return m
}

// every calls f every period until ctx ends.
func (m *monitor) every(ctx context.Context, period time.Duration, f func(context.Context)) {
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				f(ctx)
			}
		}
	}()
}

// stop ends the monitor's goroutines; it may be called more than once.
func (m *monitor) stop() {
	m.once.Do(func() {
		m.cancel()
		m.wg.Wait()
	})
}

// sending says whether uploads are still being sent.
func (m *monitor) sending() bool { return m.want.Load() == 0 }

func (m *monitor) countRows(ctx context.Context) {
	if !m.sending() {
		return // wait counts faster on its own
	}
	if n, err := m.store.count(ctx, false); err == nil {
		m.rows.Store(int64(n))
	}
}

func (m *monitor) readLag(ctx context.Context) {
	proc, sink, err := m.lag.lags(ctx)
	if err != nil {
		return
	}
	m.procLag.Store(proc)
	m.sinkLag.Store(sink)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.maxProcLag = max(m.maxProcLag, proc)
	m.maxSinkLag = max(m.maxSinkLag, sink)
	if !m.sending() && proc == 0 && m.processedAt == 0 {
		m.processedAt = time.Since(m.start)
	}
}

func (m *monitor) print(context.Context) {
	el := time.Since(m.start).Seconds()
	lag := ""
	if m.lag != nil {
		lag = fmt.Sprintf(", kafka lag: processors %s, sink %s", known(m.procLag.Load()), known(m.sinkLag.Load()))
	}
	if want := m.want.Load(); want > 0 {
		fmt.Fprintf(m.log, "[%5.1fs] waiting for clickhouse: %s of %d samples%s\n", el, known(m.rows.Load()), want, lag)
		return
	}
	acc := m.samplesAccepted.Load()
	fmt.Fprintf(m.log, "[%5.1fs] uploads %d/%d, accepted %d samples (%.0f/s), failed %d, rows in clickhouse %s%s\n",
		el, m.done.Load(), m.total, acc, float64(acc)/el, m.failed.Load(), known(m.rows.Load()), lag)
}

// record puts the lag figures in res.
func (m *monitor) record(res *result) {
	if m.lag == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	proc, sink := m.maxProcLag, m.maxSinkLag
	res.MaxProcessorLag, res.MaxSinkLag = &proc, &sink
	if m.processedAt > 0 {
		s := m.processedAt.Seconds()
		res.ProcessedSeconds = &s
	}
}

func known(n int64) string {
	if n < 0 {
		return "?"
	}
	return strconv.FormatInt(n, 10)
}
