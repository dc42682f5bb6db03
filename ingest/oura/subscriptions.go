package oura

// Webhook subscriptions (providers.md §2, webhook_registration_api). Oura
// sends notifications only for subscriptions, one per data type and event
// type, made with the application's credentials (x-client-id and
// x-client-secret, no user token) and expiring. When webhooks are enabled
// (OURA_WEBHOOK_VERIFICATION_TOKEN and a public URL are set), one ingest
// worker lists the subscriptions at start and every six hours, creates the
// missing ones for the gateway's webhook URL (Oura checks the URL with its
// handshake; 409, already there, is fine) and renews those that expire
// within a week.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Maintain = Subscribe
		p.MaintainEvery = 6 * time.Hour
		p.Subscriptions = &ingest.Subscriptions{List: List, Ensure: Ensure, Renew: Renew, Update: Update, Delete: Delete}
	})
}

// subscribedTypes are the data types subscribed to, for every event type.
var subscribedTypes = []string{"sleep", "workout", "daily_activity", "daily_readiness", "daily_spo2"}

// subscribed is subscribedTypes as a set.
var subscribed = ingest.SetOf(subscribedTypes...)

// eventTypes are the event types subscribed to.
var eventTypes = []string{eventCreate, eventUpdate, eventDelete}

// renewBefore is how long before its expiry a subscription is renewed.
const renewBefore = 7 * 24 * time.Hour

// subscriptionPath is the route of Oura's subscription API.
const subscriptionPath = "/v2/webhook/subscription"

// Subscription is one of Oura's webhook subscriptions.
type Subscription struct {
	ID             string `json:"id"`
	CallbackURL    string `json:"callback_url"`
	EventType      string `json:"event_type"`
	DataType       string `json:"data_type"`
	ExpirationTime string `json:"expiration_time"`
}

// Subscribe creates the missing subscriptions for webhookURL and renews
// those that expire soon; it does nothing when webhooks are not enabled.
func Subscribe(ctx context.Context, s *ingest.Session, webhookURL string) error {
	if webhookURL == "" || s.Settings.Extra[envVerificationToken] == "" {
		return nil
	}
	_, err := Ensure(ctx, s, webhookURL)
	return err
}

// appSession is s with the application's credentials instead of a token.
func appSession(s *ingest.Session) *ingest.Session {
	app := *s
	app.AccessToken = ""
	app.Header = func(st ingest.Settings, h map[string]string) {
		h["x-client-id"] = st.ClientID
		h["x-client-secret"] = st.ClientSecret
	}
	return &app
}

// list returns Oura's subscriptions of the application.
func list(ctx context.Context, app *ingest.Session) ([]Subscription, error) {
	res, err := app.Get(ctx, subscriptionPath, nil)
	if err != nil {
		return nil, fmt.Errorf("cannot list oura webhook subscriptions: %w", err)
	}
	var out []Subscription
	if err := json.Unmarshal(res.Body, &out); err != nil {
		var wrapped struct {
			Data []Subscription `json:"data"`
		}
		if json.Unmarshal(res.Body, &wrapped) != nil {
			return nil, fmt.Errorf("cannot decode oura webhook subscriptions: %w", err)
		}
		out = wrapped.Data
	}
	return out, nil
}

// generic is sub as ingest names it.
func (sub Subscription) generic() ingest.Subscription {
	g := ingest.Subscription{ID: sub.ID, CallbackURL: sub.CallbackURL, DataType: sub.DataType, EventType: sub.EventType}
	if exp, err := time.Parse(time.RFC3339Nano, sub.ExpirationTime); err == nil {
		g.ExpiresAt = exp.UTC()
	}
	return g
}

func generics(subs []Subscription) []ingest.Subscription {
	out := make([]ingest.Subscription, len(subs))
	for i, sub := range subs {
		out[i] = sub.generic()
	}
	return out
}

// List returns the application's subscriptions.
func List(ctx context.Context, s *ingest.Session) ([]ingest.Subscription, error) {
	subs, err := list(ctx, appSession(s))
	return generics(subs), err
}

