package gateway

// Every route of the gateway, with who may call it and how large a body it
// reads, in one table. Each route's handlers run in this order:
//
//  1. the declared Content-Length is checked against the route's body
//     limit (413 at once, nothing read);
//  2. on authenticated routes, the credentials are checked (401) and the
//     key's role against the route's (403), with failed credentials
//     throttled per client address (429);
//  3. the body is read, never past the limit (a chunked body is cut at
//     limit+1 bytes and refused);
//  4. the handler runs.
//
// So no request reads more than a public route's few kilobytes before it is
// authenticated, and no route reads more than its own limit. The import
// routes stream their body instead of reading it (imports.go).

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/reads"
)

// Role is what an API key may do. Roles are ordered: each one may do what
// the ones below it may.
type Role int

// The roles of API keys; see the README's roles table.
const (
	// RoleNone is a key with an unknown role: it may do nothing.
	RoleNone Role = iota
	// RoleRead reads the read API and the logs: dashboards, analysts.
	RoleRead
	// RoleMember manages users and their data, connections and imports,
	// and reads endpoints without their secrets.
	RoleMember
	// RoleAdmin does everything: applications, webhook endpoints and
	// their secrets, resends, the audit log.
	RoleAdmin
)

// public marks a route that takes no API key: it checks its own
// credentials (a signature, a state, a refresh token) or needs none.
const public Role = -1

// RoleNames are the role names a key may carry, lowest first.
var RoleNames = []string{"read", "member", "admin"}

// ParseRole returns the role of a key's role name; RoleNone when unknown.
func ParseRole(name string) Role {
	switch name {
	case "read":
		return RoleRead
	case "member":
		return RoleMember
	case "admin":
		return RoleAdmin
	}
	return RoleNone
}

func (r Role) String() string {
	switch r {
	case public:
		return "public"
	case RoleRead, RoleMember, RoleAdmin:
		return RoleNames[r-1]
	}
	return "none"
}

// bodyLimit is a class of route by how much body it reads.
type bodyLimit int

const (
	// bodySmall: public routes and routes that take no or a tiny body.
	bodySmall bodyLimit = iota
	// bodyJSON: management requests (users, applications, endpoints).
	bodyJSON
	// bodyData: data uploads read whole (SDK sync and logs, provider
	// webhooks), up to WEARSTREAM_MAX_BODY_BYTES.
	bodyData
	// bodyUpload: file imports, streamed up to WEARSTREAM_IMPORT_MAX_BYTES.
	bodyUpload
)

// The fixed body limits.
const (
	smallBodyBytes = 4 << 10
	jsonBodyBytes  = 64 << 10
)

// bytes is the limit of the class under the gateway's configuration.
func (g *Gateway) bodyBytes(b bodyLimit) int {
	switch b {
	case bodySmall:
		return smallBodyBytes
	case bodyJSON:
		return jsonBodyBytes
	case bodyData:
		return g.env.Config.MaxBodyBytes
	}
	return g.env.Config.ImportMaxBytes
}

// route is one entry of the route table.
type route struct {
	method  string
	path    string // under /api/v1 unless fullPath says otherwise
	role    Role   // public, or the least role that may call it
	body    bodyLimit
	handler fiber.Handler
	// before run ahead of the body read on public routes (throttles,
	// cheap checks), so that they refuse without reading.
	before []fiber.Handler
}

