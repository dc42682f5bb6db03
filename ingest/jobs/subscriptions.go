package jobs

// Provider-side webhook subscriptions (ingest.Subscriptions). When a tenant
// switches a provider with a registration API to webhook mode, the gateway
// records the registration as wanted in wearables.state.provider_subscriptions;
// the ingest worker that owns partition 0 of the jobs topic registers it in
// the background (Ensure, idempotent) and records the outcome: registered,
// with the subscriptions and any signing secret the provider issued
// (encrypted), renewed every registrationRenew; or failed, with the
// provider's answer, tried again after a backoff that doubles from the
// worker's registration retry up to an hour. The gateway's subscription
// routes show that state next to what the provider lists.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/schemas"
)

// The registration schedule: the first retry after a failure, the
// longest wait between retries, and how often a registration is renewed.
const (
	DefaultRegistrationRetry = time.Minute
	maxRegistrationRetry     = time.Hour
	registrationRenew        = 6 * time.Hour
)

// WithRegistrationRetry sets the wait before the first retry of a failed
// webhook registration (doubled after each failure, up to an hour).
func WithRegistrationRetry(d time.Duration) Option {
	return func(w *Worker) { w.registrationRetry = d }
}

// secretAD is the associated data of a provider's sealed webhook secret.
func secretAD(provider string) []byte { return []byte(provider + "/webhook-secret") }

// AppSession is a session of provider p with the application's
// credentials and no user token.
func AppSession(env *app.Env, client *http.Client, limiter *ingest.Limiter, p ingest.Provider) *ingest.Session {
	s := &ingest.Session{Provider: p.Name, Settings: Settings(env, p), HTTP: client, Limiter: limiter}
	if p.OAuth != nil {
		s.Header = p.OAuth.Header
	}
	return s
}

// registration is a copy of p's recorded registration, to change and save.
func registration(env *app.Env, provider string) schemas.Registration {
	r, _ := env.Tables.Registrations.Get(provider)
	r.Provider = provider
	r.Subscriptions = slices.Clone(r.Subscriptions)
	if r.Subscriptions == nil {
		r.Subscriptions = []schemas.SubscriptionRecord{}
	}
	if r.SecretEnc == nil {
		r.SecretEnc = []byte{}
	}
	return r
}

// WantSubscriptions records that p's webhook subscriptions are wanted, to
// be registered at once unless they are.
func WantSubscriptions(ctx context.Context, env *app.Env, p ingest.Provider, now time.Time) error {
	r := registration(env, p.Name)
	if r.Wanted && r.Status == schemas.RegistrationRegistered {
		return nil
	}
	r.Wanted, r.NextAttemptAt, r.UpdatedAt = true, now, now
	if r.Status != schemas.RegistrationFailed {
		r.Status = schemas.RegistrationPending
	}
	return env.Tables.Registrations.Put(ctx, p.Name, r)
}

// Register makes p's subscriptions point at callbackURL ("" for the
// deployment's webhook URL) and records the outcome; after a failure the
// next attempt is retry doubled per failure, up to an hour, away.
func Register(ctx context.Context, env *app.Env, s *ingest.Session, p ingest.Provider, callbackURL string, retry time.Duration, now time.Time) ([]ingest.Subscription, error) {
	if p.Subscriptions == nil {
		return nil, fmt.Errorf("%s has no webhook registration API", p.Name)
	}
	var subs []ingest.Subscription
	var err error
	if callbackURL == "" && env.Config.PublicURL != "" {
		callbackURL = WebhookURL(env.Config.PublicURL, p.Name)
	}
	if callbackURL == "" {
		err = errors.New("WEARSTREAM_PUBLIC_URL is not set: there is no webhook URL to register")
	} else {
		subs, err = p.Subscriptions.Ensure(ctx, s, callbackURL)
	}
	r := registration(env, p.Name)
	r.Wanted, r.UpdatedAt = true, now
	if err != nil {
		r.Attempts++
		r.Status, r.Error = schemas.RegistrationFailed, err.Error()
		wait := retry << min(r.Attempts-1, 20)
		r.NextAttemptAt = now.Add(min(wait, maxRegistrationRetry))
		if perr := env.Tables.Registrations.Put(ctx, p.Name, r); perr != nil {
			return nil, errors.Join(err, perr)
		}
		return nil, err
	}
	r.Status, r.Error, r.Attempts = schemas.RegistrationRegistered, "", 0
	r.CallbackURL, r.NextAttemptAt = callbackURL, now.Add(registrationRenew)
	r.Subscriptions = r.Subscriptions[:0]
	for _, sub := range subs {
		r.Subscriptions = append(r.Subscriptions, schemas.SubscriptionRecord{
			ID: sub.ID, CallbackURL: sub.CallbackURL, DataType: sub.DataType, EventType: sub.EventType, ExpiresAt: sub.ExpiresAt,
		})
		if sub.Secret != "" {
			r.SecretEnc = env.Box.Seal([]byte(sub.Secret), secretAD(p.Name))
		}
	}
	return subs, env.Tables.Registrations.Put(ctx, p.Name, r)
}

// registeredSecret is the signing secret p issued when wearstream
// registered its webhook, "" when none.
func registeredSecret(env *app.Env, provider string) string {
	r, ok := env.Tables.Registrations.Get(provider)
	if !ok || len(r.SecretEnc) == 0 || env.Box == nil {
		return ""
	}
	b, err := env.Box.Open(r.SecretEnc, secretAD(provider))
	if err != nil {
		return ""
	}
	return string(b)
}

// registerDue registers, in the background, the wanted registrations that
// are due; only the worker that owns partition 0 does.
func (w *Worker) registerDue(ctx context.Context, now time.Time) {
	w.mu.Lock()
	lead := w.owned[0]
	var due []ingest.Provider
	for _, p := range ingest.All() {
		if !lead || p.Subscriptions == nil || w.registering[p.Name] {
			continue
		}
		r, ok := w.env.Tables.Registrations.Get(p.Name)
		if !ok || !r.Wanted || now.Before(r.NextAttemptAt) {
			continue
		}
		w.registering[p.Name] = true
		due = append(due, p)
	}
	w.mu.Unlock()
	for _, p := range due {
		go func() {
			defer func() {
				w.mu.Lock()
				delete(w.registering, p.Name)
				w.mu.Unlock()
			}()
			s := AppSession(w.env, w.http, w.limiters[p.Name], p)
			if _, err := Register(ctx, w.env, s, p, "", w.registrationRetry, now); err != nil && ctx.Err() == nil {
				w.logger.Warn("webhook registration failed; retrying later", "provider", p.Name, "err", err)
			} else if err == nil {
				w.logger.Info("webhook subscriptions registered", "provider", p.Name)
			}
		}()
	}
}
