package gateway

import (
	"net/http"
	"testing"
)

// wantRoles is who may call each route, written down here apart from the
// route table so that a change to either one fails this test: "public" or
// the least role (read < member < admin).
var wantRoles = map[string]string{
	"GET /api/v1/meta/series-types":                                        "public",
	"GET /api/v1/meta/workout-types":                                       "public",
	"GET /api/v1/oauth/:provider/callback":                                 "public",
	"GET /api/v1/oauth/error":                                              "public",
	"GET /api/v1/oauth/providers":                                          "public",
	"GET /api/v1/oauth/success":                                            "public",
	"GET /api/v1/oura/webhooks":                                            "public",
	"GET /api/v1/oura/webhooks/health":                                     "public",
	"GET /api/v1/providers/:provider/webhooks":                             "public",
	"GET /api/v1/strava/webhook":                                           "public",
	"GET /api/v1/strava/webhook/health":                                    "public",
	"GET /api/v1/strava/webhooks":                                          "public",
	"GET /api/v1/strava/webhooks/health":                                   "public",
	"GET /api/v1/webhooks/event-types":                                     "public",
	"GET /docs":                                                            "public",
	"GET /healthz":                                                         "public",
	"GET /metrics":                                                         "public",
	"GET /openapi.json":                                                    "public",
	"GET /readyz":                                                          "public",
	"GET /static/provider-icons/:file":                                     "public",
	"POST /api/v1/garmin/webhooks/ping":                                    "public",
	"POST /api/v1/garmin/webhooks/push":                                    "public",
	"POST /api/v1/invitation-code/redeem":                                  "public",
	"POST /api/v1/oura/webhooks":                                           "public",
	"POST /api/v1/providers/:provider/webhooks":                            "public",
	"POST /api/v1/strava/webhook":                                          "public",
	"POST /api/v1/strava/webhooks":                                         "public",
	"POST /api/v1/token/refresh":                                           "public",
	"POST /api/v1/token/revoke":                                            "public",
	"POST /api/v1/users/:user_id/token":                                    "public",
	"DELETE /api/v1/applications/:app_id":                                  "admin",
	"DELETE /api/v1/providers/:provider/webhooks/subscriptions/:id":        "admin",
	"DELETE /api/v1/users/:user_id":                                        "member",
	"DELETE /api/v1/users/:user_id/connections/:provider":                  "member",
	"DELETE /api/v1/users/:user_id/connections/:provider/data":             "member",
	"DELETE /api/v1/users/:user_id/events/sleep/:id":                       "member",
	"DELETE /api/v1/users/:user_id/events/workouts/:id":                    "member",
	"DELETE /api/v1/webhooks/endpoints/:id":                                "admin",
	"GET /api/v1/applications":                                             "admin",
	"GET /api/v1/applications/:app_id":                                     "admin",
	"GET /api/v1/audit":                                                    "admin",
	"GET /api/v1/meta/coverage":                                            "read",
	"GET /api/v1/oauth/:provider/authorize":                                "member",
	"GET /api/v1/priorities/device-types":                                  "read",
	"GET /api/v1/priorities/providers":                                     "read",
	"GET /api/v1/providers/:provider/users/:user_id/backfill/status":       "read",
	"GET /api/v1/providers/:provider/webhooks/subscriptions":               "admin",
	"GET /api/v1/providers/:provider/webhooks/subscriptions/:id":           "admin",
	"GET /api/v1/settings/retention":                                       "read",
	"GET /api/v1/sync/runs":                                                "read",
	"GET /api/v1/users":                                                    "read",
	"GET /api/v1/users/:user_id":                                           "read",
	"GET /api/v1/users/:user_id/connections":                               "read",
	"GET /api/v1/users/:user_id/data-sources":                              "read",
	"GET /api/v1/users/:user_id/events/sleep":                              "read",
	"GET /api/v1/users/:user_id/events/workouts":                           "read",
	"GET /api/v1/users/:user_id/export":                                    "read",
	"GET /api/v1/users/:user_id/health-scores":                             "read",
	"GET /api/v1/users/:user_id/summaries/activity":                        "read",
	"GET /api/v1/users/:user_id/summaries/body":                            "read",
	"GET /api/v1/users/:user_id/summaries/data":                            "read",
	"GET /api/v1/users/:user_id/summaries/recovery":                        "read",
	"GET /api/v1/users/:user_id/summaries/sleep":                           "read",
	"GET /api/v1/users/:user_id/sync/recent":                               "read",
	"GET /api/v1/users/:user_id/sync/runs":                                 "read",
	"GET /api/v1/users/:user_id/sync/stream":                               "read",
	"GET /api/v1/users/:user_id/timeseries":                                "read",
	"GET /api/v1/webhooks/endpoints":                                       "member",
	"GET /api/v1/webhooks/endpoints/:id":                                   "member",
	"GET /api/v1/webhooks/endpoints/:id/attempts":                          "read",
	"GET /api/v1/webhooks/endpoints/:id/secret":                            "admin",
	"GET /api/v1/webhooks/messages":                                        "read",
	"PATCH /api/v1/users/:user_id":                                         "member",
	"PATCH /api/v1/webhooks/endpoints/:id":                                 "admin",
	"POST /api/v1/applications":                                            "admin",
	"POST /api/v1/applications/:app_id/rotate-secret":                      "admin",
	"POST /api/v1/providers/:provider/users/:user_id/backfill/:type/retry": "member",
	"POST /api/v1/providers/:provider/users/:user_id/backfill/cancel":      "member",
	"POST /api/v1/providers/:provider/users/:user_id/sync":                 "member",
	"POST /api/v1/providers/:provider/users/:user_id/sync/historical":      "member",
	"POST /api/v1/providers/:provider/webhooks/subscriptions":              "admin",
	"POST /api/v1/providers/:provider/webhooks/subscriptions/renew":        "admin",
	"POST /api/v1/sdk/users/:user_id/logs":                                 "member",
	"POST /api/v1/sdk/users/:user_id/sync":                                 "member",
	"POST /api/v1/users":                                                   "member",
	"POST /api/v1/users/:user_id/import/apple/xml/direct":                  "member",
	"POST /api/v1/users/:user_id/import/fit":                               "member",
	"POST /api/v1/users/:user_id/invitation-code":                          "member",
	"POST /api/v1/webhooks/endpoints":                                      "admin",
	"POST /api/v1/webhooks/endpoints/:id/disable":                          "admin",
	"POST /api/v1/webhooks/endpoints/:id/enable":                           "admin",
	"POST /api/v1/webhooks/endpoints/:id/recover":                          "admin",
	"POST /api/v1/webhooks/endpoints/:id/secret/rotate":                    "admin",
	"POST /api/v1/webhooks/endpoints/:id/test":                             "admin",
	"POST /api/v1/webhooks/messages/:id/resend":                            "admin",
	"PUT /api/v1/oauth/providers":                                          "admin",
	"PUT /api/v1/oauth/providers/:provider":                                "admin",
	"PUT /api/v1/priorities/device-types":                                  "admin",
	"PUT /api/v1/priorities/device-types/:name":                            "admin",
	"PUT /api/v1/priorities/providers":                                     "admin",
	"PUT /api/v1/priorities/providers/:name":                               "admin",
	"PUT /api/v1/providers/:provider/webhooks/subscriptions/:id":           "admin",
	"PUT /api/v1/settings/retention":                                       "admin",
	"GET /console/*":                                                       "public",
	"GET /api/v1/me":                                                       "read",
	"GET /api/v1/users/:user_id/events/workouts/:id/laps":                  "read",
	"GET /api/v1/webhooks/messages/:id":                                    "read",
	"POST /api/v1/api-keys":                                                "admin",
	"GET /api/v1/api-keys":                                                 "admin",
	"DELETE /api/v1/api-keys/:id":                                          "admin",
}

