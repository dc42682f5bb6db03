package strava

// The push subscription. Strava allows one per application, created with
// the client credentials: Strava calls the callback's handshake (Challenge)
// before it answers, so the gateway must already be reachable at the
// callback URL. Subscribe keeps exactly one subscription, to callbackURL.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wearstream/wearstream/ingest"
)

// Subscription is a push subscription as Strava lists it.
type Subscription struct {
	ID          int64  `json:"id"`
	CallbackURL string `json:"callback_url"`
}

func credentials(s *ingest.Session) url.Values {
	return url.Values{"client_id": {s.Settings.ClientID}, "client_secret": {s.Settings.ClientSecret}}
}

// Subscriptions lists the application's push subscriptions.
func Subscriptions(ctx context.Context, s *ingest.Session) ([]Subscription, error) {
	res, err := s.Get(ctx, "push_subscriptions", credentials(s))
	if err != nil {
		return nil, fmt.Errorf("cannot list strava push subscriptions: %w", err)
	}
	var out []Subscription
	if err := json.Unmarshal(res.Body, &out); err != nil {
		return nil, fmt.Errorf("cannot decode strava push subscriptions: %w", err)
	}
	return out, nil
}

// DeleteSubscription deletes the push subscription id.
func DeleteSubscription(ctx context.Context, s *ingest.Session, id int64) error {
	_, err := s.Do(ctx, http.MethodDelete, "push_subscriptions/"+strconv.FormatInt(id, 10), credentials(s), nil, "")
	if err != nil {
		return fmt.Errorf("cannot delete strava push subscription %d: %w", id, err)
	}
	return nil
}

// Subscribe makes the application's one push subscription point at
// callbackURL: an existing one to that URL is kept, one to another URL is
// replaced. It returns the subscription's id.
func Subscribe(ctx context.Context, s *ingest.Session, callbackURL string) (int64, error) {
	subs, err := Subscriptions(ctx, s)
	if err != nil {
		return 0, err
	}
	for _, sub := range subs {
		if sub.CallbackURL == callbackURL {
			return sub.ID, nil
		}
		if err := DeleteSubscription(ctx, s, sub.ID); err != nil {
			return 0, err
		}
	}
	verify := s.Settings.Extra[envVerifyToken]
	if verify == "" {
		return 0, fmt.Errorf("cannot create a strava push subscription: %s is not set", envVerifyToken)
	}
	form := credentials(s)
	form.Set("callback_url", callbackURL)
	form.Set("verify_token", verify)
	res, err := s.Do(ctx, http.MethodPost, "push_subscriptions", nil, []byte(form.Encode()), "application/x-www-form-urlencoded")
	if err != nil {
		return 0, fmt.Errorf("cannot create a strava push subscription: %w", err)
	}
	var sub Subscription
	if err := json.Unmarshal(res.Body, &sub); err != nil || sub.ID == 0 {
		return 0, fmt.Errorf("cannot read the strava push subscription Strava created: %s", ingest.Truncate(string(res.Body), 200))
	}
	return sub.ID, nil
}
