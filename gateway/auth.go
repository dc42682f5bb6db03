package gateway

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/tokens"
	"github.com/wearstream/wearstream/schemas"
)

// The headers that carry an API key. The second is Open Wearables' name,
// accepted so that its clients work unchanged.
const (
	headerAPIKey   = "X-API-Key"
	headerOWAPIKey = "X-Open-Wearables-API-Key"
)

// sdkPathPrefix is where SDK access tokens are accepted.
const sdkPathPrefix = "/api/v1/sdk/"

// principal is who a request acts as: an API key of a tenant, or an SDK
// access token of one user of a tenant (SDK set, UserID the token's user).
type principal struct {
	Tenant string
	KeyID  string
	Role   string

	SDK    bool
	UserID string
	AppID  string
}

// appID names the caller in SDK records: the token's application, or
// "key:<id>" for an API key.
func (p principal) appID() string {
	if p.SDK {
		return p.AppID
	}
	return "key:" + p.KeyID
}

const localPrincipal = "principal"

// authenticate resolves the request's credentials, or answers 401. Routes
// under /api/v1/sdk/ accept an SDK access token (Authorization: Bearer)
// or an API key; every other route takes an API key only.
func (g *Gateway) authenticate(c *fiber.Ctx) error {
	if err := g.checkGuess(c, guessAPIKey, guessAPIKey.String()); err != nil {
		return err
	}
	if tok := bearer(c); tok != "" && !strings.HasPrefix(tok, "sk-") {
		p, err := g.sdkPrincipal(tok)
		if err != nil {
			g.failedGuess(c, guessAPIKey, guessAPIKey.String(), "invalid SDK access token")
			return err
		}
		if !strings.HasPrefix(c.Path(), sdkPathPrefix) {
			return newError(http.StatusForbidden, "forbidden", "SDK access tokens are accepted only on /api/v1/sdk/ routes; use an API key (X-API-Key)")
		}
		c.Locals(localPrincipal, p)
		return c.Next()
	}
	p, err := g.apiKeyPrincipal(c)
	if err != nil {
		if apiKey(c) != "" {
			g.failedGuess(c, guessAPIKey, guessAPIKey.String(), "invalid API key")
		}
		return err
	}
	c.Locals(localPrincipal, p)
	return c.Next()
}

// requireRole refuses API keys whose role is below role. SDK access tokens
// reach only /api/v1/sdk/ routes (authenticate), where they act for their
// one user.
func requireRole(role Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := who(c)
		if p.SDK {
			return c.Next()
		}
		if have := ParseRole(p.Role); have < role {
			return newError(http.StatusForbidden, "insufficient_role",
				"this API key has role "+strconv.Quote(p.Role)+"; "+c.Method()+" "+c.Route().Path+" needs role "+role.String()+" or higher")
		}
		return c.Next()
	}
}

// apiKey returns the API key the request carries, if any.
func apiKey(c *fiber.Ctx) string {
	if key := c.Get(headerAPIKey); key != "" {
		return key
	}
	if key := c.Get(headerOWAPIKey); key != "" {
		return key
	}
	if tok := bearer(c); strings.HasPrefix(tok, "sk-") {
		return tok
	}
	return ""
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(c *fiber.Ctx) string {
	auth := c.Get(fiber.HeaderAuthorization)
	if len(auth) > 7 && strings.EqualFold(auth[:7], "Bearer ") {
		return strings.TrimSpace(auth[7:])
	}
	return ""
}

// apiKeyPrincipal resolves the request's API key to its tenant.
func (g *Gateway) apiKeyPrincipal(c *fiber.Ctx) (principal, error) {
	key := apiKey(c)
	if key == "" {
		return principal{}, newError(http.StatusUnauthorized, "unauthorized", "authentication required: send an API key in the X-API-Key header")
	}
	// The table is keyed by the hash, so the lookup itself never compares
	// the secret; hashing first also makes its time independent of the key.
	k, ok := g.env.Tables.APIKeys.Get(secrets.Hash(key))
	if !ok {
		return principal{}, newError(http.StatusUnauthorized, "unauthorized", "invalid API key")
	}
	if _, ok := g.env.Tables.Tenants.Get(k.Tenant); !ok {
		return principal{}, newError(http.StatusUnauthorized, "unauthorized", "the API key's tenant no longer exists")
	}
	return principal{Tenant: k.Tenant, KeyID: k.ID, Role: k.Role}, nil
}

// sdkPrincipal checks an SDK access token: signature, scope and expiry,
// then that its user and application still exist.
func (g *Gateway) sdkPrincipal(tok string) (principal, error) {
	if g.keys == nil {
		return principal{}, unavailable("SDK tokens are not available: the secret key is not configured")
	}
	claims, err := g.keys.Verify(tok, g.now())
	switch {
	case errors.Is(err, tokens.ErrExpired):
		return principal{}, newError(http.StatusUnauthorized, "token_expired", "the access token has expired: get a new one at POST /api/v1/token/refresh")
	case err != nil:
		return principal{}, newError(http.StatusUnauthorized, "invalid_token", "invalid access token: "+err.Error())
	}
	if u, ok := g.env.Tables.Users.Get(claims.Subject); !ok || u.Tenant != claims.Tenant {
		return principal{}, newError(http.StatusUnauthorized, "invalid_token", "the access token's user no longer exists")
	}
	if strings.HasPrefix(claims.AppID, tokens.AppIDPrefix) {
		if app, ok := g.env.Tables.Applications.Get(claims.AppID); !ok || app.Tenant != claims.Tenant {
			return principal{}, newError(http.StatusUnauthorized, "invalid_token", "the access token's application was deleted")
		}
	}
	return principal{Tenant: claims.Tenant, SDK: true, UserID: claims.Subject, AppID: claims.AppID}, nil
}

func who(c *fiber.Ctx) principal {
	p, _ := c.Locals(localPrincipal).(principal)
	return p
}

// userOf returns the path's user when it belongs to the caller's tenant.
// A user of another tenant is answered exactly like a missing one, so keys
// cannot probe other tenants. An SDK token may only name its own user.
func (g *Gateway) userOf(c *fiber.Ctx, param string) (schemas.User, error) {
	id := c.Params(param)
	p := who(c)
	if p.SDK && id != p.UserID {
		return schemas.User{}, newError(http.StatusForbidden, "forbidden", param+": the SDK access token does not match this user")
	}
	u, ok := g.env.Tables.Users.Get(id)
	if !ok || u.Tenant != p.Tenant || g.env.Tables.Erasures.Erased(id) {
		return schemas.User{}, notFound("user " + id + " not found")
	}
	return u, nil
}
