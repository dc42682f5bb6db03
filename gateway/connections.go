package gateway

// A user's provider connections: list them, disconnect one (deregistering
// the user at the provider when it offers that, best effort, then revoking
// with reason user_disconnected), and ask for a pull now.

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/schemas"
)

// connectionView is a connection as the API shows it; tokens never leave.
type connectionView struct {
	ID               string              `json:"id"`
	UserID           string              `json:"user_id"`
	Provider         string              `json:"provider"`
	ProviderUserID   string              `json:"provider_user_id"`
	ProviderUsername string              `json:"provider_username,omitempty"`
	Status           string              `json:"status"`
	Reason           string              `json:"reason,omitempty"`
	Scopes           []string            `json:"scopes"`
	TokenExpiresAt   *string             `json:"token_expires_at"`
	LastSyncedAt     *string             `json:"last_synced_at"`
	CreatedAt        string              `json:"created_at"`
	UpdatedAt        string              `json:"updated_at"`
	LiveSyncMode     string              `json:"live_sync_mode"`
	IconURL          string              `json:"icon_url"`
	Capabilities     ingest.Capabilities `json:"capabilities"`
}

func optStamp(t time.Time) *string {
	if t.Unix() <= 0 {
		return nil
	}
	s := t.UTC().Format(time.RFC3339Nano)
	return &s
}

func (g *Gateway) viewConnection(c schemas.Connection) connectionView {
	v := connectionView{
		ID: c.ID, UserID: c.UserID, Provider: c.Provider, ProviderUserID: c.ProviderUserID,
		ProviderUsername: c.ProviderUsername, Status: c.Status, Reason: c.Reason, Scopes: c.Scopes,
		TokenExpiresAt: optStamp(c.ExpiresAt), LastSyncedAt: optStamp(c.LastSyncedAt),
		CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339Nano), UpdatedAt: c.UpdatedAt.UTC().Format(time.RFC3339Nano),
	}
	if v.Scopes == nil {
		v.Scopes = []string{}
	}
	if p, ok := ingest.Lookup(c.Provider); ok {
		pv := g.viewProvider(p, c.Tenant)
		v.LiveSyncMode, v.Capabilities, v.IconURL = pv.LiveSyncMode, pv.Capabilities, pv.IconURL
	}
	return v
}

// listConnections answers GET /users/{user_id}/connections.
func (g *Gateway) listConnections(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	prefix := schemas.ConnectionKey(u.Tenant, u.ID, "")
	out := []connectionView{}
	g.env.Tables.Connections.Range(func(key string, conn schemas.Connection) bool {
		if strings.HasPrefix(key, prefix) {
			out = append(out, g.viewConnection(conn))
		}
		return true
	})
	slices.SortFunc(out, func(a, b connectionView) int { return strings.Compare(a.Provider, b.Provider) })
	return c.JSON(out)
}

// connectionOf returns the user's active connection to the path's provider.
func (g *Gateway) connectionOf(c *fiber.Ctx, u schemas.User) (ingest.Provider, schemas.Connection, error) {
	name := c.Params("provider")
	p, ok := ingest.Lookup(name)
	if !ok {
		return p, schemas.Connection{}, notFound("provider " + name + " not found")
	}
	conn, ok := g.env.Tables.Connections.Get(schemas.ConnectionKey(u.Tenant, u.ID, name))
	if !ok || conn.Status != schemas.ConnectionActive {
		return p, conn, notFound("user " + u.ID + " has no active " + name + " connection")
	}
	return p, conn, nil
}

// deleteConnection answers DELETE /users/{user_id}/connections/{provider}.
func (g *Gateway) deleteConnection(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	p, conn, err := g.connectionOf(c, u)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 60*time.Second)
	defer cancel()
	if p.OAuth != nil && p.OAuth.Deregister != nil {
		if s, err := jobs.Session(ctx, g.env, providerHTTP, nil, p, conn); err == nil {
			if err := p.OAuth.Deregister(ctx, s); err != nil {
				g.env.Logger.Warn("provider deregistration failed; revoking anyway", "provider", p.Name, "user_id", u.ID, "err", err)
			}
		}
	}
	if _, err := jobs.Revoke(ctx, g.env, schemas.ConnectionKey(u.Tenant, u.ID, p.Name), jobs.ReasonUserDisconnected, g.now()); err != nil {
		g.env.Logger.Warn("connection not revoked", "provider", p.Name, "user_id", u.ID, "err", err)
		return unavailable("the event store is unavailable; retry later")
	}
	return c.SendStatus(http.StatusNoContent)
}

// syncNow answers POST /providers/{provider}/users/{user_id}/sync: a poll
// from the connection's cursor, queued for the ingest workers.
func (g *Gateway) syncNow(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	p, conn, err := g.connectionOf(c, u)
	if err != nil {
		return err
	}
	if !p.Pulls() {
		return badRequest("not_pollable", "provider: "+p.Name+" is not polled; its data is pushed to its webhook")
	}
	if !jobs.Enabled(g.env, u.Tenant, p) {
		return badRequest("provider_disabled", "provider: "+p.Name+" is disabled for this tenant")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), g.produceTimeout)
	defer cancel()
	run, err := jobs.StartPoll(ctx, g.env, p, conn, g.now())
	if err != nil {
		return unavailable("the event store is unavailable; nothing was queued, retry later")
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{"status": "queued", "provider": p.Name, "user_id": u.ID, "run_id": run})
}

// The bounds and default of ?days= of a historical sync (Open Wearables').
const (
	maxHistoryDays     = 365
	defaultHistoryDays = 90
)

// syncHistory answers POST /providers/{provider}/users/{user_id}/sync/historical?days=:
// a backfill of the last days days (1–365, default 90), queued for the
// ingest workers. Pull providers fetch it; Garmin is asked for it with its
// backfill API and pushes it (30 days at most).
func (g *Gateway) syncHistory(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	p, conn, err := g.connectionOf(c, u)
	if err != nil {
		return err
	}
	days := defaultHistoryDays
	if s := c.Query("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxHistoryDays {
			return badRequest("invalid_days", "days: want a whole number from 1 to 365")
		}
		days = n
	}
	if !jobs.Enabled(g.env, u.Tenant, p) {
		return badRequest("provider_disabled", "provider: "+p.Name+" is disabled for this tenant")
	}
	method := "pull_api"
	switch {
	case p.Capabilities.WebhookCallback:
		method = "webhook_backfill"
	case !p.Pulls():
		return badRequest("no_history", "provider: "+p.Name+" has no history to fetch")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), g.produceTimeout)
	defer cancel()
	run, from, to, err := jobs.StartHistory(ctx, g.env, p, conn, days, g.now())
	if err != nil {
		return unavailable("the event store is unavailable; nothing was queued, retry later")
	}
	return c.Status(http.StatusAccepted).JSON(fiber.Map{
		"status": "queued", "provider": p.Name, "user_id": u.ID, "method": method, "run_id": run,
		"days": int(to.Sub(from).Hours() / 24), "start_date": from.Format(time.RFC3339), "end_date": to.Format(time.RFC3339),
	})
}