// TestRolesRouteByRoute calls every registered route with no key, with a
// key of every role and with a key of an unknown role: a route answers 403
// insufficient_role exactly to the roles below its own, and 401 to no key
// unless it is public. A route missing from wantRoles fails the test.
func TestRolesRouteByRoute(t *testing.T) {
	h := start(t, nil)
	h.tenantKey("acme")
	keys := map[string]string{}
	for _, role := range append([]string{"bogus", ""}, RoleNames...) {
		keys[role] = h.roleKey("acme", role)
	}
	rank := map[string]int{"": 0, "bogus": 0, "read": 1, "member": 2, "admin": 3}
	seen := map[string]bool{}
	for _, r := range New(h.stack.Env).App().GetRoutes(true) {
		if r.Method == "HEAD" {
			continue
		}
		name := r.Method + " " + r.Path
		seen[name] = true
		want, ok := wantRoles[name]
		if !ok {
			t.Errorf("%s: not in wantRoles; say who may call it", name)
			continue
		}
		path := routePath(r.Path)
		body := []byte(`{}`)
		noKey := h.do(r.Method, path, nil, body)
		if want == "public" {
			// It checks its own credentials, if any; never a key's role.
			if noKey.status == http.StatusForbidden {
				t.Errorf("%s is public but answers 403 without a key: %s", name, noKey.rawBody)
			}
			continue
		}
		if noKey.status != http.StatusUnauthorized {
			t.Errorf("%s without a key: %d %s, want 401", name, noKey.status, noKey.rawBody)
		}
		for role, key := range keys {
			res := h.do(r.Method, path, keyHeader(key), body)
			denied := res.status == http.StatusForbidden
			if wantDenied := rank[role] < rank[want]; denied != wantDenied {
				t.Errorf("%s with role %q: %d %s; want denied=%v (needs %s)", name, role, res.status, res.rawBody, wantDenied, want)
			} else if denied {
				wantError(t, res, http.StatusForbidden, "insufficient_role")
			}
		}
	}
	for name := range wantRoles {
		if !seen[name] {
			t.Errorf("%s is in wantRoles but not registered", name)
		}
	}
}