// table lists every route of the gateway.
func (g *Gateway) table() []route {
	return append([]route{
		{method: "GET", path: "/healthz", role: public, handler: g.healthz},
		{method: "GET", path: "/readyz", role: public, handler: g.readyz},
		{method: "GET", path: "/metrics", role: public, handler: g.serveMetrics},
		{method: "GET", path: "/openapi.json", role: public, handler: g.serveOpenAPI},
		{method: "GET", path: "/docs", role: public, handler: g.serveDocs},
		// The console's files (console.go); its data comes from the API.
		{method: "GET", path: "/console/*", role: public, handler: g.serveConsole},
		{method: "GET", path: "/me", role: RoleRead, handler: g.me},
		{method: "GET", path: "/webhooks/event-types", role: public, handler: g.listEventTypes},
		{method: "GET", path: "/meta/series-types", role: public, handler: g.listSeriesTypes},
		{method: "GET", path: "/meta/workout-types", role: public, handler: g.listWorkoutTypes},

		// The SDK token flow authenticates itself (tokens.go).
		{method: "POST", path: "/users/:user_id/token", role: public, handler: g.issueToken, before: []fiber.Handler{g.throttle(guessAPIKey)}},
		{method: "POST", path: "/token/refresh", role: public, handler: g.refreshToken, before: []fiber.Handler{g.throttle(guessRefresh)}},
		{method: "POST", path: "/token/revoke", role: public, handler: g.revokeToken, before: []fiber.Handler{g.throttle(guessRefresh)}},
		{method: "POST", path: "/invitation-code/redeem", role: public, handler: g.redeemInvitationCode, before: []fiber.Handler{g.throttle(guessInvitation)}},

		// Providers and the OAuth callback: checked by signature or state.
		{method: "GET", path: "/oauth/providers", role: public, handler: g.listProviders},
		{method: "GET", path: "/oauth/:provider/callback", role: public, handler: g.oauthCallback},
		{method: "POST", path: "/providers/:provider/webhooks", role: public, body: bodyData, handler: g.providerWebhook,
			before: []fiber.Handler{g.throttleSignatures, g.knownWebhookProvider}},
		{method: "GET", path: "/providers/:provider/webhooks", role: public, handler: g.providerChallenge,
			before: []fiber.Handler{g.throttleSignatures}},
		{method: "GET", path: "/static/provider-icons/:file", role: public, handler: g.providerIcon},

		// Provider-side webhook subscriptions (subscriptions.go).
		{method: "GET", path: "/providers/:provider/webhooks/subscriptions", role: RoleAdmin, handler: g.listSubscriptions},
		{method: "POST", path: "/providers/:provider/webhooks/subscriptions", role: RoleAdmin, handler: g.createSubscriptions},
		{method: "POST", path: "/providers/:provider/webhooks/subscriptions/renew", role: RoleAdmin, handler: g.renewSubscriptions},
		{method: "GET", path: "/providers/:provider/webhooks/subscriptions/:id", role: RoleAdmin, handler: g.getSubscription},
		{method: "PUT", path: "/providers/:provider/webhooks/subscriptions/:id", role: RoleAdmin, body: bodyJSON, handler: g.updateSubscription},
		{method: "DELETE", path: "/providers/:provider/webhooks/subscriptions/:id", role: RoleAdmin, handler: g.deleteSubscription},

		// Provider settings (providersettings.go).
		{method: "PUT", path: "/oauth/providers", role: RoleAdmin, body: bodyJSON, handler: g.putProviders},
		{method: "PUT", path: "/oauth/providers/:provider", role: RoleAdmin, body: bodyJSON, handler: g.putProvider},

		{method: "POST", path: "/users", role: RoleMember, body: bodyJSON, handler: g.createUser},
		{method: "GET", path: "/users", role: RoleRead, handler: g.listUsers},
		{method: "GET", path: "/users/:user_id", role: RoleRead, handler: g.getUser},
		{method: "PATCH", path: "/users/:user_id", role: RoleMember, body: bodyJSON, handler: g.patchUser},
		// Erasure (erasure.go).
		{method: "DELETE", path: "/users/:user_id", role: RoleMember, handler: g.deleteUser},
		{method: "DELETE", path: "/users/:user_id/connections/:provider/data", role: RoleMember, handler: g.deleteProviderData},
		// The read API (readapi.go).
		{method: "GET", path: "/users/:user_id/timeseries", role: RoleRead, handler: g.timeseries},
		{method: "GET", path: "/users/:user_id/events/workouts", role: RoleRead, handler: g.workoutEvents},
		{method: "GET", path: "/users/:user_id/events/workouts/:id/laps", role: RoleRead, handler: g.workoutLaps},
		{method: "GET", path: "/users/:user_id/events/sleep", role: RoleRead, handler: g.sleepEvents},
		{method: "DELETE", path: "/users/:user_id/events/workouts/:id", role: RoleMember, handler: g.deleteEvent(reads.WorkoutRecord, ingest.DeleteWorkouts)},
		{method: "DELETE", path: "/users/:user_id/events/sleep/:id", role: RoleMember, handler: g.deleteEvent(reads.SleepRecord, ingest.DeleteSleep)},
		{method: "GET", path: "/users/:user_id/summaries/activity", role: RoleRead, handler: g.activitySummary},
		{method: "GET", path: "/users/:user_id/summaries/sleep", role: RoleRead, handler: g.sleepSummary},
		{method: "GET", path: "/users/:user_id/summaries/recovery", role: RoleRead, handler: g.recoverySummary},
		{method: "GET", path: "/users/:user_id/summaries/body", role: RoleRead, handler: g.bodySummary},
		{method: "GET", path: "/users/:user_id/summaries/data", role: RoleRead, handler: g.dataSummary},
		{method: "GET", path: "/users/:user_id/health-scores", role: RoleRead, handler: g.healthScores},
		{method: "GET", path: "/users/:user_id/data-sources", role: RoleRead, handler: g.dataSources},
		{method: "GET", path: "/users/:user_id/export", role: RoleRead, handler: g.exportUser},
		{method: "GET", path: "/meta/coverage", role: RoleRead, handler: g.coverage},
		// Data-source priorities (priorities.go).
		{method: "GET", path: "/priorities/providers", role: RoleRead, handler: g.getPriorities(providerPriorities)},
		{method: "PUT", path: "/priorities/providers", role: RoleAdmin, body: bodyJSON, handler: g.putPriorities(providerPriorities)},
		{method: "PUT", path: "/priorities/providers/:name", role: RoleAdmin, body: bodyJSON, handler: g.putPriority(providerPriorities)},
		{method: "GET", path: "/priorities/device-types", role: RoleRead, handler: g.getPriorities(deviceTypePriorities)},
		{method: "PUT", path: "/priorities/device-types", role: RoleAdmin, body: bodyJSON, handler: g.putPriorities(deviceTypePriorities)},
		{method: "PUT", path: "/priorities/device-types/:name", role: RoleAdmin, body: bodyJSON, handler: g.putPriority(deviceTypePriorities)},

		{method: "POST", path: "/sdk/users/:user_id/sync", role: RoleMember, body: bodyData, handler: g.sdkSync},
		{method: "POST", path: "/sdk/users/:user_id/logs", role: RoleMember, body: bodyData, handler: g.sdkLogs},
		{method: "POST", path: "/users/:user_id/import/apple/xml/direct", role: RoleMember, body: bodyUpload, handler: g.importAppleXML},
		{method: "POST", path: "/users/:user_id/import/fit", role: RoleMember, body: bodyUpload, handler: g.importFIT},
		{method: "GET", path: "/users/:user_id/sync/runs", role: RoleRead, handler: g.listSyncRuns},
		{method: "GET", path: "/users/:user_id/sync/recent", role: RoleRead, handler: g.syncRecent},
		{method: "GET", path: "/users/:user_id/sync/stream", role: RoleRead, handler: g.syncStream},
		{method: "GET", path: "/sync/runs", role: RoleRead, handler: g.listAllSyncRuns},
		{method: "GET", path: "/oauth/:provider/authorize", role: RoleMember, handler: g.authorize},
		{method: "GET", path: "/users/:user_id/connections", role: RoleRead, handler: g.listConnections},
		{method: "DELETE", path: "/users/:user_id/connections/:provider", role: RoleMember, handler: g.deleteConnection},
		{method: "POST", path: "/providers/:provider/users/:user_id/sync", role: RoleMember, handler: g.syncNow},
		{method: "POST", path: "/providers/:provider/users/:user_id/sync/historical", role: RoleMember, handler: g.syncHistory},
		{method: "GET", path: "/providers/:provider/users/:user_id/backfill/status", role: RoleRead, handler: g.backfillStatus},
		{method: "POST", path: "/providers/:provider/users/:user_id/backfill/cancel", role: RoleMember, handler: g.backfillCancel},
		{method: "POST", path: "/providers/:provider/users/:user_id/backfill/:type/retry", role: RoleMember, handler: g.backfillRetry},
		{method: "POST", path: "/users/:user_id/invitation-code", role: RoleMember, handler: g.createInvitationCode},

		{method: "POST", path: "/api-keys", role: RoleAdmin, body: bodyJSON, handler: g.createAPIKey},
		{method: "GET", path: "/api-keys", role: RoleAdmin, handler: g.listAPIKeys},
		{method: "DELETE", path: "/api-keys/:id", role: RoleAdmin, handler: g.revokeAPIKey},
		{method: "POST", path: "/applications", role: RoleAdmin, body: bodyJSON, handler: g.createApplication},
		{method: "GET", path: "/applications", role: RoleAdmin, handler: g.listApplications},
		{method: "GET", path: "/applications/:app_id", role: RoleAdmin, handler: g.getApplication},
		{method: "POST", path: "/applications/:app_id/rotate-secret", role: RoleAdmin, handler: g.rotateApplicationSecret},
		{method: "DELETE", path: "/applications/:app_id", role: RoleAdmin, handler: g.deleteApplication},

		{method: "POST", path: "/webhooks/endpoints", role: RoleAdmin, body: bodyJSON, handler: g.createEndpoint},
		{method: "GET", path: "/webhooks/endpoints", role: RoleMember, handler: g.listEndpoints},
		{method: "GET", path: "/webhooks/endpoints/:id", role: RoleMember, handler: g.getEndpoint},
		{method: "DELETE", path: "/webhooks/endpoints/:id", role: RoleAdmin, handler: g.deleteEndpoint},
		{method: "GET", path: "/webhooks/endpoints/:id/secret", role: RoleAdmin, handler: g.endpointSecret},
		{method: "POST", path: "/webhooks/endpoints/:id/test", role: RoleAdmin, body: bodyJSON, handler: g.testEndpoint},
		{method: "PATCH", path: "/webhooks/endpoints/:id", role: RoleAdmin, body: bodyJSON, handler: g.patchEndpoint},
		{method: "POST", path: "/webhooks/endpoints/:id/secret/rotate", role: RoleAdmin, handler: g.rotateSecret},
		{method: "POST", path: "/webhooks/endpoints/:id/enable", role: RoleAdmin, handler: g.enableEndpoint},
		{method: "POST", path: "/webhooks/endpoints/:id/disable", role: RoleAdmin, handler: g.disableEndpoint},
		{method: "POST", path: "/webhooks/endpoints/:id/recover", role: RoleAdmin, body: bodyJSON, handler: g.recoverEndpoint},
		{method: "GET", path: "/webhooks/endpoints/:id/attempts", role: RoleRead, handler: g.listAttempts},
		{method: "GET", path: "/webhooks/messages", role: RoleRead, handler: g.listMessages},
		{method: "GET", path: "/webhooks/messages/:id", role: RoleRead, handler: g.getMessage},
		{method: "POST", path: "/webhooks/messages/:id/resend", role: RoleAdmin, body: bodyJSON, handler: g.resendMessage},

		{method: "GET", path: "/audit", role: RoleAdmin, handler: g.listAudit},
		{method: "GET", path: "/settings/retention", role: RoleRead, handler: g.getRetention},
		{method: "PUT", path: "/settings/retention", role: RoleAdmin, body: bodyJSON, handler: g.putRetention},
	}, g.aliasRoutes()...)
}

// rootPaths are the routes served at the root rather than under /api/v1.
var rootPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/openapi.json": true, "/docs": true, "/console/*": true}

// fullPath is the route's path as registered.
func (r route) fullPath() string {
	if rootPaths[r.path] || strings.HasPrefix(r.path, "/static/") {
		return r.path
	}
	return "/api/v1" + r.path
}

// routes registers the table on the Fiber app.
func (g *Gateway) routes() {
	f := g.fiber
	f.Use(observe, g.keepAliveGuard)
	for _, r := range g.table() {
		path := r.fullPath()
		limit := g.bodyBytes(r.body)
		handlers := []fiber.Handler{checkLength(limit)}
		if r.role != public {
			handlers = append(handlers, g.authenticate, requireRole(r.role))
		} else {
			handlers = append(handlers, r.before...)
		}
		if r.body == bodyUpload {
			handlers = append(handlers, streamBody)
		} else {
			handlers = append(handlers, readBody(limit))
		}
		handlers = append(handlers, r.handler)
		f.Add(r.method, path, handlers...)
	}
	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
