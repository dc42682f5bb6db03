package gateway

// Open Wearables' older paths, kept so that an install moving to wearstream
// changes nothing in the providers' portals: the deprecated webhook paths
// (/garmin/webhooks/ping and /push, /oura/webhooks, /strava/webhook and
// /strava/webhooks) are the unified receiver and handshake of their
// provider; the Oura and Strava health checks, and the small result pages
// /oauth/success and /oauth/error that OAuth flows without a redirect_uri
// ended on, answer as Open Wearables' did.

import (
	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
)

// localProvider is the Locals key of a provider an alias route fixes.
const localProvider = "alias-provider"

// fixProvider makes the request's provider name, as if the path had said it.
func fixProvider(name string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Locals(localProvider, name)
		return c.Next()
	}
}

// aliasRoutes are the old paths of Open Wearables' provider webhooks.
func (g *Gateway) aliasRoutes() []route {
	receive := func(path, provider string) route {
		return route{method: "POST", path: path, role: public, body: bodyData, handler: g.providerWebhook,
			before: []fiber.Handler{fixProvider(provider), g.throttleSignatures, g.knownWebhookProvider}}
	}
	challenge := func(path, provider string) route {
		return route{method: "GET", path: path, role: public, handler: g.providerChallenge,
			before: []fiber.Handler{fixProvider(provider), g.throttleSignatures}}
	}
	health := func(path, provider string) route {
		return route{method: "GET", path: path, role: public, handler: g.webhookHealth, before: []fiber.Handler{fixProvider(provider)}}
	}
	return []route{
		receive("/garmin/webhooks/ping", "garmin"),
		receive("/garmin/webhooks/push", "garmin"),
		receive("/oura/webhooks", "oura"),
		challenge("/oura/webhooks", "oura"),
		health("/oura/webhooks/health", "oura"),
		receive("/strava/webhook", "strava"),
		challenge("/strava/webhook", "strava"),
		receive("/strava/webhooks", "strava"),
		challenge("/strava/webhooks", "strava"),
		health("/strava/webhook/health", "strava"),
		health("/strava/webhooks/health", "strava"),
		{method: "GET", path: "/oauth/success", role: public, handler: g.oauthSuccess},
		{method: "GET", path: "/oauth/error", role: public, handler: g.oauthError},
	}
}

// webhookHealth answers the provider's webhook health check: the receiver
// is up, and whether the provider's credentials are configured.
func (g *Gateway) webhookHealth(c *fiber.Ctx) error {
	name := providerParam(c)
	p, ok := ingest.Lookup(name)
	if !ok {
		return notFound("provider " + name + " not found")
	}
	configured := p.OAuth != nil && p.OAuth.Configured(jobs.Settings(g.env, p))
	return c.JSON(fiber.Map{"status": "ok", "provider": p.Name, "configured": configured,
		"webhook_url": jobs.WebhookURL(g.env.Config.PublicURL, p.Name)})
}

// oauthSuccess answers GET /oauth/success?provider=&user_id=.
func (g *Gateway) oauthSuccess(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "success", "provider": c.Query("provider"), "user_id": c.Query("user_id"),
		"message": "the account is connected; you can close this window"})
}

// oauthError answers GET /oauth/error?provider=&error=&message=.
func (g *Gateway) oauthError(c *fiber.Ctx) error {
	code := c.Query("error")
	if code == "" {
		code = "authorization_failed"
	}
	message := c.Query("message")
	if message == "" {
		message = "the account was not connected; start again"
	}
	return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"status": "error", "provider": c.Query("provider"), "error": code, "message": message})
}
