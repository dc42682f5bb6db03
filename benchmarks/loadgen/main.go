// Command loadgen measures a running wearstream end to end. It creates users
// through the API, pre-generates Open Wearables SDK uploads of heart-rate
// samples, posts them to the gateway from -concurrency connections, and
// reports the accepted rate and ack latency at the gateway, then waits until
// every accepted sample is queryable in ClickHouse (under FINAL) and reports
// how long that took from the first request.
//
//	go run ./benchmarks/loadgen -key sk-... -uploads 200 -samples 1000
//
// benchmarks/run.sh starts a fresh `wearstream dev` stack and runs it.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// config holds the command-line flags.
type config struct {
	url         string
	key         string
	clickhouse  string
	database    string
	users       int
	uploads     int
	samples     int
	concurrency int
	timeout     time.Duration
	json        bool
	kafka       string
}

func parseFlags() config {
	var c config
	flag.StringVar(&c.url, "url", "http://127.0.0.1:8000", "base URL of the wearstream HTTP API")
	flag.StringVar(&c.key, "key", os.Getenv("WEARSTREAM_BOOTSTRAP_API_KEY"), "API key (default $WEARSTREAM_BOOTSTRAP_API_KEY)")
	flag.StringVar(&c.clickhouse, "clickhouse", "127.0.0.1:19000", "ClickHouse native-protocol address (host:port)")
	flag.StringVar(&c.database, "database", "wearables", "ClickHouse database")
	flag.IntVar(&c.users, "users", 10, "users to create through the API; uploads are spread over them")
	flag.IntVar(&c.uploads, "uploads", 200, "SDK uploads to send")
	flag.IntVar(&c.samples, "samples", 1000, "heart-rate samples per upload")
	flag.IntVar(&c.concurrency, "concurrency", 8, "uploads in flight at once")
	flag.DurationVar(&c.timeout, "timeout", 5*time.Minute, "how long to wait, after the last upload, for every sample to be queryable in ClickHouse")
	flag.BoolVar(&c.json, "json", false, "also print the result as one JSON object")
	flag.StringVar(&c.kafka, "kafka", "", "Kafka broker address (host:port); when set, the consumer lag of the processors and the ClickHouse sink is followed and reported")
	flag.Parse()
	return c
}

func (c config) validate() error {
	switch {
	case c.key == "":
		return errors.New("no API key: pass -key or set WEARSTREAM_BOOTSTRAP_API_KEY to the key `wearstream dev` printed")
	case c.users < 1, c.uploads < 1, c.samples < 1, c.concurrency < 1:
		return errors.New("-users, -uploads, -samples and -concurrency must be at least 1")
	case c.timeout <= 0:
		return errors.New("-timeout must be positive")
	}
	return nil
}

func main() {
	cfg := parseFlags()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, cfg, os.Stderr)
	if res != nil {
		res.print(os.Stdout)
		if cfg.json {
			if jerr := res.printJSON(os.Stdout); jerr != nil && err == nil {
				err = jerr
			}
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		stop()
		os.Exit(1)
	}
}

