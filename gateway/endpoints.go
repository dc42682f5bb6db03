package gateway

import (
	"net/http"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/schemas"
	"github.com/wearstream/wearstream/sinks/webhooks"
)

type endpointRequest struct {
	URL         string   `json:"url"`
	Description string   `json:"description"`
	FilterTypes []string `json:"filter_types"`
	UserID      *string  `json:"user_id"`
}

type endpointResponse struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Description string    `json:"description"`
	FilterTypes []string  `json:"filter_types"`
	UserID      *string   `json:"user_id"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// endpointDetail is what the audit log keeps of an endpoint: everything
// but its secrets.
func endpointDetail(e schemas.Endpoint) map[string]any {
	return map[string]any{"url": e.URL, "description": e.Description, "filter_types": e.FilterTypes, "user_id": e.UserID, "disabled": e.Disabled}
}

func endpointJSON(e schemas.Endpoint) endpointResponse {
	r := endpointResponse{ID: e.ID, URL: e.URL, Description: e.Description, FilterTypes: e.FilterTypes,
		Disabled: e.Disabled, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if r.FilterTypes == nil {
		r.FilterTypes = []string{}
	}
	if e.UserID != "" {
		r.UserID = &e.UserID
	}
	return r
}

// Limits of an endpoint's free-text fields.
const (
	maxDescriptionLen = 1024
	maxURLLen         = 2048
	maxFilterTypesLen = 100
)

// validDescription checks an endpoint description's length and encoding.
func validDescription(d string) error {
	if len(d) > maxDescriptionLen {
		return badRequest("invalid_field", "description: longer than 1024 characters")
	}
	if !utf8.ValidString(d) {
		return badRequest("invalid_field", "description: not valid UTF-8")
	}
	return nil
}

// validFilterTypes checks every name against the event catalog.
func validFilterTypes(types []string) error {
	if len(types) > maxFilterTypesLen {
		return badRequest("invalid_field", "filter_types: at most 100 event types")
	}
	for _, t := range types {
		if _, ok := schemas.LookupEventType(t); !ok {
			return badRequest("invalid_field", "filter_types: unknown event type "+t+" (see GET /api/v1/webhooks/event-types)")
		}
	}
	return nil
}

// parseEndpoint reads and checks the body of POST /webhooks/endpoints;
// the URL's address is checked by checkURL.
func parseEndpoint(body []byte) (endpointRequest, error) {
	var req endpointRequest
	if err := decodeBody(body, &req); err != nil {
		return req, err
	}
	if err := validDescription(req.Description); err != nil {
		return req, err
	}
	if err := validFilterTypes(req.FilterTypes); err != nil {
		return req, err
	}
	return req, nil
}

func (g *Gateway) createEndpoint(c *fiber.Ctx) error {
	req, err := parseEndpoint(c.Body())
	if err != nil {
		return err
	}
	if req.URL, err = g.checkURL(req.URL); err != nil {
		return err
	}
	tenant := who(c).Tenant
	var userID string
	if req.UserID != nil && *req.UserID != "" {
		u, ok := g.env.Tables.Users.Get(*req.UserID)
		if !ok || u.Tenant != tenant {
			return badRequest("invalid_field", "user_id: user "+*req.UserID+" not found")
		}
		userID = u.ID
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return err
	}
	now := g.now().UTC().Truncate(time.Millisecond)
	ep := schemas.Endpoint{
		ID:          secrets.NewID("ep_"),
		Tenant:      tenant,
		URL:         req.URL,
		Description: req.Description,
		FilterTypes: req.FilterTypes,
		UserID:      userID,
		CreatedAt:   now,
		UpdatedAt:   now,
	}
	ep.SecretEnc = g.env.Box.Seal([]byte(secret), []byte(ep.ID))
	if err := g.env.Tables.Endpoints.Put(c.UserContext(), ep.ID, ep); err != nil {
		return unavailable("cannot store the endpoint: " + err.Error())
	}
	g.record(c, "endpoint.created", "endpoint", ep.ID, endpointDetail(ep))
	return c.Status(http.StatusCreated).JSON(endpointJSON(ep))
}

// endpointOf returns the path's endpoint when it belongs to the caller's tenant.
func (g *Gateway) endpointOf(c *fiber.Ctx) (schemas.Endpoint, error) {
	id := c.Params("id")
	ep, ok := g.env.Tables.Endpoints.Get(id)
	if !ok || ep.Tenant != who(c).Tenant {
		return schemas.Endpoint{}, notFound("endpoint " + id + " not found")
	}
	return ep, nil
}

func (g *Gateway) listEndpoints(c *fiber.Ctx) error {
	tenant := who(c).Tenant
	out := []endpointResponse{}
	g.env.Tables.Endpoints.Range(func(_ string, ep schemas.Endpoint) bool {
		if ep.Tenant == tenant {
			out = append(out, endpointJSON(ep))
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool {
		return out[i].CreatedAt.Before(out[j].CreatedAt) || out[i].CreatedAt.Equal(out[j].CreatedAt) && out[i].ID < out[j].ID
	})
	return c.JSON(out)
}

func (g *Gateway) getEndpoint(c *fiber.Ctx) error {
	ep, err := g.endpointOf(c)
	if err != nil {
		return err
	}
	return c.JSON(endpointJSON(ep))
}

func (g *Gateway) deleteEndpoint(c *fiber.Ctx) error {
	ep, err := g.endpointOf(c)
	if err != nil {
		return err
	}
	if err := g.env.Tables.Endpoints.Delete(c.UserContext(), ep.ID); err != nil {
		return unavailable("cannot delete the endpoint: " + err.Error())
	}
	g.record(c, "endpoint.deleted", "endpoint", ep.ID, map[string]any{"url": ep.URL})
	return c.SendStatus(http.StatusNoContent)
}

func (g *Gateway) endpointSecret(c *fiber.Ctx) error {
	ep, err := g.endpointOf(c)
	if err != nil {
		return err
	}
	secret, err := g.env.Box.Open(ep.SecretEnc, []byte(ep.ID))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"key": string(secret)})
}

// testEndpoint sends a realistic example of an event type through the
// delivery path (the same signing with every current secret, the same guarded
// client, an attempt in the delivery log with trigger manual) and reports
// what the endpoint answered. A test is not retried.
func (g *Gateway) testEndpoint(c *fiber.Ctx) error {
	ep, err := g.endpointOf(c)
	if err != nil {
		return err
	}
	var req struct {
		EventType string `json:"event_type"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.EventType == "" {
		req.EventType = "workout.created"
		if len(ep.FilterTypes) > 0 {
			req.EventType = ep.FilterTypes[0]
		}
	}
	msg, err := webhooks.ExampleMessage(req.EventType, ep.Tenant, ep.UserID)
	if err != nil {
		return badRequest("invalid_field", "event_type: "+err.Error())
	}
	now := g.now()
	secrets, err := webhooks.EndpointSecrets(g.env.Box, ep, now)
	if err != nil {
		return err
	}
	res := g.sender.Send(c.UserContext(), ep.URL, secrets, msg, now)
	a := webhooks.NewAttempt(ep.ID, msg, 1, webhooks.TriggerManual, now, res)
	a.Payload = msg.Body
	if err := g.webhookQueue().Log(c.UserContext(), a); err != nil {
		g.env.Logger.Warn("cannot log a test delivery", "endpoint", ep.ID, "err", err)
	}
	out := fiber.Map{
		"success":       res.Success,
		"status_code":   res.StatusCode,
		"duration_ms":   res.Duration.Milliseconds(),
		"message_id":    msg.ID,
		"event_type":    msg.Type,
		"response_body": res.ResponseBody,
	}
	if res.Err != nil {
		out["error"] = res.Err.Error()
	}
	return c.JSON(out)
}

type eventTypeResponse struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	ChildEvents []string `json:"child_events"`
}

// listEventTypes serves the event catalog; it needs no authentication.
func (g *Gateway) listEventTypes(c *fiber.Ctx) error {
	types := schemas.EventTypes()
	out := make([]eventTypeResponse, 0, len(types))
	for _, t := range types {
		children := t.Children
		if children == nil {
			children = []string{}
		}
		out = append(out, eventTypeResponse{Name: t.Name, Description: t.Description, ChildEvents: children})
	}
	return c.JSON(out)
}
