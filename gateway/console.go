package gateway

// The console: a web UI for the people who run wearstream, served at
// /console/ from files embedded in the binary (gateway/console/), so it works
// offline and needs no build step. The files are public; everything the
// console shows comes from the API with the key the user typed, which the
// browser keeps in sessionStorage only. GET /api/v1/me tells the console the
// key's tenant and role, so that it offers only what the role may do.
//
// The assets are answered with a Content-Security-Policy that allows
// scripts, styles, images and connections to this origin only: the console
// cannot load anything from elsewhere, by construction.

import (
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

//go:embed console
var consoleFiles embed.FS

// consolePrefix is where the console is served.
const consolePrefix = "/console/"

// consoleCSP keeps the console to its own origin.
const consoleCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// serveConsole answers GET /console/*: the file of that name, and
// index.html for the bare /console/. /console itself (which the wildcard
// matches too) is sent to /console/, where relative module paths resolve.
func (g *Gateway) serveConsole(c *fiber.Ctx) error {
	if c.Path() == strings.TrimSuffix(consolePrefix, "/") {
		return c.Redirect(consolePrefix, http.StatusMovedPermanently)
	}
	name := strings.TrimPrefix(path.Clean("/"+c.Params("*")), "/")
	if name == "" || name == "." {
		name = "index.html"
	}
	b, err := fs.ReadFile(consoleFiles, "console/"+name)
	if err != nil {
		return notFound("no console file " + name)
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentSecurityPolicy, consoleCSP)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	// Revalidated every time, so a new binary's console is never mixed
	// with an old one's cached modules.
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.Send(b)
}

// meResponse is the answer of GET /api/v1/me.
type meResponse struct {
	Tenant string   `json:"tenant"`
	KeyID  string   `json:"key_id"`
	Role   string   `json:"role"`
	Roles  []string `json:"roles"`
}

// me answers who the API key is: its tenant, id and role, and the roles
// it includes (a role may do what the ones below it may).
func (g *Gateway) me(c *fiber.Ctx) error {
	p := who(c)
	r := meResponse{Tenant: p.Tenant, KeyID: p.KeyID, Role: p.Role, Roles: []string{}}
	for i, name := range RoleNames {
		if Role(i+1) <= ParseRole(p.Role) {
			r.Roles = append(r.Roles, name)
		}
	}
	return c.JSON(r)
}
