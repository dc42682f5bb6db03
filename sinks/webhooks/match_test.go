package webhooks

import (
	"testing"

	"github.com/wearstream/wearstream/schemas"
)

func TestMatches(t *testing.T) {
	f := func(ep schemas.Endpoint, m Message, want bool) {
		t.Helper()
		if got := Matches(ep, m); got != want {
			t.Fatalf("Matches(%+v, {Type %q, Tenant %q, UserID %q}) = %v, want %v", ep, m.Type, m.Tenant, m.UserID, got, want)
		}
	}
	msg := func(event, tenant, user string) Message {
		return Message{ID: "msg_1", Type: event, Tenant: tenant, UserID: user}
	}
	ep := func(tenant, user string, filter ...string) schemas.Endpoint {
		return schemas.Endpoint{ID: "ep1", Tenant: tenant, URL: "https://example.com/", UserID: user, FilterTypes: filter}
	}
	granular := msg("series.resting_heart_rate.created", "t1", "u1")
	group := msg("heart_rate.created", "t1", "u1")
	workout := msg("workout.created", "t1", "u1")

	// No filter: every event of the tenant.
	f(ep("t1", ""), granular, true)
	f(ep("t1", ""), workout, true)
	f(ep("t1", "", []string{}...), group, true)

	// Tenants are isolated.
	f(ep("t2", ""), workout, false)
	f(ep("", ""), workout, false)

	// Disabled endpoints get nothing.
	disabled := ep("t1", "")
	disabled.Disabled = true
	f(disabled, workout, false)

	// Per-user endpoints.
	f(ep("t1", "u1"), workout, true)
	f(ep("t1", "u2"), workout, false)

	// Filters by own name.
	f(ep("t1", "", "workout.created"), workout, true)
	f(ep("t1", "", "sleep.created", "workout.created"), workout, true)
	f(ep("t1", "", "sleep.created"), workout, false)
	f(ep("t1", "", "workout.deleted"), workout, false)
	f(ep("t1", "", "series.resting_heart_rate.created"), granular, true)
	f(ep("t1", "", "series.heart_rate.created"), granular, false)

	// A group in the filter takes the group event alone, as Svix matches:
	// the granular event of the same batch would deliver it twice.
	f(ep("t1", "", "heart_rate.created"), granular, false)
	f(ep("t1", "", "heart_rate.created"), group, true)
	f(ep("t1", "", "steps.created"), granular, false)
	f(ep("t1", "u1", "sleep.created", "heart_rate.created"), group, true)
	f(ep("t1", "u1", "heart_rate.created", "series.resting_heart_rate.created"), granular, true)
	f(ep("t1", "u2", "heart_rate.created"), group, false)

	// A granular event in the filter does not take the group event.
	f(ep("t1", "", "series.resting_heart_rate.created"), group, false)

	// Unknown types match only by exact name.
	f(ep("t1", "", "heart_rate.created"), msg("series.no_such.created", "t1", "u1"), false)
}
