package strava

// The push subscription. Strava allows one per application, created with
// the client credentials: Strava calls the callback's handshake (Challenge)
// before it answers, so the gateway must already be reachable at the
// callback URL. Subscribe keeps exactly one subscription, to callbackURL.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Subscriptions = &ingest.Subscriptions{List: list, Ensure: ensure, Delete: remove}
	})
}

func (sub Subscription) generic() ingest.Subscription {
	return ingest.Subscription{ID: strconv.FormatInt(sub.ID, 10), CallbackURL: sub.CallbackURL}
}

// list is Subscriptions as ingest names them.
func list(ctx context.Context, s *ingest.Session) ([]ingest.Subscription, error) {
	subs, err := Subscriptions(ctx, s)
	out := make([]ingest.Subscription, len(subs))
	for i, sub := range subs {
		out[i] = sub.generic()
	}
	return out, err
}

// ensure is Subscribe, answering the subscription.
func ensure(ctx context.Context, s *ingest.Session, callbackURL string) ([]ingest.Subscription, error) {
	id, err := Subscribe(ctx, s, callbackURL)
	if err != nil {
		return nil, err
	}
	return []ingest.Subscription{{ID: strconv.FormatInt(id, 10), CallbackURL: callbackURL}}, nil
}

// remove is DeleteSubscription of a textual id.
func remove(ctx context.Context, s *ingest.Session, id string) error {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return fmt.Errorf("strava subscription %q: %w", id, ingest.ErrNoSubscription)
	}
	err = DeleteSubscription(ctx, s, n)
	var se *ingest.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return fmt.Errorf("strava subscription %s: %w", id, ingest.ErrNoSubscription)
	}
	return err
}

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
