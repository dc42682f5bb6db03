// Package gateway is wearstream's HTTP front: a thin Fiber app that
// authenticates requests, checks bodies just enough to reject garbage, and
// turns uploads into raw Kafka records, answering 2xx only after Kafka
// acknowledged them. It also serves the management API (users, webhook
// endpoints) over the configuration tables, and the read API (timeseries,
// events) through the read side's queries (internal/reads).
package gateway

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/metrics"
	"github.com/wearstream/wearstream/internal/reads"
	"github.com/wearstream/wearstream/internal/tokens"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

// Check is one readiness check for /readyz.
type Check struct {
	Name string
	Func func(ctx context.Context) error
}

// Gateway is the HTTP app.
type Gateway struct {
	env    *app.Env
	fiber  *fiber.App
	checks []Check
	sender *webhooks.Sender
	now    func() time.Time
	// clickhouse is where the delivery log API reads (WithClickHouse).
	clickhouse driver.Conn
	// reads answers the read API (timeseries, events) from clickhouse.
	reads *reads.Reader
	// metrics is served at GET /metrics (WithMetrics).
	metrics *metrics.Registry
	// produceTimeout bounds how long a request waits for Kafka before it
	// is answered 503; the client then retries, and nothing was accepted.
	produceTimeout time.Duration

	// The SDK token flow (tokens.go): keys derived from the secret key and
	// the locks that serialise rotations of one credential.
	keys  *tokens.Keys
	locks *keyLocks

	// guard throttles guessing (throttle.go) with guessLimits.
	guard       *throttle
	guessLimits [guessKinds]guessLimits

	// feed is the sync status feed (syncfeed.go); heartbeat how often an
	// idle stream sends a comment; stopping is closed when Serve stops,
	// ending the streams.
	feed      *syncFeed
	heartbeat time.Duration
	stopping  chan struct{}
}

// Option configures a Gateway.
type Option func(*Gateway)

// WithChecks adds readiness checks (ClickHouse, the schema registry, ...).
func WithChecks(checks ...Check) Option {
	return func(g *Gateway) { g.checks = append(g.checks, checks...) }
}

// WithProduceTimeout sets how long a request waits for Kafka (default 15 s).
func WithProduceTimeout(d time.Duration) Option {
	return func(g *Gateway) { g.produceTimeout = d }
}

// New builds the gateway over env.
func New(env *app.Env, opts ...Option) *Gateway {
	g := &Gateway{env: env, now: time.Now, produceTimeout: 15 * time.Second, guessLimits: defaultGuessLimits,
		heartbeat: defaultHeartbeat, stopping: make(chan struct{})}
	for _, o := range opts {
		o(g)
	}
	g.feed = newSyncFeed(env.Tables.SyncRuns, g.now)
	g.guard = newThrottle(g.guessLimits, g.now, env.Logger)
	g.keys, g.locks = sdkKeys(env), newKeyLocks()
	if g.clickhouse != nil {
		g.reads = reads.New(g.clickhouse)
	}
	g.sender = &webhooks.Sender{Client: webhooks.NewClient(env.Config.WebhooksAllowPrivate, env.Config.WebhookTimeout)}
	g.fiber = fiber.New(fiber.Config{
		AppName:   "wearstream",
		BodyLimit: env.Config.MaxBodyBytes,
		// Bodies are streamed so that the import routes can read uploads
		// of any size; every route states its own limit (routes.go).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		DisableStartupMessage:        true,
		ErrorHandler:                 errorHandler(env.Logger),
		ReadTimeout:                  60 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
	})
	g.routes()
	return g
}

// App is the underlying Fiber app, for tests.
func (g *Gateway) App() *fiber.App { return g.fiber }

// Serve answers requests on ln until ctx ends, then shuts down gracefully.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- g.fiber.Listener(ln) }()
	if g.metrics != nil {
		go g.watchReadiness(ctx, 15*time.Second)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("http server stopped: %w", err)
	case <-ctx.Done():
		close(g.stopping)
		return g.fiber.ShutdownWithTimeout(10 * time.Second)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
