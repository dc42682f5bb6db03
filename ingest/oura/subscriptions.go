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
	token := s.Settings.Extra[envVerificationToken]
	if webhookURL == "" || token == "" {
		return nil
	}
	app := *s
	app.AccessToken = ""
	app.Header = func(st ingest.Settings, h map[string]string) {
		h["x-client-id"] = st.ClientID
		h["x-client-secret"] = st.ClientSecret
	}
	res, err := app.Get(ctx, subscriptionPath, nil)
	if err != nil {
		return fmt.Errorf("cannot list oura webhook subscriptions: %w", err)
	}
	var list []Subscription
	if err := json.Unmarshal(res.Body, &list); err != nil {
		var wrapped struct {
			Data []Subscription `json:"data"`
		}
		if json.Unmarshal(res.Body, &wrapped) != nil {
			return fmt.Errorf("cannot decode oura webhook subscriptions: %w", err)
		}
		list = wrapped.Data
	}
	have := map[[2]string]Subscription{}
	for _, sub := range list {
		if strings.TrimRight(sub.CallbackURL, "/") == webhookURL {
			have[[2]string{strings.ToLower(sub.DataType), strings.ToLower(sub.EventType)}] = sub
		}
	}
	now := time.Now()
	var errs []error
	for _, dataType := range subscribedTypes {
		for _, event := range eventTypes {
			sub, ok := have[[2]string{dataType, event}]
			if !ok {
				errs = append(errs, create(ctx, &app, webhookURL, token, dataType, event))
				continue
			}
			if exp, err := time.Parse(time.RFC3339Nano, sub.ExpirationTime); err == nil && exp.Sub(now) > renewBefore {
				continue
			}
			if _, err := app.Do(ctx, http.MethodPut, subscriptionPath+"/renew/"+url.PathEscape(sub.ID), nil, []byte("{}"), "application/json"); err != nil {
				errs = append(errs, fmt.Errorf("cannot renew the oura %s %s subscription: %w", dataType, event, err))
			}
		}
	}
	return errors.Join(errs...)
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
