package ingest

// Provider-side webhook subscriptions. A provider whose API registers
// webhooks (Oura per data type and event, Polar's one webhook) declares
// Subscriptions: the ingest workers call Ensure when a tenant switches the
// provider to webhook mode, and the gateway's management routes call the
// rest. Every call carries a Session with the application's credentials
// (no user token); the provider's functions add its own authentication.

import (
	"context"
	"errors"
	"time"
)

// Subscription is one provider-side webhook subscription of the application.
type Subscription struct {
	ID          string    `json:"id"`
	CallbackURL string    `json:"callback_url"`
	DataType    string    `json:"data_type,omitempty"`
	EventType   string    `json:"event_type,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	// Secret is the signing secret the provider issued when it created
	// the subscription (Polar's signature_secret_key, shown once); never
	// listed.
	Secret string `json:"-"`
}

// Subscriptions manages a provider's webhook subscriptions.
type Subscriptions struct {
	// List returns the application's subscriptions.
	List func(ctx context.Context, s *Session) ([]Subscription, error)
	// Ensure makes the subscriptions webhooks need point at callbackURL:
	// it creates the missing ones, moves or renews the others, keeps what
	// is in order, and returns them all (with Secret on those it created).
	// Running it twice changes nothing the second time.
	Ensure func(ctx context.Context, s *Session, callbackURL string) ([]Subscription, error)
	// Renew renews every subscription that expires; nil when none does.
	Renew func(ctx context.Context, s *Session) ([]Subscription, error)
	// Update points subscription id at callbackURL.
	Update func(ctx context.Context, s *Session, id, callbackURL string) (Subscription, error)
	// Delete deletes subscription id.
	Delete func(ctx context.Context, s *Session, id string) error
}

// ErrNoSubscription is returned for a subscription id the provider does
// not hold.
var ErrNoSubscription = errors.New("no such subscription")
