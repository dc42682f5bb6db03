package jobs

// A tenant's provider settings (wearables.state.provider_settings): whether
// a provider is enabled, its live sync mode and its data granularity. What
// the tenant never set keeps the provider's default: enabled, its first
// mode (pull when it is polled), its first granularity.

import (
	"slices"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/schemas"
)

// Setting is tenant's effective setting of provider p, every field filled.
func Setting(env *app.Env, tenant string, p ingest.Provider) schemas.ProviderSetting {
	var stored schemas.ProviderSetting
	if all, ok := env.Tables.ProviderSettings.Get(tenant); ok {
		stored, _ = all.Setting(p.Name)
	}
	return Effective(p, stored)
}

// Effective fills what stored leaves empty with p's defaults, and drops a
// stored mode or granularity p can no longer do.
func Effective(p ingest.Provider, stored schemas.ProviderSetting) schemas.ProviderSetting {
	s := stored
	s.Provider = p.Name
	modes := p.Modes()
	if !slices.Contains(modes, s.LiveSyncMode) {
		s.LiveSyncMode = modes[0]
	}
	if len(p.Granularities) == 0 {
		s.DataGranularity = ""
	} else if !slices.Contains(p.Granularities, s.DataGranularity) {
		s.DataGranularity = p.Granularities[0]
	}
	return s
}

// Polled reports whether tenant's connections of p are polled on the
// poll interval: p is polled, enabled for the tenant, and in pull mode.
func Polled(env *app.Env, tenant string, p ingest.Provider) bool {
	if !p.Pulls() {
		return false
	}
	s := Setting(env, tenant, p)
	return !s.Disabled && s.LiveSyncMode == schemas.ModePull
}

// Enabled reports whether p is enabled for tenant.
func Enabled(env *app.Env, tenant string, p ingest.Provider) bool {
	return !Setting(env, tenant, p).Disabled
}
