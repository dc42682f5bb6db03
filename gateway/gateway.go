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
	// produceTimeout bounds how long a request waits for Kafka before it
	// is answered 503; the client then retries, and nothing was accepted.
	produceTimeout time.Duration

	// The SDK token flow (tokens.go): keys derived from the secret key and
	// the locks that serialise rotations of one credential.
	keys  *tokens.Keys
	locks *keyLocks
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
	g := &Gateway{env: env, now: time.Now, produceTimeout: 15 * time.Second}
	for _, o := range opts {
		o(g)
	}
	g.keys, g.locks = sdkKeys(env), newKeyLocks()
	if g.clickhouse != nil {
		g.reads = reads.New(g.clickhouse)
	}
	g.sender = &webhooks.Sender{Client: webhooks.NewClient(env.Config.WebhooksAllowPrivate, env.Config.WebhookTimeout)}
	g.fiber = fiber.New(fiber.Config{
		AppName:   "wearstream",
		BodyLimit: env.Config.MaxBodyBytes,
		// Bodies are streamed so that the import routes can read uploads
		// of any size; limitBody keeps BodyLimit on every other route.
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

func (g *Gateway) routes() {
	f := g.fiber
	f.Use(g.limitBody)
	f.Get("/healthz", g.healthz)
	f.Get("/readyz", g.readyz)

	v1 := f.Group("/api/v1")
	v1.Get("/webhooks/event-types", g.listEventTypes)
	g.metaRoutes(v1)

	g.publicTokenRoutes(v1) // before the authenticated group: they authenticate themselves
	// Providers and the OAuth callback: public, checked by signature or state.
	v1.Get("/oauth/providers", g.listProviders)
	v1.Get("/oauth/:provider/callback", g.oauthCallback)
	v1.Post("/providers/:provider/webhooks", g.providerWebhook)
	v1.Get("/providers/:provider/webhooks", g.providerChallenge)

	authed := v1.Group("", g.authenticate)
	authed.Post("/users", g.createUser)
	authed.Get("/users", g.listUsers)
	authed.Get("/users/:user_id", g.getUser)
	g.readRoutes(authed)
	g.priorityRoutes(authed)

	authed.Post("/sdk/users/:user_id/sync", g.sdkSync)
	authed.Post("/users/:user_id/import/apple/xml/direct", g.importAppleXML)
	authed.Post("/users/:user_id/import/fit", g.importFIT)
	authed.Get("/users/:user_id/sync/runs", g.listSyncRuns)
	authed.Get("/oauth/:provider/authorize", g.authorize)
	authed.Get("/users/:user_id/connections", g.listConnections)
	authed.Delete("/users/:user_id/connections/:provider", g.deleteConnection)
	authed.Post("/providers/:provider/users/:user_id/sync", g.syncNow)
	authed.Post("/sdk/users/:user_id/logs", g.sdkLogs)
	authed.Post("/users/:user_id/invitation-code", g.createInvitationCode)
	authed.Post("/applications", g.createApplication)
	authed.Get("/applications", g.listApplications)
	authed.Get("/applications/:app_id", g.getApplication)
	authed.Post("/applications/:app_id/rotate-secret", g.rotateApplicationSecret)
	authed.Delete("/applications/:app_id", g.deleteApplication)

	authed.Post("/webhooks/endpoints", g.createEndpoint)
	authed.Get("/webhooks/endpoints", g.listEndpoints)
	authed.Get("/webhooks/endpoints/:id", g.getEndpoint)
	authed.Delete("/webhooks/endpoints/:id", g.deleteEndpoint)
	authed.Get("/webhooks/endpoints/:id/secret", g.endpointSecret)
	authed.Post("/webhooks/endpoints/:id/test", g.testEndpoint)
	authed.Patch("/webhooks/endpoints/:id", g.patchEndpoint)
	authed.Post("/webhooks/endpoints/:id/secret/rotate", g.rotateSecret)
	authed.Post("/webhooks/endpoints/:id/enable", g.enableEndpoint)
	authed.Post("/webhooks/endpoints/:id/disable", g.disableEndpoint)
	authed.Post("/webhooks/endpoints/:id/recover", g.recoverEndpoint)
	authed.Get("/webhooks/endpoints/:id/attempts", g.listAttempts)
	authed.Get("/webhooks/messages", g.listMessages)
	authed.Post("/webhooks/messages/:id/resend", g.resendMessage)

	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// App is the underlying Fiber app, for tests.
func (g *Gateway) App() *fiber.App { return g.fiber }

// Serve answers requests on ln until ctx ends, then shuts down gracefully.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	errc := make(chan error, 1)
	go func() { errc <- g.fiber.Listener(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server stopped: %w", err)
	case <-ctx.Done():
		return g.fiber.ShutdownWithTimeout(10 * time.Second)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
