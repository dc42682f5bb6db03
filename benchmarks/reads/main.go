// Command reads measures the read side (internal/reads, the queries behind
// the read API and `wearstream mcp`) on a big samples table: -users users
// × -days days of one-minute heart rate and hourly steps (1,000 × 30 is
// about 44 million rows) and a workout a day, loaded on the server with
// INSERT ... SELECT FROM numbers(). It then runs each query -requests
// times from -concurrency goroutines, each request for a random user, and
// prints the latency percentiles (nearest rank) and the load average
// before and after, since the machine may be shared.
//
// Without -clickhouse it starts a clickhouse-server child in -dir (a
// temporary directory unless given; a given -dir keeps its data, so a
// second run skips the load) and stops it at the end.
//
//	go run ./benchmarks/reads -dir /tmp/reads-bench
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wearstream/wearstream/internal/chserver"
	"github.com/wearstream/wearstream/internal/reads"
	chsink "github.com/wearstream/wearstream/sinks/clickhouse"
)

// query is one measured read; n is the items it must return.
type query struct {
	name string
	run  func(ctx context.Context, r *reads.Reader, user string) (n int, err error)
}

// result is one query's figures.
type result struct {
	Query    string  `json:"query"`
	Requests int     `json:"requests"`
	Items    int     `json:"items_per_request"`
	P50MS    float64 `json:"p50_ms"`
	P99MS    float64 `json:"p99_ms"`
	MaxMS    float64 `json:"max_ms"`
	PerSec   float64 `json:"requests_per_second"`
}

func main() {
	users := flag.Int("users", 1000, "users")
	days := flag.Int("days", 30, "days of data per user")
	requests := flag.Int("requests", 400, "requests per query")
	concurrency := flag.Int("concurrency", 8, "requests in flight")
	addr := flag.String("clickhouse", "", "ClickHouse native address of a running server (default: start a child)")
	database := flag.String("database", "reads_bench", "database")
	dir := flag.String("dir", "", "data directory of the ClickHouse child (default: temporary, removed at the end)")
	optimize := flag.Bool("optimize", true, "merge the loaded tables to one part per partition (OPTIMIZE FINAL) before measuring")
	asJSON := flag.Bool("json", false, "also print the results as JSON")
	only := flag.String("only", "", "measure only the queries whose name contains this")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *users, *days, *requests, *concurrency, *addr, *database, *dir, *optimize, *asJSON, *only); err != nil {
		fmt.Fprintln(os.Stderr, "reads benchmark:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, users, days, requests, concurrency int, addr, database, dir string, optimize, asJSON bool, only string) error {
	logf := func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
	if addr == "" {
		if dir == "" {
			tmp, err := os.MkdirTemp("", "reads-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			dir = tmp
		}
		srv, err := chserver.Start(ctx, chserver.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler), LogQueries: true})
		if err != nil {
			return err
		}
		defer func() {
			if err := srv.Stop(); err != nil {
				logf("cannot stop clickhouse: %v", err)
			}
		}()
		logf("clickhouse-server pid %d on %s, data in %s", srv.PID, srv.Addr, dir)
		addr = srv.Addr
	}
	admin, err := chsink.Connect(ctx, addr, "default")
	if err != nil {
		return err
	}
	if err := chsink.EnsureDatabase(ctx, admin, database); err != nil {
		return err
	}
	admin.Close()
	conn, err := chsink.Connect(ctx, addr, database, chsink.Timeouts(10*time.Second, 30*time.Minute))
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := chsink.Migrate(ctx, conn, nil); err != nil {
		return err
	}
	var version string
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&version); err != nil {
		return err
	}
	d := dataset{users: users, days: days, start: time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)}
	done, err := loaded(ctx, conn, d)
	if err != nil {
		return err
	}
	if !done {
		if err := conn.Exec(ctx, "TRUNCATE TABLE samples"); err != nil {
			return err
		}
		if err := conn.Exec(ctx, "TRUNCATE TABLE workouts"); err != nil {
			return err
		}
		if err := load(ctx, conn, d, optimize, logf); err != nil {
			return err
		}
	} else {
		logf("data already loaded")
	}

	r := reads.New(conn)
	day := func(i int) time.Time { return d.start.AddDate(0, 0, i) }
	lastDate := day(days - 1).Add(benchZone * time.Minute).Format(time.DateOnly)
	firstDate := d.start.Add(benchZone * time.Minute).Format(time.DateOnly)
	queries := []query{
		{"one day raw heart rate (limit 10000)", func(ctx context.Context, r *reads.Reader, u string) (int, error) {
			from := day(rand.IntN(days))
			p, err := r.Timeseries(ctx, reads.TimeseriesQuery{Tenant: benchTenant, UserID: u, Start: from, End: from.Add(24 * time.Hour),
				Types: []string{"heart_rate"}, Resolution: reads.Raw, Limit: reads.MaxLimit})
			return len(p.Items), err
		}},
		{"30 days heart rate and steps at 1hour", func(ctx context.Context, r *reads.Reader, u string) (int, error) {
			p, err := r.Timeseries(ctx, reads.TimeseriesQuery{Tenant: benchTenant, UserID: u, Start: d.start, End: day(days),
				Types: []string{"heart_rate", "steps"}, Resolution: reads.OneHour, Limit: reads.MaxLimit})
			return len(p.Items), err
		}},
		{"30 days of activity summaries", func(ctx context.Context, r *reads.Reader, u string) (int, error) {
			a, err := r.ActivitySummaries(ctx, reads.DayQuery{Tenant: benchTenant, UserID: u, StartDate: firstDate, EndDate: lastDate})
			return len(a), err
		}},
		{"a workouts page (30 days, limit 100)", func(ctx context.Context, r *reads.Reader, u string) (int, error) {
			p, err := r.Workouts(ctx, reads.EventQuery{Tenant: benchTenant, UserID: u, StartDate: firstDate, EndDate: lastDate})
			return len(p.Items), err
		}},
		// The console's chart (gateway/console/userdata.js) picks the
		// resolution from the range: 15min for a week, 1day past 40 days.
		{"console chart: the last 7 days of heart rate at 15min", func(ctx context.Context, r *reads.Reader, u string) (int, error) {
			p, err := r.Timeseries(ctx, reads.TimeseriesQuery{Tenant: benchTenant, UserID: u, Start: day(days - 7), End: day(days),
				Types: []string{"heart_rate"}, Resolution: reads.Quarter, Limit: reads.MaxLimit})
			return len(p.Items), err
		}},
		{fmt.Sprintf("console chart: all %d days of heart rate at 1day", days), func(ctx context.Context, r *reads.Reader, u string) (int, error) {
			p, err := r.Timeseries(ctx, reads.TimeseriesQuery{Tenant: benchTenant, UserID: u, Start: d.start, End: day(days),
				Types: []string{"heart_rate"}, Resolution: reads.OneDay, Limit: reads.MaxLimit})
			return len(p.Items), err
		}},
	}

	before := loadAverage()
	began := time.Now().Add(-time.Second)
	var results []result
	for _, q := range queries {
		if only != "" && !strings.Contains(q.name, only) {
			continue
		}
		res, err := measure(ctx, r, q, users, requests, concurrency)
		if err != nil {
			return err
		}
		slog.Info("measured", "query", q.name, "p50_ms", res.P50MS, "p99_ms", res.P99MS)
		results = append(results, res)
	}
	after := loadAverage()

	fmt.Printf("ClickHouse %s; %d users x %d days: %d heart-rate + %d steps rows, %d workouts; concurrency %d, %d requests per query\n",
		version, users, days, users*days*1440, users*days*24, users*days, concurrency, requests)
	fmt.Printf("load average before: %s; after: %s\n\n", before, after)
	fmt.Printf("| query | items | p50 ms | p99 ms | max ms | requests/s |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		fmt.Printf("| %s | %d | %.1f | %.1f | %.1f | %.0f |\n", r.Query, r.Items, r.P50MS, r.P99MS, r.MaxMS, r.PerSec)
	}
	if err := printQueryLog(ctx, os.Stdout, conn, began); err != nil {
		logf("%v (a -clickhouse server needs log_queries)", err)
	}
	if asJSON {
		return json.NewEncoder(os.Stdout).Encode(map[string]any{"clickhouse": version, "load_before": before, "load_after": after, "results": results})
	}
	return nil
}

