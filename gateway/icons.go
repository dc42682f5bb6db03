package gateway

// Provider icons at /static/provider-icons/{provider}.svg, the URLs Open
// Wearables' clients show next to each provider (icon_url). The icons are
// wearstream's own plain badges, embedded in the binary.

import (
	"embed"
	"strings"

	"github.com/gofiber/fiber/v2"
)

//go:embed icons/*.svg
var icons embed.FS

// iconPath is where provider's icon is served.
func iconPath(provider string) string {
	return "/static/provider-icons/" + provider + ".svg"
}

// providerIcon answers GET /static/provider-icons/{provider}.svg.
func (g *Gateway) providerIcon(c *fiber.Ctx) error {
	name, ok := strings.CutSuffix(c.Params("file"), ".svg")
	if !ok || strings.ContainsAny(name, "/\\.") || name == "" {
		return notFound("icon " + c.Params("file") + " not found")
	}
	b, err := icons.ReadFile("icons/" + name + ".svg")
	if err != nil {
		return notFound("icon " + c.Params("file") + " not found")
	}
	c.Set(fiber.HeaderContentType, "image/svg+xml")
	c.Set(fiber.HeaderCacheControl, "public, max-age=86400")
	return c.Send(b)
}
