package gateway

// Endpoint management beyond create, list, get and delete: partial updates
// (Open Wearables' PATCH), secret rotation with a 24-hour overlap during
// which deliveries carry both signatures, enable and disable, and the two
// ways to deliver again: resend one message and recover a time range from
// the stream.

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/schemas"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

// SecretOverlap is how long a rotated-out secret still signs deliveries.
const SecretOverlap = 24 * time.Hour

// checkURL validates an endpoint URL as creation and updates do.
func (g *Gateway) checkURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", badRequest("invalid_field", "url: required")
	}
	if len(raw) > maxURLLen {
		return "", badRequest("invalid_field", "url: longer than 2048 characters")
	}
	if err := webhooks.ValidateURL(raw, g.env.Config.WebhooksAllowPrivate); err != nil {
		if errors.Is(err, webhooks.ErrForbiddenAddress) {
			return "", badRequest("forbidden_url", "url: "+err.Error()+" (set WEARSTREAM_WEBHOOKS_ALLOW_PRIVATE=true to allow)")
		}
		return "", badRequest("invalid_field", "url: "+err.Error())
	}
	return raw, nil
}

// endpointPatch is the body of PATCH /webhooks/endpoints/{id}: the fields
// present, checked for shape and size (the URL's address and the user are
// checked against the deployment when applied).
type endpointPatch struct {
	URL         *string
	Description *string
	FilterTypes *[]string
	// UserID is set when user_id is present; "" (null) removes the scope.
	UserID   *string
	Disabled *bool
}

// parseEndpointPatch reads a PATCH body: url, description, filter_types
// ([] means every event), user_id (null removes the scope) and disabled.
func parseEndpointPatch(body []byte) (endpointPatch, error) {
	var p endpointPatch
	var fields map[string]json.RawMessage
	if err := decodeBody(body, &fields); err != nil {
		return p, err
	}
	for name, raw := range fields {
		switch name {
		case "url":
			var u string
			if json.Unmarshal(raw, &u) != nil {
				return p, badRequest("invalid_field", "url: must be a string")
			}
			p.URL = &u
		case "description":
			var d string
			if json.Unmarshal(raw, &d) != nil {
				return p, badRequest("invalid_field", "description: must be a string")
			}
			if err := validDescription(d); err != nil {
				return p, err
			}
			p.Description = &d
		case "filter_types":
			var types []string
			if json.Unmarshal(raw, &types) != nil {
				return p, badRequest("invalid_field", "filter_types: must be a list of event type names")
			}
			if err := validFilterTypes(types); err != nil {
				return p, err
			}
			p.FilterTypes = &types
		case "user_id":
			var id *string
			if json.Unmarshal(raw, &id) != nil {
				return p, badRequest("invalid_field", "user_id: must be a user id or null")
			}
			if id == nil {
				id = new(string)
			}
			p.UserID = id
		case "disabled":
			var d bool
			if json.Unmarshal(raw, &d) != nil {
				return p, badRequest("invalid_field", "disabled: must be true or false")
			}
			p.Disabled = &d
		default:
			return p, badRequest("invalid_field", strconv.Quote(truncate(name, 64))+": unknown field (url, description, filter_types, user_id, disabled)")
		}
	}
	return p, nil
}

// truncate cuts s to at most n bytes, for echoing client input in errors.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}

// patchEndpoint applies the fields present in the body.
func (g *Gateway) patchEndpoint(c *fiber.Ctx) error {
	ep, err := g.endpointOf(c)
	if err != nil {
		return err
	}
	p, err := parseEndpointPatch(c.Body())
	if err != nil {
		return err
	}
	changed := map[string]any{}
	if p.URL != nil {
		if ep.URL, err = g.checkURL(*p.URL); err != nil {
			return err
		}
		changed["url"] = ep.URL
	}
	if p.Description != nil {
		ep.Description, changed["description"] = *p.Description, *p.Description
	}
	if p.FilterTypes != nil {
		ep.FilterTypes, changed["filter_types"] = *p.FilterTypes, *p.FilterTypes
	}
	if p.UserID != nil {
		ep.UserID = ""
		if id := *p.UserID; id != "" {
			u, ok := g.env.Tables.Users.Get(id)
			if !ok || u.Tenant != ep.Tenant {
				return badRequest("invalid_field", "user_id: user "+truncate(id, 64)+" not found")
			}
			ep.UserID = u.ID
		}
		changed["user_id"] = ep.UserID
	}
	if p.Disabled != nil {
		ep.Disabled, changed["disabled"] = *p.Disabled, *p.Disabled
	}
	if err := g.storeEndpoint(c, ep); err != nil {
		return err
	}
	g.record(c, "endpoint.updated", "endpoint", ep.ID, changed)
	return c.JSON(endpointJSON(ep))
}

// storeEndpoint writes ep; an enabled endpoint starts a fresh failure streak.
func (g *Gateway) storeEndpoint(c *fiber.Ctx, ep schemas.Endpoint) error {
	ep.UpdatedAt = g.now().UTC().Truncate(time.Millisecond)
	if !ep.Disabled {
		if _, failing := g.env.Tables.EndpointHealth.Get(ep.ID); failing {
			if err := g.env.Tables.EndpointHealth.Delete(c.UserContext(), ep.ID); err != nil {
				return unavailable("cannot reset the endpoint's failure streak: " + err.Error())
			}
		}
	}
	if err := g.env.Tables.Endpoints.Put(c.UserContext(), ep.ID, ep); err != nil {
		return unavailable("cannot store the endpoint: " + err.Error())
	}
	return nil
}

