package gateway

// API keys through the API, for admins (the console's Credentials page):
// create one of the caller's tenant with a role (the key is answered once
// and stored hashed, like `wearstream admin key create`), list them without
// their secrets, and revoke one (a tombstone in wearables.state.api_keys:
// the key stops working on every gateway as soon as each has read it).

import (
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/schemas"
)

type apiKeyResponse struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Prefix    string    `json:"prefix"`
	CreatedAt time.Time `json:"created_at"`
	// Key is the key itself, in the answer to its creation only.
	Key string `json:"key,omitempty"`
}

func apiKeyJSON(k schemas.APIKey, key string) apiKeyResponse {
	return apiKeyResponse{ID: k.ID, Name: k.Name, Role: k.Role, Prefix: k.Prefix, CreatedAt: k.CreatedAt, Key: key}
}

// createAPIKey makes a key of the caller's tenant: {name, role}.
func (g *Gateway) createAPIKey(c *fiber.Ctx) error {
	var req struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	if len(req.Name) > maxNameLen || !utf8.ValidString(req.Name) {
		return badRequest("invalid_field", "name: at most 255 bytes of UTF-8")
	}
	if ParseRole(req.Role) == RoleNone {
		return badRequest("invalid_field", "role: must be one of "+strings.Join(RoleNames, ", "))
	}
	key := secrets.NewAPIKey()
	hash := secrets.Hash(key)
	k := schemas.APIKey{Hash: hash, ID: "key_" + hash[:12], Tenant: who(c).Tenant, Name: req.Name, Role: req.Role,
		Prefix: key[:min(len(key), 7)], CreatedAt: g.now().UTC()}
	if err := g.env.Tables.APIKeys.Put(c.UserContext(), hash, k); err != nil {
		return unavailable("cannot store the API key: " + err.Error())
	}
	g.record(c, "api_key.created", "api_key", k.ID, map[string]any{"name": k.Name, "role": k.Role, "prefix": k.Prefix})
	return c.Status(http.StatusCreated).JSON(apiKeyJSON(k, key))
}

// listAPIKeys answers the caller's tenant's keys, oldest first, without
// their secrets.
func (g *Gateway) listAPIKeys(c *fiber.Ctx) error {
	tenant := who(c).Tenant
	out := []apiKeyResponse{}
	g.env.Tables.APIKeys.Range(func(_ string, k schemas.APIKey) bool {
		if k.Tenant == tenant {
			out = append(out, apiKeyJSON(k, ""))
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool {
		return out[i].CreatedAt.Before(out[j].CreatedAt) || out[i].CreatedAt.Equal(out[j].CreatedAt) && out[i].ID < out[j].ID
	})
	return c.JSON(fiber.Map{"data": out})
}

// revokeAPIKey deletes one of the caller's tenant's keys by id; another
// tenant's is answered like a missing one.
func (g *Gateway) revokeAPIKey(c *fiber.Ctx) error {
	id, tenant := c.Params("id"), who(c).Tenant
	var found *schemas.APIKey
	g.env.Tables.APIKeys.Range(func(_ string, k schemas.APIKey) bool {
		if k.ID == id && k.Tenant == tenant {
			found = &k
			return false
		}
		return true
	})
	if found == nil {
		return notFound("API key " + id + " not found")
	}
	if err := g.env.Tables.APIKeys.Delete(c.UserContext(), found.Hash); err != nil {
		return unavailable("cannot revoke the API key: " + err.Error())
	}
	g.record(c, "api_key.revoked", "api_key", found.ID, map[string]any{"name": found.Name, "role": found.Role, "prefix": found.Prefix})
	return c.SendStatus(http.StatusNoContent)
}
