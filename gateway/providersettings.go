package gateway

// Providers and each tenant's settings of them, as Open Wearables exposes
// them: GET /api/v1/oauth/providers lists every provider with its
// capabilities, whether its credentials are configured, and the caller's
// tenant's settings when the request carries an API key (the defaults
// otherwise); PUT /api/v1/oauth/providers/{provider} changes one provider's
// is_enabled, live_sync_mode and data_granularity, PUT /api/v1/oauth/providers
// the is_enabled of several. Settings live in the compacted
// wearables.state.provider_settings topic, one record per tenant, and are
// obeyed by authorisation (a disabled provider is refused), the poll
// scheduler (a disabled provider, or one in webhook mode, is not polled on
// the interval) and the webhook receiver (a disabled provider's items are
// answered and dropped).

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/schemas"
)

// providerView is a provider as GET /oauth/providers shows it.
type providerView struct {
	Name                 string              `json:"name"`
	DisplayName          string              `json:"display_name"`
	HasCloudAPI          bool                `json:"has_cloud_api"`
	IsConfigured         bool                `json:"is_configured"`
	IsEnabled            bool                `json:"is_enabled"`
	IconURL              string              `json:"icon_url"`
	LiveSyncMode         string              `json:"live_sync_mode"`
	LiveSyncConfigurable bool                `json:"live_sync_configurable"`
	LiveSyncModes        []string            `json:"live_sync_modes"`
	DataGranularity      *string             `json:"data_granularity"`
	Capabilities         ingest.Capabilities `json:"capabilities"`
}

// viewProvider shows p with tenant's settings ("" for the defaults).
func (g *Gateway) viewProvider(p ingest.Provider, tenant string) providerView {
	v := providerView{Name: p.Name, DisplayName: p.DisplayName, HasCloudAPI: p.OAuth != nil, Capabilities: p.Capabilities}
	v.Capabilities.ClientSDK = v.Capabilities.ClientSDK || p.SDK
	// A provider without OAuth (the mobile SDKs, files) needs no credentials.
	v.IsConfigured = p.OAuth == nil || p.OAuth.Configured(jobs.Settings(g.env, p))
	s := jobs.Effective(p, schemas.ProviderSetting{})
	if tenant != "" {
		s = jobs.Setting(g.env, tenant, p)
	}
	v.IsEnabled = !s.Disabled
	v.LiveSyncMode = s.LiveSyncMode
	v.LiveSyncModes = p.Modes()
	v.LiveSyncConfigurable = len(v.LiveSyncModes) > 1
	if s.DataGranularity != "" {
		v.DataGranularity = &s.DataGranularity
	}
	v.IconURL = g.env.Config.PublicURL + iconPath(p.Name)
	return v
}

// listed reports whether p is a provider users connect or upload from:
// file formats (fit) are not.
func listed(p ingest.Provider) bool {
	return p.OAuth != nil || p.SDK || p.Webhook != nil
}

// optionalTenant is the tenant of the request's API key on a public route,
// "" when it carries none; a key that does not verify is refused.
func (g *Gateway) optionalTenant(c *fiber.Ctx) (string, error) {
	if apiKey(c) == "" {
		return "", nil
	}
	if err := g.checkGuess(c, guessAPIKey, guessAPIKey.String()); err != nil {
		return "", err
	}
	p, err := g.apiKeyPrincipal(c)
	if err != nil {
		g.failedGuess(c, guessAPIKey, guessAPIKey.String(), "invalid API key")
		return "", err
	}
	return p.Tenant, nil
}

// listProviders answers GET /oauth/providers?cloud_only=&enabled_only=.
func (g *Gateway) listProviders(c *fiber.Ctx) error {
	tenant, err := g.optionalTenant(c)
	if err != nil {
		return err
	}
	out := []providerView{}
	for _, p := range ingest.All() {
		if !listed(p) || c.QueryBool("cloud_only") && p.OAuth == nil {
			continue
		}
		v := g.viewProvider(p, tenant)
		if c.QueryBool("enabled_only") && !v.IsEnabled {
			continue
		}
		out = append(out, v)
	}
	return c.JSON(out)
}

// providerUpdate is the body of PUT /oauth/providers/{provider}.
type providerUpdate struct {
	IsEnabled       *bool   `json:"is_enabled"`
	LiveSyncMode    *string `json:"live_sync_mode"`
	DataGranularity *string `json:"data_granularity"`
}

// settingsProvider returns the path's provider when tenants can set it.
func settingsProvider(name string) (ingest.Provider, error) {
	p, ok := ingest.Lookup(name)
	if !ok || !listed(p) {
		return p, notFound("provider " + name + " not found")
	}
	return p, nil
}