// TestMemberCannotReadSecretsNorCreateApplications is the probe's finding,
// with real objects rather than missing ones.
func TestMemberCannotReadSecretsNorCreateApplications(t *testing.T) {
	h := start(t, nil)
	admin := h.tenantKey("acme")
	member, read := h.roleKey("acme", "member"), h.roleKey("acme", "read")
	r := h.do("POST", "/api/v1/webhooks/endpoints", keyHeader(admin), []byte(`{"url":"https://example.com/hook"}`))
	if r.status != http.StatusCreated {
		t.Fatalf("create endpoint: %d %s", r.status, r.rawBody)
	}
	id := r.body["id"].(string)
	wantError(t, h.do("GET", "/api/v1/webhooks/endpoints/"+id+"/secret", keyHeader(member), nil), http.StatusForbidden, "insufficient_role")
	wantError(t, h.do("POST", "/api/v1/applications", keyHeader(member), []byte(`{"name":"x"}`)), http.StatusForbidden, "insufficient_role")
	if r := h.do("GET", "/api/v1/webhooks/endpoints/"+id, keyHeader(member), nil); r.status != http.StatusOK || r.body["url"] != "https://example.com/hook" {
		t.Fatalf("member reads the endpoint: %d %s", r.status, r.rawBody)
	}
	if r := h.do("GET", "/api/v1/webhooks/endpoints/"+id+"/secret", keyHeader(admin), nil); r.status != http.StatusOK {
		t.Fatalf("admin reads the secret: %d %s", r.status, r.rawBody)
	}
	// read: users yes, creating them or minting their tokens no.
	user := h.createUser(member, `{}`)
	if r := h.do("GET", "/api/v1/users/"+user, keyHeader(read), nil); r.status != http.StatusOK {
		t.Fatalf("read gets a user: %d %s", r.status, r.rawBody)
	}
	wantError(t, h.do("POST", "/api/v1/users", keyHeader(read), []byte(`{}`)), http.StatusForbidden, "insufficient_role")
	wantError(t, h.do("POST", "/api/v1/users/"+user+"/token", keyHeader(read), nil), http.StatusForbidden, "insufficient_role")
	if r := h.do("POST", "/api/v1/users/"+user+"/token", keyHeader(member), nil); r.status != http.StatusOK {
		t.Fatalf("member mints a token: %d %s", r.status, r.rawBody)
	}
}
