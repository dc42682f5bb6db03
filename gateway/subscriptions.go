package gateway

// Provider-side webhook subscriptions, managed through the provider's
// registration API (ingest.Subscriptions) with the application's
// credentials: GET and POST /providers/{provider}/webhooks/subscriptions,
// POST …/renew, GET, PUT and DELETE …/subscriptions/{id}. The list shows
// the registration as recorded in wearables.state.provider_subscriptions
// (wanted, status, the provider's last refusal, attempts, next attempt)
// next to what the provider answers now. Switching a provider to webhook
// mode (providersettings.go) records the registration as wanted; the
// ingest workers register it in the background (ingest/jobs/subscriptions.go).

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/schemas"
)

// registrationView is a recorded registration as the API shows it.
type registrationView struct {
	Wanted        bool    `json:"wanted"`
	Status        string  `json:"status"`
	Error         *string `json:"error"`
	Attempts      int32   `json:"attempts"`
	NextAttemptAt *string `json:"next_attempt_at"`
	CallbackURL   string  `json:"callback_url"`
	HasSecret     bool    `json:"has_secret"`
}

func viewRegistration(r schemas.Registration) registrationView {
	v := registrationView{Wanted: r.Wanted, Status: r.Status, Attempts: r.Attempts, CallbackURL: r.CallbackURL,
		NextAttemptAt: optStamp(r.NextAttemptAt), HasSecret: len(r.SecretEnc) > 0}
	if v.Status == "" {
		v.Status = "not_registered"
	}
	if r.Error != "" {
		v.Error = &r.Error
	}
	return v
}

// subscriptionProvider returns the path's provider when it has a
// registration API, and a session with the application's credentials.
func (g *Gateway) subscriptionProvider(c *fiber.Ctx) (ingest.Provider, *ingest.Session, error) {
	name := c.Params("provider")
	p, ok := ingest.Lookup(name)
	if !ok {
		return p, nil, notFound("provider " + name + " not found")
	}
	if p.Subscriptions == nil {
		return p, nil, badRequest("no_registration_api", "provider: "+name+" has no webhook registration API; register its webhook URL in its developer portal")
	}
	if p.OAuth == nil || !p.OAuth.Configured(jobs.Settings(g.env, p)) {
		return p, nil, newError(http.StatusServiceUnavailable, "provider_not_configured", "provider: "+name+" is not configured on this deployment")
	}
	return p, jobs.AppSession(g.env, providerHTTP, nil, p), nil
}

// providerRefused is the answer when the provider's API refused a call.
func (g *Gateway) providerRefused(p ingest.Provider, err error) error {
	if errors.Is(err, ingest.ErrNoSubscription) {
		return notFound(err.Error())
	}
	g.env.Logger.Warn("provider subscription call failed", "provider", p.Name, "err", err)
	return newError(http.StatusBadGateway, "provider_error", "the provider answered: "+err.Error())
}

func subscriptionsOrEmpty(subs []ingest.Subscription) []ingest.Subscription {
	if subs == nil {
		return []ingest.Subscription{}
	}
	return subs
}

// listSubscriptions answers GET …/webhooks/subscriptions: the recorded
// registration and the provider's current list (with the provider's
// error instead when it does not answer).
func (g *Gateway) listSubscriptions(c *fiber.Ctx) error {
	p, s, err := g.subscriptionProvider(c)
	if err != nil {
		return err
	}
	r, _ := g.env.Tables.Registrations.Get(p.Name)
	out := fiber.Map{"provider": p.Name, "registration": viewRegistration(r)}
	ctx, cancel := context.WithTimeout(c.UserContext(), 60*time.Second)
	defer cancel()
	subs, err := p.Subscriptions.List(ctx, s)
	if err != nil {
		out["subscriptions"], out["list_error"] = nil, err.Error()
	} else {
		out["subscriptions"], out["list_error"] = subscriptionsOrEmpty(subs), nil
	}
	return c.JSON(out)
}

// createSubscriptions answers POST …/webhooks/subscriptions?callback_url=:
// registers now (the deployment's webhook URL by default) and records it.
func (g *Gateway) createSubscriptions(c *fiber.Ctx) error {
	p, s, err := g.subscriptionProvider(c)
	if err != nil {
		return err
	}
	callback := c.Query("callback_url")
	if callback != "" {
		if u, err := url.Parse(callback); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return badRequest("invalid_callback_url", "callback_url: want an absolute http(s) URL")
		}
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 60*time.Second)
	defer cancel()
	subs, err := jobs.Register(ctx, g.env, s, p, callback, jobs.DefaultRegistrationRetry, g.now().UTC().Truncate(time.Millisecond))
	if err != nil {
		return g.providerRefused(p, err)
	}
	return c.Status(http.StatusCreated).JSON(fiber.Map{"provider": p.Name, "subscriptions": subscriptionsOrEmpty(subs)})
}

// renewSubscriptions answers POST …/webhooks/subscriptions/renew.
func (g *Gateway) renewSubscriptions(c *fiber.Ctx) error {
	p, s, err := g.subscriptionProvider(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 60*time.Second)
	defer cancel()
	var subs []ingest.Subscription
	if p.Subscriptions.Renew != nil {
		subs, err = p.Subscriptions.Renew(ctx, s)
	} else {
		subs, err = p.Subscriptions.List(ctx, s) // nothing of it expires
	}
	if err != nil {
		return g.providerRefused(p, err)
	}
	return c.JSON(fiber.Map{"provider": p.Name, "subscriptions": subscriptionsOrEmpty(subs)})
}

// getSubscription answers GET …/webhooks/subscriptions/{id}.
func (g *Gateway) getSubscription(c *fiber.Ctx) error {
	p, s, err := g.subscriptionProvider(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 60*time.Second)
	defer cancel()
	subs, err := p.Subscriptions.List(ctx, s)
	if err != nil {
		return g.providerRefused(p, err)
	}
	for _, sub := range subs {
		if sub.ID == c.Params("id") {
			return c.JSON(sub)
		}
	}
	return notFound("subscription " + c.Params("id") + " not found at " + p.Name)
}

// updateSubscription answers PUT …/webhooks/subscriptions/{id} {"callback_url"}.
func (g *Gateway) updateSubscription(c *fiber.Ctx) error {
	p, s, err := g.subscriptionProvider(c)
	if err != nil {
		return err
	}
	var req struct {
		CallbackURL string `json:"callback_url"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if u, err := url.Parse(req.CallbackURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return badRequest("invalid_callback_url", "callback_url: want an absolute http(s) URL")
	}
	if p.Subscriptions.Update == nil {
		return badRequest("not_supported", p.Name+" subscriptions cannot be changed; delete and create one")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 60*time.Second)
	defer cancel()
	sub, err := p.Subscriptions.Update(ctx, s, c.Params("id"), req.CallbackURL)
	if err != nil {
		return g.providerRefused(p, err)
	}
	return c.JSON(sub)
}

// deleteSubscription answers DELETE …/webhooks/subscriptions/{id}.
func (g *Gateway) deleteSubscription(c *fiber.Ctx) error {
	p, s, err := g.subscriptionProvider(c)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 60*time.Second)
	defer cancel()
	if err := p.Subscriptions.Delete(ctx, s, c.Params("id")); err != nil {
		return g.providerRefused(p, err)
	}
	return c.SendStatus(http.StatusNoContent)
}
