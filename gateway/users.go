package gateway

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/wearstream/wearstream/schemas"
)

type userRequest struct {
	ExternalUserID *string `json:"external_user_id"`
	Email          *string `json:"email"`
	FirstName      *string `json:"first_name"`
	LastName       *string `json:"last_name"`
}

type userResponse struct {
	ID             string    `json:"id"`
	ExternalUserID *string   `json:"external_user_id"`
	Email          *string   `json:"email"`
	FirstName      *string   `json:"first_name"`
	LastName       *string   `json:"last_name"`
	CreatedAt      time.Time `json:"created_at"`
}

func userJSON(u schemas.User) userResponse {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return userResponse{ID: u.ID, ExternalUserID: opt(u.ExternalUserID), Email: opt(u.Email),
		FirstName: opt(u.FirstName), LastName: opt(u.LastName), CreatedAt: u.CreatedAt}
}

// decodeJSON decodes a JSON object body into v; an empty body is an empty object.
func decodeJSON(c *fiber.Ctx, v any) error {
	return decodeBody(c.Body(), v)
}

// decodeBody is decodeJSON of a body already read.
func decodeBody(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest("invalid_json", "request body is not valid JSON: "+err.Error())
	}
	return nil
}

// maxNameLen bounds the free-text fields of users and applications.
const maxNameLen = 255

// parseUser reads and checks the body of POST /users: the user's fields,
// without id, tenant or time.
func parseUser(body []byte) (schemas.User, error) {
	var req userRequest
	if err := decodeBody(body, &req); err != nil {
		return schemas.User{}, err
	}
	val := func(p *string) string {
		if p == nil {
			return ""
		}
		return strings.TrimSpace(*p)
	}
	u := schemas.User{ExternalUserID: val(req.ExternalUserID), Email: val(req.Email), FirstName: val(req.FirstName), LastName: val(req.LastName)}
	for _, f := range []struct{ name, v string }{{"external_user_id", u.ExternalUserID}, {"email", u.Email}, {"first_name", u.FirstName}, {"last_name", u.LastName}} {
		if len(f.v) > maxNameLen {
			return schemas.User{}, badRequest("invalid_field", f.name+": longer than 255 characters")
		}
		if !utf8.ValidString(f.v) {
			return schemas.User{}, badRequest("invalid_field", f.name+": not valid UTF-8")
		}
	}
	if u.Email != "" {
		if _, err := mail.ParseAddress(u.Email); err != nil {
			return schemas.User{}, badRequest("invalid_field", "email: not a valid email address")
		}
	}
	return u, nil
}

func (g *Gateway) createUser(c *fiber.Ctx) error {
	u, err := parseUser(c.Body())
	if err != nil {
		return err
	}
	u.ID, u.Tenant, u.CreatedAt = uuid.NewString(), who(c).Tenant, g.now().UTC().Truncate(time.Millisecond)
	if u.ExternalUserID != "" {
		dup := false
		g.env.Tables.Users.Range(func(_ string, o schemas.User) bool {
			dup = o.Tenant == u.Tenant && o.ExternalUserID == u.ExternalUserID
			return !dup
		})
		if dup {
			return newError(http.StatusConflict, "conflict", "external_user_id: a user with this external id already exists")
		}
	}
	if err := g.env.Tables.Users.Put(c.UserContext(), u.ID, u); err != nil {
		return unavailable("cannot store the user: " + err.Error())
	}
	g.record(c, "user.created", "user", u.ID, map[string]any{"external_user_id": u.ExternalUserID})
	return c.Status(http.StatusCreated).JSON(userJSON(u))
}

func (g *Gateway) getUser(c *fiber.Ctx) error {
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	return c.JSON(userJSON(u))
}

type userPage struct {
	Items   []userResponse `json:"items"`
	Total   int            `json:"total"`
	Page    int            `json:"page"`
	Limit   int            `json:"limit"`
	Pages   int            `json:"pages"`
	HasNext bool           `json:"has_next"`
	HasPrev bool           `json:"has_prev"`
}

// listUsers pages through the tenant's users, newest first, in Open
// Wearables' page/limit format; email and external_user_id filter exactly,
// search keeps users whose id, email, external id or name contains it.
func (g *Gateway) listUsers(c *fiber.Ctx) error {
	page, err := queryInt(c, "page", 1, 1, 1<<30)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", 20, 1, 100)
	if err != nil {
		return err
	}
	email, external := c.Query("email"), c.Query("external_user_id")
	search := strings.ToLower(strings.TrimSpace(c.Query("search")))
	if len(search) > 255 {
		return badRequest("invalid_query", "search: at most 255 characters")
	}
	tenant := who(c).Tenant
	// Only the page's users are kept whole; the rest are sorted by their
	// (creation, id) alone, which keeps a page of a 100,000-user tenant
	// cheap (benchmarks/README.md, "The console's reads").
	type entry struct {
		created int64
		id      string
	}
	var order []entry
	g.env.Tables.Users.Range(func(_ string, u schemas.User) bool {
		if u.Tenant == tenant && !g.env.Tables.Erasures.Erased(u.ID) && (email == "" || strings.EqualFold(u.Email, email)) &&
			(external == "" || u.ExternalUserID == external) && (search == "" || matchesSearch(u, search)) {
			order = append(order, entry{u.CreatedAt.UnixNano(), u.ID})
		}
		return true
	})
	slices.SortFunc(order, func(a, b entry) int {
		if c := cmp.Compare(b.created, a.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	out := userPage{Items: []userResponse{}, Total: len(order), Page: page, Limit: limit}
	out.Pages = (len(order) + limit - 1) / limit
	for i := (page - 1) * limit; i < len(order) && i < page*limit; i++ {
		if u, ok := g.env.Tables.Users.Get(order[i].id); ok {
			out.Items = append(out.Items, userJSON(u))
		}
	}
	out.HasNext, out.HasPrev = page < out.Pages, page > 1
	return c.JSON(out)
}

// matchesSearch reports whether the user's id, email, external id or name
// contains search (lower case).
func matchesSearch(u schemas.User, search string) bool {
	for _, f := range []string{u.ID, u.Email, u.ExternalUserID, u.FirstName, u.LastName} {
		if strings.Contains(strings.ToLower(f), search) {
			return true
		}
	}
	return strings.Contains(search, " ") && strings.Contains(strings.ToLower(u.FirstName+" "+u.LastName), search)
}

func queryInt(c *fiber.Ctx, name string, def, lo, hi int) (int, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("invalid_query", name+": must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}
