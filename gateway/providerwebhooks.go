package gateway

// Incoming provider webhooks at /api/v1/providers/{provider}/webhooks. The
// gateway only checks and enqueues: it verifies the request as the provider
// specifies (401 when the check fails), reads the body into items per
// provider user, and for every connection of that provider user keeps
// pushed data as raw events (kind webhook) and queues the rest (fetches of
// named URLs, revocations, permission changes) for the ingest workers. It
// answers 200 once Kafka has everything, and 200 as well for users it does
// not know and for tenants that disabled the provider (their items are
// dropped), so that providers do not retry them.

import (
	"context"
	"errors"
	"net/http"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/schemas"
)

// providerParam is the request's provider: the path's, or the one an
// alias route fixed (alias.go).
func providerParam(c *fiber.Ctx) string {
	if name, ok := c.Locals(localProvider).(string); ok {
		return name
	}
	return c.Params("provider")
}

func (g *Gateway) webhookProvider(c *fiber.Ctx) (ingest.Provider, error) {
	name := providerParam(c)
	p, ok := ingest.Lookup(name)
	if !ok {
		return p, notFound("provider " + name + " not found")
	}
	if p.Webhook == nil {
		return p, newError(http.StatusNotImplemented, "not_implemented", "provider "+name+" sends no webhooks")
	}
	return p, nil
}

// knownWebhookProvider refuses an unknown provider, or one without
// webhooks, before the body is read.
// Its body is then held to the provider's own limit: the few kilobytes of a
// notification (ingest.NotificationMaxBytes), or WEARSTREAM_MAX_BODY_BYTES
// for the providers that push data in their webhooks (Garmin, Suunto).
// Such a body is read before it is verified, since the signature is over
// the body; signature failures are throttled (throttleSignatures).
func (g *Gateway) knownWebhookProvider(c *fiber.Ctx) error {
	p, err := g.webhookProvider(c)
	if err != nil {
		return err
	}
	limit := ingest.NotificationMaxBytes
	if p.Webhook.PushesData {
		limit = g.env.Config.MaxBodyBytes
	}
	if err := refuseLong(c, limit); err != nil {
		return err
	}
	if err := readLimited(c, limit); err != nil {
		return err
	}
	return c.Next()
}

// providerChallenge answers GET /providers/{provider}/webhooks, the
// subscription handshake of providers that have one.
func (g *Gateway) providerChallenge(c *fiber.Ctx) error {
	p, err := g.webhookProvider(c)
	if err != nil {
		return err
	}
	if p.Webhook.Challenge == nil {
		return newError(http.StatusNotImplemented, "not_implemented", "provider "+p.Name+" has no webhook handshake")
	}
	q := map[string][]string{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { q[string(k)] = append(q[string(k)], string(v)) })
	status, body, err := p.Webhook.Challenge(jobs.Settings(g.env, p), q)
	if err != nil {
		g.failedGuess(c, guessSignature, p.Name, "webhook handshake refused")
		return newError(http.StatusUnauthorized, "unauthorized", "webhook handshake refused")
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(status).Send(body)
}

// providerWebhook answers POST /providers/{provider}/webhooks.
func (g *Gateway) providerWebhook(c *fiber.Ctx) error {
	p, err := g.webhookProvider(c)
	if err != nil {
		return err
	}
	body := c.Body()
	if p.Webhook.Unverified != nil && p.Webhook.Unverified(body) {
		return c.JSON(fiber.Map{"status": "ok"})
	}
	h := http.Header{}
	c.Request().Header.VisitAll(func(k, v []byte) { h.Add(string(k), string(v)) })
	if err := p.Webhook.Verify(jobs.Settings(g.env, p), h, body); err != nil {
		g.failedGuess(c, guessSignature, p.Name, err.Error())
		if !errors.Is(err, ingest.ErrUnverified) {
			g.env.Logger.Warn("webhook check failed", "provider", p.Name, "err", err)
		}
		return newError(http.StatusUnauthorized, "unauthorized", "the webhook could not be verified")
	}
	items, err := p.Webhook.Parse(body)
	if err != nil {
		return badRequest("invalid_body", err.Error())
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), g.produceTimeout)
	defer cancel()
	accepted, unknown, disabled := 0, 0, 0
	perConn := map[string]int64{} // items accepted by connection key
	for _, it := range items {
		keys := g.env.Tables.ProviderUsers.Keys(p.Name, it.ProviderUserID)
		found := false
		for _, key := range keys {
			conn, ok := g.env.Tables.Connections.Get(key)
			if !ok || conn.Status != schemas.ConnectionActive {
				continue
			}
			found = true
			if !jobs.Enabled(g.env, conn.Tenant, p) {
				disabled++ // the tenant disabled the provider: answered, dropped
				continue
			}
			if err := g.enqueueItem(ctx, conn, it); err != nil {
				g.env.Logger.Warn("webhook item not accepted by kafka", "provider", p.Name, "err", err)
				return unavailable("the event store is unavailable; nothing was accepted, retry later")
			}
			accepted++
			perConn[key]++
		}
		if !found {
			unknown++
		}
	}
	for key, n := range perConn {
		conn, _ := g.env.Tables.Connections.Get(key)
		g.recordRun(schemas.User{ID: conn.UserID, Tenant: conn.Tenant}, p.Name, "webhook", "webhook accepted", n, 0)
	}
	if unknown > 0 {
		g.env.Logger.Info("webhook items for unknown provider users", "provider", p.Name, "items", unknown)
	}
	status := http.StatusOK
	if p.Webhook.Status != nil {
		if st := p.Webhook.Status(body); st != 0 {
			status = st
		}
	}
	return c.Status(status).JSON(fiber.Map{"status": "accepted", "accepted": accepted, "unknown_users": unknown, "disabled": disabled})
}

// enqueueItem keeps one webhook item for one connection.
func (g *Gateway) enqueueItem(ctx context.Context, conn schemas.Connection, it ingest.Item) error {
	if it.Body != nil {
		ct := it.ContentType
		if ct == "" {
			ct = fiber.MIMEApplicationJSON
		}
		if err := jobs.ProduceRaw(ctx, g.env, conn, schemas.KindWebhook, ct, it.Body); err != nil {
			return err
		}
	}
	if err := g.delivered(ctx, conn, it.Delivers); err != nil {
		return err
	}
	if it.Job == "" {
		return nil
	}
	return jobs.Enqueue(ctx, g.env, schemas.IngestJob{
		Tenant: conn.Tenant, UserID: conn.UserID, Provider: conn.Provider, Kind: it.Job,
		URL: it.URL, DataType: it.DataType, ProviderUserID: it.ProviderUserID, Permissions: it.Permissions,
	})
}
