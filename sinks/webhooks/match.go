package webhooks

import "github.com/wearstream/wearstream/schemas"

// Matches reports whether an endpoint should receive a message: the same
// tenant, not disabled, for all users or the message's user, and either no
// type filter or a filter that lists the message's event type or, for a
// granular series event, its group event.
func Matches(ep schemas.Endpoint, m Message) bool {
	if ep.Disabled || ep.Tenant != m.Tenant {
		return false
	}
	if ep.UserID != "" && ep.UserID != m.UserID {
		return false
	}
	if len(ep.FilterTypes) == 0 {
		return true
	}
	for _, t := range ep.FilterTypes {
		if t == m.Type {
			return true
		}
	}
	et, ok := schemas.LookupEventType(m.Type)
	if !ok || et.Group == "" {
		return false
	}
	for _, t := range ep.FilterTypes {
		if t == et.Group {
			return true
		}
	}
	return false
}