// Ensure creates the missing subscriptions (every kept data type, every
// event type) for callbackURL and renews those that expire within a week.
func Ensure(ctx context.Context, s *ingest.Session, callbackURL string) ([]ingest.Subscription, error) {
	token := s.Settings.Extra[envVerificationToken]
	if token == "" {
		return nil, fmt.Errorf("cannot subscribe to oura webhooks: %s is not set", envVerificationToken)
	}
	app := appSession(s)
	subs, err := list(ctx, app)
	if err != nil {
		return nil, err
	}
	have := map[[2]string]Subscription{}
	for _, sub := range subs {
		if strings.TrimRight(sub.CallbackURL, "/") == callbackURL {
			have[[2]string{strings.ToLower(sub.DataType), strings.ToLower(sub.EventType)}] = sub
		}
	}
	now := time.Now()
	var errs []error
	for _, dataType := range subscribedTypes {
		for _, event := range eventTypes {
			sub, ok := have[[2]string{dataType, event}]
			if !ok {
				errs = append(errs, create(ctx, app, callbackURL, token, dataType, event))
				continue
			}
			if exp, err := time.Parse(time.RFC3339Nano, sub.ExpirationTime); err == nil && exp.Sub(now) > renewBefore {
				continue
			}
			errs = append(errs, renew(ctx, app, sub))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	subs, err = list(ctx, app)
	return generics(subs), err
}

func renew(ctx context.Context, app *ingest.Session, sub Subscription) error {
	if _, err := app.Do(ctx, http.MethodPut, subscriptionPath+"/renew/"+url.PathEscape(sub.ID), nil, []byte("{}"), "application/json"); err != nil {
		return fmt.Errorf("cannot renew the oura %s %s subscription: %w", sub.DataType, sub.EventType, err)
	}
	return nil
}

// Renew renews every subscription of the application.
func Renew(ctx context.Context, s *ingest.Session) ([]ingest.Subscription, error) {
	app := appSession(s)
	subs, err := list(ctx, app)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, sub := range subs {
		errs = append(errs, renew(ctx, app, sub))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	subs, err = list(ctx, app)
	return generics(subs), err
}

// find returns subscription id.
func find(ctx context.Context, app *ingest.Session, id string) (Subscription, error) {
	subs, err := list(ctx, app)
	if err != nil {
		return Subscription{}, err
	}
	for _, sub := range subs {
		if sub.ID == id {
			return sub, nil
		}
	}
	return Subscription{}, fmt.Errorf("oura subscription %s: %w", id, ingest.ErrNoSubscription)
}

// Update points subscription id at callbackURL (Oura checks the URL again).
func Update(ctx context.Context, s *ingest.Session, id, callbackURL string) (ingest.Subscription, error) {
	app := appSession(s)
	sub, err := find(ctx, app, id)
	if err != nil {
		return ingest.Subscription{}, err
	}
	body, err := json.Marshal(map[string]string{
		"callback_url": callbackURL, "verification_token": s.Settings.Extra[envVerificationToken],
		"event_type": sub.EventType, "data_type": sub.DataType,
	})
	if err != nil {
		return ingest.Subscription{}, fmt.Errorf("cannot encode an oura subscription: %w", err)
	}
	res, err := app.Do(ctx, http.MethodPut, subscriptionPath+"/"+url.PathEscape(id), nil, body, "application/json")
	if err != nil {
		return ingest.Subscription{}, fmt.Errorf("cannot update oura subscription %s: %w", id, err)
	}
	var updated Subscription
	if err := json.Unmarshal(res.Body, &updated); err != nil || updated.ID == "" {
		sub.CallbackURL = callbackURL
		return sub.generic(), nil
	}
	return updated.generic(), nil
}

// Delete deletes subscription id.
func Delete(ctx context.Context, s *ingest.Session, id string) error {
	_, err := appSession(s).Do(ctx, http.MethodDelete, subscriptionPath+"/"+url.PathEscape(id), nil, nil, "")
	var se *ingest.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return fmt.Errorf("oura subscription %s: %w", id, ingest.ErrNoSubscription)
	}
	if err != nil {
		return fmt.Errorf("cannot delete oura subscription %s: %w", id, err)
	}
	return nil
}

func create(ctx context.Context, s *ingest.Session, webhookURL, token, dataType, event string) error {
	body, err := json.Marshal(map[string]string{
		"callback_url": webhookURL, "verification_token": token, "event_type": event, "data_type": dataType,
	})
	if err != nil {
		return fmt.Errorf("cannot encode an oura subscription: %w", err)
	}
	_, err = s.Do(ctx, http.MethodPost, subscriptionPath, nil, body, "application/json")
	var se *ingest.StatusError
	if err != nil && !(errors.As(err, &se) && se.Status == http.StatusConflict) {
		return fmt.Errorf("cannot subscribe to oura %s %s: %w", dataType, event, err)
	}
	return nil
}
