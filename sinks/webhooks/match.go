package webhooks

import (
	"slices"

	"github.com/wearstream/wearstream/schemas"
)

// Matches reports whether an endpoint should receive a message: the same
// tenant, not disabled, for all users or the message's user, and either no
// type filter or a filter that lists the message's event type exactly.
//
// Event types match exactly, as Svix matches them: a sample batch is
// announced both as its group event (heart_rate.created) and as its
// granular event (series.heart_rate.created), and an endpoint that lists
// the group event gets the group event alone, never the same batch twice.
func Matches(ep schemas.Endpoint, m Message) bool {
	if ep.Disabled || ep.Tenant != m.Tenant {
		return false
	}
	if ep.UserID != "" && ep.UserID != m.UserID {
		return false
	}
	return len(ep.FilterTypes) == 0 || slices.Contains(ep.FilterTypes, m.Type)
}
