package gateway

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/schemas"
)

// The headers that carry an API key. The second is Open Wearables' name,
// accepted so that its clients work unchanged.
const (
	headerAPIKey   = "X-API-Key"
	headerOWAPIKey = "X-Open-Wearables-API-Key"
)

// principal is who a request acts as.
type principal struct {
	Tenant string
	KeyID  string
	Role   string
}

const localPrincipal = "principal"

// authenticate resolves the API key to its tenant, or answers 401.
func (g *Gateway) authenticate(c *fiber.Ctx) error {
	key := c.Get(headerAPIKey)
	if key == "" {
		key = c.Get(headerOWAPIKey)
	}
	if key == "" {
		if auth := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(auth, "Bearer sk-") {
			key = strings.TrimPrefix(auth, "Bearer ")
		}
	}
	if key == "" {
		return newError(http.StatusUnauthorized, "unauthorized", "authentication required: send an API key in the X-API-Key header")
	}
	// The table is keyed by the hash, so the lookup itself never compares
	// the secret; hashing first also makes its time independent of the key.
	k, ok := g.env.Tables.APIKeys.Get(secrets.Hash(key))
	if !ok {
		return newError(http.StatusUnauthorized, "unauthorized", "invalid API key")
	}
	if _, ok := g.env.Tables.Tenants.Get(k.Tenant); !ok {
		return newError(http.StatusUnauthorized, "unauthorized", "the API key's tenant no longer exists")
	}
	c.Locals(localPrincipal, principal{Tenant: k.Tenant, KeyID: k.ID, Role: k.Role})
	return c.Next()
}

func who(c *fiber.Ctx) principal {
	p, _ := c.Locals(localPrincipal).(principal)
	return p
}

// userOf returns the path's user when it belongs to the caller's tenant.
// A user of another tenant is answered exactly like a missing one, so keys
// cannot probe other tenants.
func (g *Gateway) userOf(c *fiber.Ctx, param string) (schemas.User, error) {
	id := c.Params(param)
	u, ok := g.env.Tables.Users.Get(id)
	if !ok || u.Tenant != who(c).Tenant {
		return schemas.User{}, notFound("user " + id + " not found")
	}
	return u, nil
}