func (g *Gateway) enableEndpoint(c *fiber.Ctx) error  { return g.setDisabled(c, false) }
func (g *Gateway) disableEndpoint(c *fiber.Ctx) error { return g.setDisabled(c, true) }

func (g *Gateway) setDisabled(c *fiber.Ctx, disabled bool) error {
	ep, err := g.endpointOf(c)
	if err != nil {
		return err
	}
	ep.Disabled = disabled
	if err := g.storeEndpoint(c, ep); err != nil {
		return err
	}
	action := "endpoint.enabled"
	if disabled {
		action = "endpoint.disabled"
	}
	g.record(c, action, "endpoint", ep.ID, nil)
	return c.JSON(endpointJSON(ep))
}

// rotateSecret makes a new signing secret; the old one keeps signing, next
// to the new one, for SecretOverlap.
func (g *Gateway) rotateSecret(c *fiber.Ctx) error {
	ep, err := g.endpointOf(c)
	if err != nil {
		return err
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return err
	}
	now := g.now().UTC().Truncate(time.Millisecond)
	ep.SecretPrevEnc = ep.SecretEnc
	ep.SecretPrevUntil = now.Add(SecretOverlap)
	ep.SecretEnc = g.env.Box.Seal([]byte(secret), []byte(ep.ID))
	ep.UpdatedAt = now
	if err := g.env.Tables.Endpoints.Put(c.UserContext(), ep.ID, ep); err != nil {
		return unavailable("cannot store the endpoint: " + err.Error())
	}
	g.record(c, "endpoint.secret_rotated", "endpoint", ep.ID, map[string]any{"previous_valid_until": ep.SecretPrevUntil})
	return c.JSON(fiber.Map{"key": secret, "previous_valid_until": ep.SecretPrevUntil})
}

// recoverEndpoint re-delivers, with their original webhook-ids, the events
// the endpoint would have received between since and until (default now),
// re-read from the stream.
func (g *Gateway) recoverEndpoint(c *fiber.Ctx) error {
	ep, err := g.endpointOf(c)
	if err != nil {
		return err
	}
	since, until, err := parseRecover(c.Body(), g.now())
	if err != nil {
		return err
	}
	env := g.env
	rc := &webhooks.Recoverer{Brokers: env.Brokers, Topics: env.Topics, Serde: env.Serde, Queue: g.webhookQueue(), Erasures: env.Tables.Erasures}
	n, err := rc.Recover(c.UserContext(), ep, since, until)
	if err != nil {
		g.env.Logger.Warn("recover failed", "endpoint", ep.ID, "err", err)
		return unavailable("cannot recover now; retry later")
	}
	g.record(c, "endpoint.recovered", "endpoint", ep.ID, map[string]any{"since": since.UTC(), "until": until.UTC(), "queued": n})
	return c.Status(http.StatusAccepted).JSON(fiber.Map{
		"endpoint_id": ep.ID, "since": since.UTC(), "until": until.UTC(), "queued": n,
	})
}

// parseRecover reads the body of POST .../recover: since (required) and
// until (default now), at most webhooks.MaxRecoverWindow apart, no later
// than now.
func parseRecover(body []byte, now time.Time) (since, until time.Time, err error) {
	var req struct {
		Since *time.Time `json:"since"`
		Until *time.Time `json:"until"`
	}
	if err := decodeBody(body, &req); err != nil {
		return since, until, err
	}
	if req.Since == nil {
		return since, until, badRequest("invalid_field", "since: required, an RFC 3339 time")
	}
	since, until = *req.Since, now
	if req.Until != nil {
		until = *req.Until
	}
	if until.After(now) {
		until = now
	}
	if !since.Before(until) || until.Sub(since) > webhooks.MaxRecoverWindow {
		return since, until, badRequest("invalid_field", "until: must be after since, no later than now, and at most 14 days later")
	}
	return since, until, nil
}

// resendMessage queues one logged message again, with its webhook-id, for
// one of its endpoints or all of them.
func (g *Gateway) resendMessage(c *fiber.Ctx) error {
	if g.clickhouse == nil {
		return newError(http.StatusServiceUnavailable, "unavailable", "the delivery log is not configured (CLICKHOUSE_ADDR)")
	}
	var req struct {
		EndpointID string `json:"endpoint_id"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	tenant := who(c).Tenant
	msg, endpoints, err := g.loggedMessage(c.UserContext(), tenant, c.Params("id"))
	if err != nil {
		return err
	}
	if msg.Type != schemas.EventUserDeleted && g.env.Tables.Erasures.Erased(msg.UserID) {
		return notFound("message " + msg.ID + " not found") // its user was erased
	}
	if req.EndpointID != "" {
		found := false
		for _, id := range endpoints {
			found = found || id == req.EndpointID
		}
		if !found {
			return badRequest("invalid_field", "endpoint_id: message "+msg.ID+" was not sent to endpoint "+req.EndpointID)
		}
		endpoints = []string{req.EndpointID}
	}
	var queued []string
	q := g.webhookQueue()
	for _, id := range endpoints {
		if ep, ok := g.env.Tables.Endpoints.Get(id); !ok || ep.Tenant != tenant {
			continue // deleted since
		}
		if err := q.Enqueue(c.UserContext(), id, webhooks.TriggerManual, []webhooks.Message{msg}); err != nil {
			return unavailable("cannot queue the resend: " + err.Error())
		}
		queued = append(queued, id)
	}
	if len(queued) == 0 {
		return notFound("message " + msg.ID + " has no endpoint left to resend to")
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{"message_id": msg.ID, "endpoints": queued})
}

func (g *Gateway) webhookQueue() webhooks.Queue {
	return webhooks.Queue{Producer: g.env.Producer, Serde: g.env.Serde, Topics: g.env.Topics}
}
