package main

// The checks of the chaos test: when a run has settled (every group has
// consumed every committed record, every acknowledged sample and workout is
// in ClickHouse, every workout's webhook arrived), and the exact accounting
// once it has.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/ingest/fit"
	"github.com/wearstream/wearstream/processors"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

// chaosGroups are the consumer groups that must drain.
var chaosGroups = []string{processors.Group, sinkGroup, webhooks.Group, webhooks.Group + "-retry"}

// pending says what is not done yet: lag, missing rows, missing webhooks;
// "" when everything is.
func (r *chaosRun) pending(want *expected) string {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return strings.Join(append(r.undrained(ctx), r.dataPending(ctx, want)...), "; ")
}

// waitDrained waits until every group has consumed every committed record,
// failing when that is not so within limit of since; it returns how long
// after since the groups were found drained.
func (r *chaosRun) waitDrained(since time.Time, limit time.Duration) time.Duration {
	r.t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		left := r.undrained(ctx)
		cancel()
		took := time.Since(since)
		if len(left) == 0 {
			return took
		}
		if took > limit {
			r.t.Fatalf("groups not drained %s after the restart: %s", limit, strings.Join(left, "; "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// undrained says which groups have committed records left to consume.
func (r *chaosRun) undrained(ctx context.Context) []string {
	lags, err := r.adm.Lag(ctx, chaosGroups...)
	if err != nil {
		return []string{"lag: " + err.Error()}
	}
	groupLeft := make([]string, len(chaosGroups))
	var wg sync.WaitGroup
	for i, g := range chaosGroups {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := lags[g]
			if err := l.Error(); err != nil {
				groupLeft[i] = fmt.Sprintf("group %s: %v", g, err)
			} else if n := r.unconsumed(ctx, l.Lag); n != 0 {
				groupLeft[i] = fmt.Sprintf("group %s (%s, %d members): %d records not consumed", g, l.State, len(l.Members), n)
			}
		}()
	}
	wg.Wait()
	var left []string
	for _, s := range groupLeft {
		if s != "" {
			left = append(left, s)
		}
	}
	return left
}

// dataPending says which acknowledged data is not yet in ClickHouse or at
// the webhook receiver.
func (r *chaosRun) dataPending(ctx context.Context, want *expected) []string {
	var left []string
	var samples, workouts uint64
	if err := r.conn.QueryRow(ctx, "SELECT count() FROM samples FINAL WHERE deleted = 0").Scan(&samples); err != nil {
		return []string{"clickhouse: " + err.Error()}
	}
	if err := r.conn.QueryRow(ctx, "SELECT count() FROM workouts FINAL WHERE deleted = 0").Scan(&workouts); err != nil {
		return []string{"clickhouse: " + err.Error()}
	}
	if samples != uint64(len(want.samples)) {
		left = append(left, fmt.Sprintf("samples %d of %d", samples, len(want.samples)))
	}
	if workouts != uint64(len(want.workouts)) {
		left = append(left, fmt.Sprintf("workouts %d of %d", workouts, len(want.workouts)))
	}
	if n := r.hooks.received(want.workouts); n != len(want.workouts) {
		left = append(left, fmt.Sprintf("webhooks %d of %d", n, len(want.workouts)))
	}
	return left
}

// unconsumed counts the committed records after a group's commits. The
// offsets kadm reports as lag also count transaction markers and aborted
// records, which a read_committed consumer never sees and so never commits
// past: a partition whose last transaction committed keeps a lag of 1 for
// ever. So every partition with lag is read from the group's commit.
func (r *chaosRun) unconsumed(ctx context.Context, lag kadm.GroupLag) int {
	from := map[string]map[int32]kgo.Offset{}
	ends := map[string]map[int32]int64{}
	for _, m := range lag.Sorted() {
		if m.Lag <= 0 {
			continue
		}
		if from[m.Topic] == nil {
			from[m.Topic], ends[m.Topic] = map[int32]kgo.Offset{}, map[int32]int64{}
		}
		from[m.Topic][m.Partition] = kgo.NewOffset().At(max(m.Commit.At, 0))
		ends[m.Topic][m.Partition] = m.End.Offset
	}
	if len(from) == 0 {
		return 0
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(strings.Split(r.env["KAFKA_BROKERS"], ",")...),
		kgo.ConsumePartitions(from), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	if err != nil {
		return -1
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	n := 0
	for n == 0 && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(rec *kgo.Record) {
			if rec.Offset < ends[rec.Topic][rec.Partition] {
				n++
			}
		})
	}
	return n
}

// waitSettled waits up to limit for nothing to be pending and returns how
// long it took.
func (r *chaosRun) waitSettled(want *expected, limit time.Duration) time.Duration {
	r.t.Helper()
	began, logged := time.Now(), time.Now()
	for {
		left := r.pending(want)
		if left == "" {
			return time.Since(began)
		}
		if time.Since(began) > limit {
			r.t.Fatalf("not settled within %s: %s", limit.Round(time.Second), left)
		}
		if time.Since(logged) > 10*time.Second {
			r.t.Logf("waiting for: %s", left)
			logged = time.Now()
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// checkAccounting compares ClickHouse and the webhooks with what the
// acknowledged uploads yield, per user and series, and checks the DLQ.
func (r *chaosRun) checkAccounting(want *expected) {
	r.t.Helper()
	ctx := context.Background()
	rows, err := r.conn.Query(ctx, "SELECT toString(user_id), series_type, count() FROM samples FINAL WHERE deleted = 0 GROUP BY user_id, series_type")
	if err != nil {
		r.t.Fatal(err)
	}
	got := map[[2]string]uint64{}
	for rows.Next() {
		var user, series string
		var n uint64
		if err := rows.Scan(&user, &series, &n); err != nil {
			r.t.Fatal(err)
		}
		got[[2]string{user, series}] = n
	}
	rows.Close()
	wantN := want.perUserSeries()
	for k, n := range wantN {
		if got[k] != n {
			r.t.Errorf("user %s %s: %d samples in ClickHouse, want %d", k[0], k[1], got[k], n)
		}
	}
	for k, n := range got {
		if _, ok := wantN[k]; !ok {
			r.t.Errorf("user %s %s: %d samples in ClickHouse that no acknowledged upload holds", k[0], k[1], n)
		}
	}

	r.hooks.mu.Lock()
	for id := range want.workouts {
		if ids := r.hooks.ids[id]; len(ids) != 1 {
			r.t.Errorf("workout %s: delivered under %d webhook-ids, want 1: %v", id, len(ids), ids)
		}
	}
	if r.hooks.bad > 0 {
		r.t.Errorf("%d deliveries failed verification or were not workout.created", r.hooks.bad)
	}
	r.hooks.mu.Unlock()

	dlq := r.env["WEARSTREAM_TOPIC_PREFIX"] + "dlq"
	ends, err := r.adm.ListEndOffsets(ctx, dlq)
	if err != nil {
		r.t.Fatal(err)
	}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			r.t.Errorf("dead-letter topic %s partition %d holds %d records", dlq, o.Partition, o.Offset)
		}
	})
}

// report logs the figures of the run, for benchmarks/README.md.
func (r *chaosRun) report(want *expected, took time.Duration) {
	kills := map[string]int{}
	total := 0
	for _, p := range r.procs {
		kills[p.name] = p.kills
		total += p.kills
	}
	fits := 0
	for _, u := range r.send.acked {
		if u.provider == fit.Provider {
			fits++
		}
	}
	r.hooks.mu.Lock()
	deliveries, dup := r.hooks.deliveries, r.hooks.deliveries-len(r.hooks.ids)
	r.hooks.mu.Unlock()
	load, _ := os.ReadFile("/proc/loadavg")
	r.t.Logf("chaos: %d kills %v; %d uploads acknowledged (%d SDK, %d FIT imports), %d client retries; %d samples, %d workouts; %d webhook deliveries, %d duplicates; %s; load average %s",
		total, kills, len(r.send.acked), len(r.send.acked)-fits, fits, r.send.retries, len(want.samples), len(want.workouts),
		deliveries, dup, took.Round(time.Second), strings.TrimSpace(string(load)))
}
