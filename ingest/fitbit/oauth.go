package fitbit

// Fitbit's OAuth 2.0 (providers.md §7): authorisation code with PKCE
// (S256) and the client credentials in the Basic header. Access tokens
// last 8 hours; refresh tokens are single-use: every refresh returns a new
// pair, stored together in one write of the connection before the new
// access token is used, so the live refresh token is never lost. The
// token response names the user (user_id, the ownerId of notifications).
// Once connected, the user is subscribed to every collection
// (POST /1/user/-/apiSubscriptions/{id}.json, the id being wearstream's
// user id); disconnecting deletes that subscription. Both calls go through
// the user's limiter and Fitbit's rate-limit headers, as fetches do
// (client.go).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
)

// The provider's own variables.
const (
	envVerifyCode   = "FITBIT_SUBSCRIBER_VERIFY_CODE"
	envSubscriberID = "FITBIT_SUBSCRIBER_ID"
	envIntraday     = "FITBIT_INTRADAY"
)

// Scopes are what wearstream asks of a Fitbit user.
var Scopes = []string{"activity", "heartrate", "sleep", "profile", "weight", "oxygen_saturation"}

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Capabilities = ingest.Capabilities{RestPull: true, WebhookPing: true, WebhookRegistrationAPI: true}
		// Fitbit's limit is per user (150 requests an hour), held by a
		// limiter per user (client.go); there is no application limit.
		p.OAuth = &ingest.OAuth{
			Env:       "FITBIT",
			AuthURL:   "https://www.fitbit.com/oauth2/authorize",
			TokenURL:  "https://api.fitbit.com/oauth2/token",
			APIURL:    "https://api.fitbit.com",
			AuthStyle: oauth2.AuthStyleInHeader,
			PKCE:      true,
			Scopes:    Scopes,
			Extra: []ingest.Setting{
				{Name: envVerifyCode, Doc: "The verification code dev.fitbit.com shows for the subscriber endpoint; Fitbit's GET ?verify= handshake is answered 204 for it and 404 otherwise."},
				{Name: envSubscriberID, Doc: "The subscriber id of the endpoint at dev.fitbit.com, sent as X-Fitbit-Subscriber-Id when users are subscribed; empty for the default subscriber."},
				{Name: envIntraday, Default: "false", Doc: "true when the app may read intraday data (a Personal app, or one Fitbit approved): each day's heart rate is then also fetched at one-minute detail as heart_rate samples, one more request a day per user. A 403 from Fitbit is logged and the fetch goes on without it."},
			},
			Identify:   identify,
			Deregister: unsubscribe,
		}
	})
}

// identify reads the user from the token response and subscribes them.
func identify(ctx context.Context, s *ingest.Session, tok *oauth2.Token) (ingest.Account, error) {
	id, _ := tok.Extra("user_id").(string)
	if id = strings.TrimSpace(id); id == "" {
		return ingest.Account{}, errors.New("cannot read the fitbit user: the token response has no user_id")
	}
	acct := ingest.Account{UserID: id}
	if scope, _ := tok.Extra("scope").(string); scope != "" {
		acct.Scopes = strings.Fields(scope)
	}
	if err := subscribe(ctx, s); err != nil {
		return ingest.Account{}, err
	}
	return acct, nil
}

func subscriptionPath(s *ingest.Session) string {
	return "/1/user/-/apiSubscriptions/" + url.PathEscape(s.UserID) + ".json"
}

// subscribe subscribes the user to every collection; an existing
// subscription (409) is fine.
func subscribe(ctx context.Context, s *ingest.Session) error {
	sub := *s
	sub.Header = subscriberHeader
	sub.Limiter, sub.Budget = userLimiter(s.UserID), budget
	_, err := sub.Do(ctx, http.MethodPost, subscriptionPath(s), nil, nil, "")
	var se *ingest.StatusError
	if err != nil && !(errors.As(err, &se) && se.Status == http.StatusConflict) {
		return fmt.Errorf("cannot subscribe the fitbit user: %w", err)
	}
	return nil
}

// unsubscribe deletes the user's subscription; a missing one is fine.
func unsubscribe(ctx context.Context, s *ingest.Session) error {
	sub := *s
	sub.Limiter, sub.Budget = userLimiter(s.UserID), budget
	_, err := sub.Do(ctx, http.MethodDelete, subscriptionPath(s), nil, nil, "")
	var se *ingest.StatusError
	if err != nil && !(errors.As(err, &se) && se.Status == http.StatusNotFound) {
		return fmt.Errorf("cannot delete the fitbit subscription: %w", err)
	}
	return nil
}

func subscriberHeader(s ingest.Settings, h map[string]string) {
	if id := s.Extra[envSubscriberID]; id != "" {
		h["X-Fitbit-Subscriber-Id"] = id
	}
}
