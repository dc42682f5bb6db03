package gateway

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/schemas"
)

// patchUser answers PATCH /users/{user_id}: the fields present in the body
// change (null or "" clears one), the others stay; checked as on create.
func (g *Gateway) patchUser(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := decodeJSON(c, &fields); err != nil {
		return err
	}
	known := []string{"external_user_id", "email", "first_name", "last_name"}
	for name := range fields {
		if !slices.Contains(known, name) {
			return badRequest("invalid_field", name+": not a field of a user (external_user_id, email, first_name, last_name)")
		}
	}
	// Merge the present fields over the stored ones and check the result
	// with the create rules.
	merged := map[string]any{"external_user_id": u.ExternalUserID, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName}
	for name, raw := range fields {
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			return badRequest("invalid_field", name+": must be a string or null")
		}
		merged[name] = ""
		if v != nil {
			merged[name] = *v
		}
	}
	body, _ := json.Marshal(merged)
	next, err := parseUser(body)
	if err != nil {
		return err
	}
	next.ID, next.Tenant, next.CreatedAt = u.ID, u.Tenant, u.CreatedAt
	if next.ExternalUserID != "" && next.ExternalUserID != u.ExternalUserID {
		dup := false
		g.env.Tables.Users.Range(func(_ string, o schemas.User) bool {
			dup = o.Tenant == u.Tenant && o.ID != u.ID && o.ExternalUserID == next.ExternalUserID
			return !dup
		})
		if dup {
			return newError(http.StatusConflict, "conflict", "external_user_id: a user with this external id already exists")
		}
	}
	if err := g.env.Tables.Users.Put(c.UserContext(), u.ID, next); err != nil {
		return unavailable("cannot store the user: " + err.Error())
	}
	changed := []string{}
	for _, name := range known {
		if _, ok := fields[name]; ok {
			changed = append(changed, name)
		}
	}
	slices.Sort(changed)
	g.record(c, "user.updated", "user", u.ID, map[string]any{"fields": changed})
	return c.JSON(userJSON(next))
}
