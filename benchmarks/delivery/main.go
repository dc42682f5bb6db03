// Command delivery measures the webhook delivery consumer: signed deliveries
// per second to a local receiver and the first-attempt latency from the
// canonical record (its Kafka timestamp) to the receiver, with -endpoints
// endpoints of which -bad are slow or failing (half hang for -slow, half
// answer 500). It runs an embedded Kafka and schema registry in memory, the
// real Deliverer, and a loopback receiver, produces -rate workout records a
// second for -duration (each announced to every endpoint), and reports the
// healthy endpoints' figures, which the bad ones must not spoil.
//
//	go run ./benchmarks/delivery -rate 60 -duration 20s
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/config"
	"github.com/wearstream/wearstream/internal/devstack"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/schemas"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

type result struct {
	Endpoints          int     `json:"endpoints"`
	BadEndpoints       int     `json:"bad_endpoints"`
	Records            int     `json:"records"`
	HealthyDeliveries  int64   `json:"healthy_deliveries"`
	DeliveriesPerSec   float64 `json:"deliveries_per_second"`
	LatencyP50MS       float64 `json:"first_attempt_latency_p50_ms"`
	LatencyP99MS       float64 `json:"first_attempt_latency_p99_ms"`
	LatencyMaxMS       float64 `json:"first_attempt_latency_max_ms"`
	BadRequests        int64   `json:"bad_endpoint_requests"`
	Deferred           int64   `json:"deferred_attempts"`
	VerifiedSignatures int64   `json:"verified_signatures"`
}

func main() {
	endpoints := flag.Int("endpoints", 100, "webhook endpoints")
	bad := flag.Int("bad", 10, "endpoints that are slow (half) or failing (half)")
	rate := flag.Int("rate", 60, "workout records produced per second; each goes to every endpoint")
	duration := flag.Duration("duration", 20*time.Second, "how long to produce")
	slow := flag.Duration("slow", 10*time.Second, "how long a slow endpoint takes to answer")
	concurrency := flag.Int("concurrency", 64, "requests in flight (WEARSTREAM_WEBHOOK_CONCURRENCY)")
	asJSON := flag.Bool("json", false, "also print the result as JSON")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, *endpoints, *bad, *rate, *duration, *slow, *concurrency)
	if err != nil {
		fmt.Fprintln(os.Stderr, "delivery benchmark:", err)
		os.Exit(1)
	}
	fmt.Printf("delivery: %d endpoints (%d slow or failing), %d records\n", res.Endpoints, res.BadEndpoints, res.Records)
	fmt.Printf("  healthy deliveries      %d at %.0f/s\n", res.HealthyDeliveries, res.DeliveriesPerSec)
	fmt.Printf("  first-attempt latency   p50 %.1f ms, p99 %.1f ms, max %.1f ms (record -> receiver)\n", res.LatencyP50MS, res.LatencyP99MS, res.LatencyMaxMS)
	fmt.Printf("  bad endpoints           %d requests, %d attempts deferred\n", res.BadRequests, res.Deferred)
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Println(string(b))
	}
}

