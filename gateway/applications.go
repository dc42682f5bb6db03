package gateway

// Applications: a tenant's mobile apps, whose app_id and app_secret mint
// SDK tokens (POST /api/v1/users/{user_id}/token). The secret is shown once,
// at creation and at rotation, and stored as its SHA-256 hash. Deleting an
// application revokes its refresh tokens; its access tokens stop working at
// once, because every request checks that the token's application exists.

import (
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/tokens"
	"github.com/wearstream/wearstream/schemas"
)

type applicationRequest struct {
	Name string `json:"name"`
}

type applicationResponse struct {
	AppID        string     `json:"app_id"`
	Name         string     `json:"name"`
	AppSecret    string     `json:"app_secret,omitempty"`
	SecretPrefix string     `json:"secret_prefix"`
	CreatedAt    time.Time  `json:"created_at"`
	RotatedAt    *time.Time `json:"rotated_at"`
}

func applicationJSON(a schemas.Application, secret string) applicationResponse {
	out := applicationResponse{AppID: a.ID, Name: a.Name, AppSecret: secret, SecretPrefix: a.SecretPrefix, CreatedAt: a.CreatedAt}
	if !a.RotatedAt.IsZero() {
		out.RotatedAt = &a.RotatedAt
	}
	return out
}

// secretPrefix is how much of a secret is kept to recognise it.
const secretPrefixLen = len(tokens.AppSecretPrefix) + 4

// parseApplication reads and checks the body of POST /applications.
func parseApplication(body []byte) (applicationRequest, error) {
	var req applicationRequest
	if err := decodeBody(body, &req); err != nil {
		return req, err
	}
	req.Name = strings.TrimSpace(req.Name)
	if len(req.Name) > maxNameLen {
		return req, badRequest("invalid_field", "name: longer than 255 characters")
	}
	if !utf8.ValidString(req.Name) {
		return req, badRequest("invalid_field", "name: not valid UTF-8")
	}
	return req, nil
}

func (g *Gateway) createApplication(c *fiber.Ctx) error {
	req, err := parseApplication(c.Body())
	if err != nil {
		return err
	}
	secret := tokens.NewAppSecret()
	a := schemas.Application{
		ID: tokens.NewAppID(), Tenant: who(c).Tenant, Name: req.Name,
		SecretHash: secrets.Hash(secret), SecretPrefix: secret[:secretPrefixLen],
		CreatedAt: g.now().UTC().Truncate(time.Millisecond),
	}
	if err := g.env.Tables.Applications.Put(c.UserContext(), a.ID, a); err != nil {
		return unavailable("cannot store the application; retry later")
	}
	g.record(c, "application.created", "application", a.ID, map[string]any{"name": a.Name})
	return c.Status(http.StatusCreated).JSON(applicationJSON(a, secret))
}

func (g *Gateway) listApplications(c *fiber.Ctx) error {
	tenant := who(c).Tenant
	var apps []schemas.Application
	g.env.Tables.Applications.Range(func(_ string, a schemas.Application) bool {
		if a.Tenant == tenant {
			apps = append(apps, a)
		}
		return true
	})
	sort.Slice(apps, func(i, j int) bool {
		return apps[i].CreatedAt.Before(apps[j].CreatedAt) || apps[i].CreatedAt.Equal(apps[j].CreatedAt) && apps[i].ID < apps[j].ID
	})
	out := []applicationResponse{}
	for _, a := range apps {
		out = append(out, applicationJSON(a, ""))
	}
	return c.JSON(out)
}

// applicationOf returns the path's application when it belongs to the
// caller's tenant; another tenant's is answered like a missing one.
func (g *Gateway) applicationOf(c *fiber.Ctx) (schemas.Application, error) {
	id := c.Params("app_id")
	a, ok := g.env.Tables.Applications.Get(id)
	if !ok || a.Tenant != who(c).Tenant {
		return schemas.Application{}, notFound("application " + id + " not found")
	}
	return a, nil
}

func (g *Gateway) getApplication(c *fiber.Ctx) error {
	a, err := g.applicationOf(c)
	if err != nil {
		return err
	}
	return c.JSON(applicationJSON(a, ""))
}

// rotateApplicationSecret replaces the secret; the old one stops working
// at once. Tokens already minted stay valid.
func (g *Gateway) rotateApplicationSecret(c *fiber.Ctx) error {
	a, err := g.applicationOf(c)
	if err != nil {
		return err
	}
	secret := tokens.NewAppSecret()
	a.SecretHash, a.SecretPrefix = secrets.Hash(secret), secret[:secretPrefixLen]
	a.RotatedAt = g.now().UTC().Truncate(time.Millisecond)
	if err := g.env.Tables.Applications.Put(c.UserContext(), a.ID, a); err != nil {
		return unavailable("cannot store the application; retry later")
	}
	g.record(c, "application.secret_rotated", "application", a.ID, map[string]any{"secret_prefix": a.SecretPrefix})
	return c.JSON(applicationJSON(a, secret))
}

// deleteApplication removes an application and revokes its refresh tokens.
func (g *Gateway) deleteApplication(c *fiber.Ctx) error {
	a, err := g.applicationOf(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := g.env.Tables.Applications.Delete(ctx, a.ID); err != nil {
		return unavailable("cannot delete the application; retry later")
	}
	g.record(c, "application.deleted", "application", a.ID, map[string]any{"name": a.Name})
	var revoked []string
	g.env.Tables.RefreshTokens.Range(func(key string, rt schemas.RefreshToken) bool {
		if rt.AppID == a.ID {
			revoked = append(revoked, key)
		}
		return true
	})
	for _, key := range revoked {
		if err := g.env.Tables.RefreshTokens.Delete(ctx, key); err != nil {
			g.env.Logger.Warn("cannot revoke a refresh token of a deleted application", "app_id", a.ID, "err", err)
		}
	}
	return c.SendStatus(http.StatusNoContent)
}