// run sends the load and waits for ClickHouse. It returns a result whenever
// the load was sent, together with an error when something went wrong.
func run(ctx context.Context, cfg config, log io.Writer) (*result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	a := newAPI(cfg.url, cfg.key, cfg.concurrency)
	if err := a.ready(ctx); err != nil {
		return nil, err
	}
	st, err := openStore(ctx, cfg.clickhouse, cfg.database)
	if err != nil {
		return nil, err
	}
	defer st.close()
	var lag *lagMeter
	if cfg.kafka != "" {
		if lag, err = openLagMeter(ctx, cfg.kafka); err != nil {
			return nil, err
		}
		defer lag.close()
	}

	users := make([]string, cfg.users)
	for i := range users {
		if users[i], err = a.createUser(ctx); err != nil {
			return nil, err
		}
	}
	if err := st.setUsers(users); err != nil {
		return nil, err
	}
	began := time.Now()
	uploads := makeUploads(runID(), users, cfg.uploads, cfg.samples)
	var size int64
	for _, u := range uploads {
		size += int64(len(u.body))
	}
	fmt.Fprintf(log, "created %d users; generated %d uploads (%.1f MB) in %s\n",
		cfg.users, len(uploads), float64(size)/1e6, time.Since(began).Round(time.Millisecond))

	res := &result{
		URL: a.base, Users: cfg.users, Concurrency: cfg.concurrency, SamplesPerUpload: cfg.samples,
		Errors: map[string]int64{}, ErrorExamples: map[string]string{},
	}
	m := startMonitor(ctx, len(uploads), st, lag, log)
	defer m.stop()

	lat, last := send(ctx, a, uploads, cfg.concurrency, m, res)
	res.SendSeconds = last.Sub(m.start).Seconds()
	res.latencies(lat)
	if res.SendSeconds > 0 {
		res.AcceptedSamplesPerSec = float64(res.SamplesAccepted) / res.SendSeconds
		res.AcceptedMBPerSec = acceptedMB(res) / res.SendSeconds
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("interrupted while sending: %w", err)
	}
	if res.SamplesAccepted == 0 {
		return res, errors.New("the gateway accepted no upload")
	}

	werr := wait(ctx, st, uint64(res.SamplesAccepted), cfg.timeout, m, res)
	m.stop()
	res.RowsQueryable = uint64(max(0, m.rows.Load()))
	if res.QueryableSeconds != nil {
		e2e := float64(res.SamplesAccepted) / *res.QueryableSeconds
		res.EndToEndSamplesPerSec = &e2e
	}
	m.record(res)
	switch {
	case werr != nil:
		return res, werr
	case len(res.Errors) > 0:
		return res, fmt.Errorf("%d of %d uploads failed", res.UploadsSent-res.UploadsAccepted, res.UploadsSent)
	}
	return res, nil
}

// acceptedMB is the megabytes of accepted bodies, all uploads being nearly
// the same size.
func acceptedMB(res *result) float64 {
	if res.UploadsSent == 0 {
		return 0
	}
	return float64(res.BytesSent) * float64(res.UploadsAccepted) / float64(res.UploadsSent) / 1e6
}

// send posts every upload from n workers and returns the ack latencies of
// the accepted ones and the time of the last response.
func send(ctx context.Context, a *api, uploads []upload, n int, c *monitor, res *result) ([]time.Duration, time.Time) {
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range uploads {
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var (
		mu   sync.Mutex
		lat  = make([]time.Duration, 0, len(uploads))
		last time.Time
		wg   sync.WaitGroup
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				u := uploads[i]
				t0 := time.Now()
				status, body, err := a.sync(ctx, u)
				t1 := time.Now()
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				res.UploadsSent++
				res.SamplesSent += int64(u.samples)
				res.BytesSent += int64(len(u.body))
				if t1.After(last) {
					last = t1
				}
				if err == nil && status == http.StatusAccepted {
					res.UploadsAccepted++
					res.SamplesAccepted += int64(u.samples)
					lat = append(lat, t1.Sub(t0))
					c.samplesAccepted.Add(int64(u.samples))
				} else {
					k, msg := "network", ""
					if err != nil {
						msg = err.Error()
					} else {
						k, msg = strconv.Itoa(status), string(body)
					}
					if res.Errors[k] == 0 {
						res.ErrorExamples[k] = msg
					}
					res.Errors[k]++
					c.failed.Add(1)
				}
				mu.Unlock()
				c.done.Add(1)
			}
		}()
	}
	wg.Wait()
	if last.IsZero() {
		last = time.Now()
	}
	return lat, last
}

// wait polls ClickHouse until the run's users have want rows under FINAL,
// recording the time from the first request in res. It counts without FINAL
// first, which is cheaper, and confirms under FINAL only once enough rows
// are there.
func wait(ctx context.Context, st *store, want uint64, timeout time.Duration, c *monitor, res *result) error {
	c.want.Store(int64(want))
	deadline := time.Now().Add(timeout)
	for {
		raw, err := st.count(ctx, false)
		if err != nil {
			return err
		}
		c.rows.Store(int64(raw))
		if raw >= want {
			final, err := st.count(ctx, true)
			if err != nil {
				return err
			}
			c.rows.Store(int64(final))
			if final >= want {
				qs := time.Since(c.start).Seconds()
				res.QueryableSeconds = &qs
				if final > want {
					return fmt.Errorf("%d rows under FINAL, more than the %d samples accepted", final, want)
				}
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s waiting for ClickHouse: %d of %d samples queryable (raise -timeout, or look at the stack's log)", timeout, raw, want)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("interrupted while waiting for ClickHouse: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// runID is a random prefix for the record ids of one run.
func runID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
