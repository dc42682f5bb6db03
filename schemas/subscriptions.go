package schemas

import (
	"reflect"
	"time"
)

// StateSubscriptions holds, by provider, the registration of the
// application's provider-side webhook subscriptions.
const StateSubscriptions = "provider_subscriptions"

// The statuses of a registration.
const (
	RegistrationPending    = "pending"
	RegistrationRegistered = "registered"
	RegistrationFailed     = "failed"
)

// SubscriptionRecord is one provider-side subscription as last registered.
type SubscriptionRecord struct {
	ID          string    `avro:"id"`
	CallbackURL string    `avro:"callback_url"`
	DataType    string    `avro:"data_type"`
	EventType   string    `avro:"event_type"`
	ExpiresAt   time.Time `avro:"expires_at"`
}

// Registration is the state of a provider's webhook subscriptions: wanted
// once a tenant switched the provider to webhook mode, registered by the
// ingest workers in the background and retried with a backoff until the
// provider accepts, then renewed on a schedule.
type Registration struct {
	Provider      string               `avro:"provider"`
	Wanted        bool                 `avro:"wanted"`
	Status        string               `avro:"status"`
	Error         string               `avro:"error"`
	Attempts      int32                `avro:"attempts"`
	NextAttemptAt time.Time            `avro:"next_attempt_at"`
	CallbackURL   string               `avro:"callback_url"`
	Subscriptions []SubscriptionRecord `avro:"subscriptions"`
	// SecretEnc is the signing secret the provider issued (Polar's
	// signature_secret_key), encrypted with the provider's name as
	// associated data; empty when none.
	SecretEnc []byte    `avro:"secret_enc"`
	UpdatedAt time.Time `avro:"updated_at"`
}

func (t Topics) subscriptionBindings() []Binding {
	return []Binding{{t.State(StateSubscriptions), Registration{}}}
}

func init() {
	schemaFiles[reflect.TypeOf(Registration{})] = "registration.avsc"
}
