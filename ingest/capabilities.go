package ingest

import "github.com/wearstream/wearstream/schemas"

// Capabilities are what a provider can do, named as Open Wearables' provider
// flags so that its clients read them unchanged.
type Capabilities struct {
	// RestPull: the provider's REST API can be polled for a user's data.
	RestPull bool `json:"rest_pull"`
	// WebhookStream: the provider pushes whole payloads to its webhook.
	WebhookStream bool `json:"webhook_stream"`
	// WebhookPing: the provider's webhook only says what changed, and the
	// data is then fetched.
	WebhookPing bool `json:"webhook_ping"`
	// WebhookCallback: history is requested and then pushed (Garmin's
	// backfill).
	WebhookCallback bool `json:"webhook_callback"`
	// WebhookRegistrationAPI: webhook subscriptions are managed by API.
	WebhookRegistrationAPI bool `json:"webhook_registration_api"`
	// ClientSDK: the data comes from the mobile SDKs.
	ClientSDK bool `json:"client_sdk"`
	// FileImport: the data comes from uploaded files.
	FileImport bool `json:"file_import"`
	// MaxHistoricalDays caps how far back a backfill reaches; 0 means no cap.
	MaxHistoricalDays int `json:"max_historical_days,omitempty"`
}

// Pulls reports whether connections of the provider are polled.
func (p Provider) Pulls() bool {
	return p.Capabilities.RestPull && p.Plan != nil && p.Fetch != nil
}

// Modes are the live sync modes the provider can run in, its default
// first: pull when it is polled, webhook when it sends webhooks (Garmin's
// only mode), none for the mobile SDKs and files.
func (p Provider) Modes() []string {
	var modes []string
	if p.Pulls() {
		modes = append(modes, schemas.ModePull)
	}
	if p.Webhook != nil {
		modes = append(modes, schemas.ModeWebhook)
	}
	if len(modes) == 0 {
		modes = []string{schemas.ModeNone}
	}
	return modes
}
