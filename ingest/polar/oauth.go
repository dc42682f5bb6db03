package polar

// Polar AccessLink's OAuth 2.0 (providers.md §3): authorisation code, client
// credentials in the Basic header, no PKCE, scope accesslink.read_all. The
// token response carries x_user_id, the Polar user id its webhooks name, and
// no refresh token (tokens live for years; a dead one needs a new
// authorisation). Data is served only for users registered with
// POST /v3/users after the exchange (409: already registered); disconnecting
// deletes that registration.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Capabilities = ingest.Capabilities{RestPull: true, WebhookPing: true, WebhookRegistrationAPI: true}
		// 500 + 20 × users per 15 minutes; the fixed part is budgeted.
		p.RateLimit = ingest.RateLimit{Requests: 500, Per: 15 * time.Minute}
		p.OAuth = &ingest.OAuth{
			Env:           "POLAR",
			AuthURL:       "https://flow.polar.com/oauth2/authorization",
			TokenURL:      "https://polarremote.com/v2/oauth2/token",
			APIURL:        "https://www.polaraccesslink.com",
			AuthStyle:     oauth2.AuthStyleInHeader,
			Scopes:        []string{"accesslink.read_all"},
			WebhookSecret: "The signature_secret_key Polar returned when the webhook was created (POST /v3/webhooks); checks Polar-Webhook-Signature. Not needed when wearstream registers the webhook itself (webhook mode), which stores the key encrypted.",
			Identify:      identify,
			Deregister:    deregister,
		}
	})
}

// identify reads x_user_id from the token response and registers the user.
func identify(ctx context.Context, s *ingest.Session, tok *oauth2.Token) (ingest.Account, error) {
	var id string
	switch v := tok.Extra("x_user_id").(type) {
	case float64:
		id = strconv.FormatInt(int64(v), 10)
	case string:
		id = v
	case json.Number:
		id = v.String()
	}
	if id == "" {
		return ingest.Account{}, errors.New("cannot read the polar user id: the token response has no x_user_id")
	}
	body, _ := json.Marshal(map[string]string{"member-id": s.UserID})
	_, err := s.Do(ctx, http.MethodPost, "/v3/users", nil, body, "application/json")
	var se *ingest.StatusError
	if err != nil && !(errors.As(err, &se) && se.Status == http.StatusConflict) {
		return ingest.Account{}, fmt.Errorf("cannot register the user with polar: %w", err)
	}
	return ingest.Account{UserID: id, Scopes: []string{"accesslink.read_all"}}, nil
}

// deregister deletes the user's registration; one already gone is fine.
func deregister(ctx context.Context, s *ingest.Session) error {
	_, err := s.Do(ctx, http.MethodDelete, "/v3/users/"+s.ProviderUserID, nil, nil, "")
	var se *ingest.StatusError
	if errors.As(err, &se) && (se.Status == http.StatusNotFound || se.Status == http.StatusNoContent) {
		return nil
	}
	return err
}