// apply checks u against p and applies it to s.
func (u providerUpdate) apply(p ingest.Provider, s *schemas.ProviderSetting) error {
	if u.IsEnabled != nil {
		s.Disabled = !*u.IsEnabled
	}
	if u.LiveSyncMode != nil {
		mode := *u.LiveSyncMode
		modes := p.Modes()
		if !slices.Contains([]string{schemas.ModePull, schemas.ModeWebhook}, mode) {
			return badRequest("invalid_live_sync_mode", "live_sync_mode: want pull or webhook")
		}
		if !slices.Contains(modes, mode) {
			why := p.Name + " is not polled"
			if mode == schemas.ModeWebhook {
				why = p.Name + " sends no webhooks"
			}
			return badRequest("unsupported_live_sync_mode", fmt.Sprintf("live_sync_mode: %s cannot run in %s mode (%s); it can run in: %s", p.Name, mode, why, strings.Join(modes, ", ")))
		}
		s.LiveSyncMode = mode
	}
	if u.DataGranularity != nil {
		if len(p.Granularities) == 0 {
			return badRequest("unsupported_data_granularity", "data_granularity: "+p.Name+" has no granularity to choose")
		}
		if !slices.Contains(p.Granularities, *u.DataGranularity) {
			return badRequest("unsupported_data_granularity", "data_granularity: "+p.Name+" offers "+strings.Join(p.Granularities, ", "))
		}
		s.DataGranularity = *u.DataGranularity
	}
	return nil
}

// putProvider answers PUT /oauth/providers/{provider}.
func (g *Gateway) putProvider(c *fiber.Ctx) error {
	p, err := settingsProvider(c.Params("provider"))
	if err != nil {
		return err
	}
	var u providerUpdate
	if err := decodeJSON(c, &u); err != nil {
		return err
	}
	tenant := who(c).Tenant
	all := g.providerSettings(tenant)
	s, _ := all.Setting(p.Name)
	before := jobs.Effective(p, s)
	if err := u.apply(p, &s); err != nil {
		return err
	}
	all.Tenant = tenant
	all.Put(s)
	after := jobs.Effective(p, s)
	if after.LiveSyncMode == schemas.ModeWebhook && p.Subscriptions != nil {
		// The provider-side subscriptions are registered in the background
		// (ingest/jobs/subscriptions.go); a refusal shows at
		// GET /providers/{provider}/webhooks/subscriptions.
		if err := jobs.WantSubscriptions(c.UserContext(), g.env, p, g.now().UTC().Truncate(time.Millisecond)); err != nil {
			g.env.Logger.Warn("webhook registration not recorded", "provider", p.Name, "err", err)
			return unavailable("the event store is unavailable; nothing was changed, retry later")
		}
	}
	if err := g.saveProviderSettings(c, all); err != nil {
		return err
	}
	if before.LiveSyncMode != after.LiveSyncMode {
		g.env.Logger.Info("live sync mode changed", "tenant", tenant, "provider", p.Name, "from", before.LiveSyncMode, "to", after.LiveSyncMode)
	}
	return c.JSON(g.viewProvider(p, tenant))
}

// bulkUpdate is the body of PUT /oauth/providers.
type bulkUpdate struct {
	Providers map[string]bool `json:"providers"`
}

// putProviders answers PUT /oauth/providers: {"providers": {name: is_enabled}}.
// Every name is checked before anything is saved.
func (g *Gateway) putProviders(c *fiber.Ctx) error {
	var u bulkUpdate
	if err := decodeJSON(c, &u); err != nil {
		return err
	}
	if len(u.Providers) == 0 {
		return badRequest("invalid_body", "providers: want an object of provider name to is_enabled")
	}
	tenant := who(c).Tenant
	all := g.providerSettings(tenant)
	all.Tenant = tenant
	for name, enabled := range u.Providers {
		if _, err := settingsProvider(name); err != nil {
			return notFound("providers." + name + ": provider " + name + " not found")
		}
		s, _ := all.Setting(name)
		s.Disabled = !enabled
		all.Put(s)
	}
	if err := g.saveProviderSettings(c, all); err != nil {
		return err
	}
	out := []providerView{}
	for _, p := range ingest.All() {
		if listed(p) {
			out = append(out, g.viewProvider(p, tenant))
		}
	}
	return c.JSON(out)
}

// providerSettings is a copy of tenant's stored settings, to change and save.
func (g *Gateway) providerSettings(tenant string) schemas.ProviderSettings {
	all, _ := g.env.Tables.ProviderSettings.Get(tenant)
	all.Tenant = tenant
	all.Providers = slices.Clone(all.Providers) // the table's row stays as stored
	return all
}

func (g *Gateway) saveProviderSettings(c *fiber.Ctx, all schemas.ProviderSettings) error {
	all.UpdatedAt = g.now().UTC().Truncate(time.Millisecond)
	slices.SortFunc(all.Providers, func(a, b schemas.ProviderSetting) int { return strings.Compare(a.Provider, b.Provider) })
	if err := g.env.Tables.ProviderSettings.Put(c.UserContext(), all.Tenant, all); err != nil {
		g.env.Logger.Warn("provider settings not saved", "tenant", all.Tenant, "err", err)
		return unavailable("the event store is unavailable; nothing was changed, retry later")
	}
	return nil
}