// measure runs q requests times from concurrency goroutines, each for a
// random user; every request must return the same number of items.
func measure(ctx context.Context, r *reads.Reader, q query, users, requests, concurrency int) (result, error) {
	var (
		mu        sync.Mutex
		latencies []time.Duration
		items     = -1
		firstErr  error
		next      = make(chan struct{})
		wg        sync.WaitGroup
	)
	began := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				u := userID(rand.IntN(users))
				t := time.Now()
				n, err := q.run(ctx, r, u)
				took := time.Since(t)
				mu.Lock()
				switch {
				case err != nil && firstErr == nil:
					firstErr = fmt.Errorf("%s: %w", q.name, err)
				case err == nil && items >= 0 && n != items && firstErr == nil:
					firstErr = fmt.Errorf("%s: %d items for user %s, %d for another", q.name, n, u, items)
				case err == nil:
					items = n
				}
				latencies = append(latencies, took)
				mu.Unlock()
			}
		}()
	}
	for range requests {
		if ctx.Err() != nil {
			break
		}
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
	elapsed := time.Since(began)
	if firstErr != nil {
		return result{}, firstErr
	}
	if err := ctx.Err(); err != nil {
		return result{}, err
	}
	slices.Sort(latencies)
	ms := func(p float64) float64 {
		i := int(p*float64(len(latencies))+0.999999) - 1
		return float64(latencies[max(0, min(i, len(latencies)-1))].Microseconds()) / 1000
	}
	return result{Query: q.name, Requests: len(latencies), Items: items, P50MS: ms(0.50), P99MS: ms(0.99), MaxMS: ms(1),
		PerSec: float64(len(latencies)) / elapsed.Seconds()}, nil
}

// loadAverage is the 1, 5 and 15 minute load average, or "unknown".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