func run(ctx context.Context, nEndpoints, nBad, rate int, duration, slow time.Duration, concurrency int) (*result, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	k, err := devstack.StartKafka(devstack.KafkaOptions{Logger: logger})
	if err != nil {
		return nil, err
	}
	defer k.Close()
	reg, err := devstack.StartRegistry(devstack.RegistryOptions{})
	if err != nil {
		return nil, err
	}
	defer reg.Close()
	vars := map[string]string{
		"KAFKA_BROKERS": strings.Join(k.Addrs(), ","), "SCHEMA_REGISTRY_URL": reg.URL(),
		"WEARSTREAM_SECRET_KEY": secrets.NewKey(), "WEARSTREAM_REPLICATION_FACTOR": "1",
	}
	cfg, err := config.Parse(func(key string) string { return vars[key] })
	if err != nil {
		return nil, err
	}
	env, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	defer env.Close()

	// The receiver: /ok/N answers 204, /slow/N hangs, /fail/N answers 500.
	var (
		mu        sync.Mutex
		produced  = map[string]time.Time{} // webhook-id -> record timestamp
		latencies []time.Duration
		healthy   atomic.Int64
		badHits   atomic.Int64
		verified  atomic.Int64
		lastOK    atomic.Int64
	)
	secret, _ := webhooks.NewSecret()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		arrived := time.Now()
		id := r.Header.Get("webhook-id")
		if n := healthy.Add(1); n%100 == 0 {
			if webhooks.Verify([]string{secret}, id, r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body, arrived, 0) == nil {
				verified.Add(1)
			}
		}
		lastOK.Store(arrived.UnixNano())
		mu.Lock()
		if at, ok := produced[id]; ok {
			latencies = append(latencies, arrived.Sub(at))
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/slow/", func(w http.ResponseWriter, r *http.Request) {
		badHits.Add(1)
		select {
		case <-time.After(slow):
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/fail/", func(w http.ResponseWriter, r *http.Request) {
		badHits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: mux}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	const tenant = "bench"
	for i := range nEndpoints {
		path := "/ok/"
		switch {
		case i < nBad/2:
			path = "/slow/"
		case i < nBad:
			path = "/fail/"
		}
		ep := schemas.Endpoint{ID: "ep_bench_" + strconv.Itoa(i), Tenant: tenant, URL: base + path + strconv.Itoa(i),
			CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
		ep.SecretEnc = env.Box.Seal([]byte(secret), []byte(ep.ID))
		if err := env.Tables.Endpoints.Put(ctx, ep.ID, ep); err != nil {
			return nil, err
		}
	}

	transport := webhooks.NewClient(true, 15*time.Second)
	transport.Transport.(*http.Transport).MaxIdleConnsPerHost = concurrency
	d, err := webhooks.NewDeliverer(webhooks.DelivererConfig{
		Brokers: env.Brokers, Topics: env.Topics, Serde: env.Serde,
		Endpoints: env.Tables.Endpoints, Health: env.Tables.EndpointHealth, Box: env.Box,
		Sender: &webhooks.Sender{Client: transport}, Producer: env.Producer, Logger: logger,
		Concurrency: concurrency,
	})
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(dctx) }()
	defer func() { cancel(); <-done }()

	// Produce at a steady rate; each record's Kafka timestamp is its start.
	user := schemas.NameID(tenant, "user")
	records := 0
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
	for time.Since(start) < duration && ctx.Err() == nil {
		<-tick.C
		w := workout(tenant, user, records)
		value, err := env.Serde.Encode(w)
		if err != nil {
			return nil, err
		}
		at := time.Now()
		mu.Lock()
		produced[webhooks.WorkoutMessages(w)[0].ID] = at
		mu.Unlock()
		env.Producer.Produce(ctx, &kgo.Record{Topic: env.Topics.Workouts(), Key: []byte(user), Value: value, Timestamp: at}, nil)
		records++
	}
	want := int64(records * (nEndpoints - nBad))
	deadline := time.Now().Add(2 * time.Minute)
	for healthy.Load() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Unix(0, lastOK.Load()).Sub(start)

	mu.Lock()
	defer mu.Unlock()
	slices.Sort(latencies)
	pct := func(p float64) float64 {
		if len(latencies) == 0 {
			return 0
		}
		return float64(latencies[min(len(latencies)-1, int(p*float64(len(latencies))))]) / float64(time.Millisecond)
	}
	return &result{
		Endpoints: nEndpoints, BadEndpoints: nBad, Records: records,
		HealthyDeliveries: healthy.Load(), DeliveriesPerSec: float64(healthy.Load()) / elapsed.Seconds(),
		LatencyP50MS: pct(0.50), LatencyP99MS: pct(0.99), LatencyMaxMS: pct(1),
		BadRequests: badHits.Load(), Deferred: d.Deferred(), VerifiedSignatures: verified.Load(),
	}, nil
}

func workout(tenant, user string, i int) schemas.Workout {
	now := time.Now().UTC()
	kcal, dist := 512.5, 10012.0
	return schemas.Workout{
		ID: schemas.RecordID(tenant, user, "garmin", "workout", "bench-"+strconv.Itoa(i)), Tenant: tenant, UserID: user,
		Source: schemas.Source{Provider: "garmin", ID: "garmin", Device: "Forerunner 965"}, Type: "running",
		StartTime: now.Add(-time.Hour), EndTime: now, ZoneOffset: 60, DurationSeconds: 3600,
		CaloriesKcal: &kcal, DistanceMeters: &dist, Version: 1, IngestedAt: now,
	}
}
