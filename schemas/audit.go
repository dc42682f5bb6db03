package schemas

import (
	"reflect"
	"time"
)

// AuditEvent is one change to a tenant's configuration: who made it (the
// API key's id, or "cli" for `wearstream admin`), what changed and when.
// The audit topic carries one per change, keyed by tenant, and the sink
// writes it to the audit_log table.
type AuditEvent struct {
	ID     string    `avro:"id"`
	At     time.Time `avro:"at"`
	Tenant string    `avro:"tenant"`
	// Actor is the API key id (key_...), "sdk:<app id>" for an SDK
	// token, or "cli" for the admin command.
	Actor string `avro:"actor"`
	// Action is <entity>.<verb>, e.g. endpoint.updated (AuditActions).
	Action string `avro:"action"`
	// TargetType and TargetID name the changed entity.
	TargetType string `avro:"target_type"`
	TargetID   string `avro:"target_id"`
	// Detail is a JSON object of the changed fields, never a secret.
	Detail string `avro:"detail"`
	// ClientAddress is the address the request came from; empty for the CLI.
	ClientAddress string `avro:"client_address"`
}

// AuditActions lists every action the audit log records.
var AuditActions = []string{
	"tenant.created",
	"api_key.created",
	"user.created", "user.updated",
	"user.erased",
	"retention.updated",
	"application.created", "application.secret_rotated", "application.deleted",
	"endpoint.created", "endpoint.updated", "endpoint.deleted", "endpoint.secret_rotated",
	"endpoint.enabled", "endpoint.disabled", "endpoint.recovered",
}

// Audit carries AuditEvent records, keyed by tenant.
func (t Topics) Audit() string { return t.Prefix + "audit" }

func (t Topics) auditBindings() []Binding {
	return []Binding{{t.Audit(), AuditEvent{}}, {t.State(StateOAuthStates), OAuthState{}}}
}

// OAuthState is the claim of one OAuth state by the callback that used it,
// stored under the state's hash until the state expires: a state is good
// for one callback only.
type OAuthState struct {
	Hash      string    `avro:"hash"`
	ClaimedBy string    `avro:"claimed_by"`
	ExpiresAt time.Time `avro:"expires_at"`
}

// StateOAuthStates is the table of used OAuth states.
const StateOAuthStates = "oauth_states"

// FirstClaim is the merge rule of the OAuth state table: the first claim
// in log order wins, so two gateways using one state agree on one winner.
func FirstClaim(old, next OAuthState) OAuthState {
	if old.ClaimedBy != "" {
		return old
	}
	return next
}

func init() {
	schemaFiles[reflect.TypeOf(AuditEvent{})] = "audit_event.avsc"
	schemaFiles[reflect.TypeOf(OAuthState{})] = "oauth_state.avsc"
}
