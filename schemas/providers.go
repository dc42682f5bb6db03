package schemas

import (
	"reflect"
	"time"
)

// StateProviderSettings holds each tenant's ProviderSettings, keyed by tenant.
const StateProviderSettings = "provider_settings"

// The live sync modes of a provider (Open Wearables' names).
const (
	// ModePull polls the provider's REST API on an interval; webhooks,
	// where the provider sends them, are received too.
	ModePull = "pull"
	// ModeWebhook relies on the provider's webhooks only: no interval
	// polls, and provider-side subscriptions are registered.
	ModeWebhook = "webhook"
	// ModeNone is a provider without a cloud API (mobile SDKs, files).
	ModeNone = "none"
)

// ProviderSetting is what a tenant chose for one provider. Empty fields
// keep the provider's defaults.
type ProviderSetting struct {
	Provider string `avro:"provider"`
	// Disabled hides the provider from connection and stops its polls and
	// webhooks for the tenant (stored negated so that the zero value is
	// the default, enabled).
	Disabled        bool   `avro:"disabled"`
	LiveSyncMode    string `avro:"live_sync_mode"`
	DataGranularity string `avro:"data_granularity"`
}

// ProviderSettings are a tenant's provider settings; providers left out
// keep their defaults.
type ProviderSettings struct {
	Tenant    string            `avro:"tenant"`
	Providers []ProviderSetting `avro:"providers"`
	UpdatedAt time.Time         `avro:"updated_at"`
}

// Setting returns the tenant's setting of provider; ok is false when the
// tenant never set one.
func (s ProviderSettings) Setting(provider string) (ProviderSetting, bool) {
	for _, p := range s.Providers {
		if p.Provider == provider {
			return p, true
		}
	}
	return ProviderSetting{Provider: provider}, false
}

// Put replaces or adds the setting of ps.Provider.
func (s *ProviderSettings) Put(ps ProviderSetting) {
	for i, p := range s.Providers {
		if p.Provider == ps.Provider {
			s.Providers[i] = ps
			return
		}
	}
	s.Providers = append(s.Providers, ps)
}

func (t Topics) providerBindings() []Binding {
	return []Binding{{t.State(StateProviderSettings), ProviderSettings{}}}
}

func init() {
	schemaFiles[reflect.TypeOf(ProviderSettings{})] = "provider_settings.avsc"
}
