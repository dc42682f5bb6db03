package strava

// Strava's OAuth 2.0 (providers.md §6): authorisation code, client
// credentials in the form body, no PKCE, comma-separated scopes (sent as
// one scope string, as Strava wants them). The token response names the
// athlete (athlete.id, the owner_id of webhook events). Access tokens last
// about six hours; a refresh may return a new refresh token, which replaces
// the stored one. Strava's terms allow a developer application few
// athletes: STRAVA_MAX_ATHLETES (1 by default) caps the connected athletes
// of the deployment. Disconnecting deauthorises the application at Strava.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
)

// The provider's own variables.
const (
	envVerifyToken    = "STRAVA_WEBHOOK_VERIFY_TOKEN"
	envMaxAthletes    = "STRAVA_MAX_ATHLETES"
	envSubscriptionID = "STRAVA_SUBSCRIPTION_ID"
)

// Scope is what wearstream asks of an athlete: every activity, private ones
// included, and the profile.
const Scope = "read,activity:read_all,profile:read_all"

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Capabilities = ingest.Capabilities{RestPull: true, WebhookPing: true, WebhookRegistrationAPI: true}
		// Standard tier: 200 requests per 15 minutes and 2,000 a day per
		// application; ingest only reads, and the read sub-limits are 100
		// per 15 minutes and 1,000 a day.
		p.RateLimit = ingest.RateLimit{Requests: 100, Per: 15 * time.Minute, Also: []ingest.RateLimit{{Requests: 1000, Per: 24 * time.Hour}}}
		p.OAuth = &ingest.OAuth{
			Env:       "STRAVA",
			AuthURL:   "https://www.strava.com/oauth/authorize",
			TokenURL:  "https://www.strava.com/oauth/token",
			APIURL:    "https://www.strava.com/api/v3",
			AuthStyle: oauth2.AuthStyleInParams,
			Scopes:    []string{Scope},
			Extra: []ingest.Setting{
				{Name: envVerifyToken, Doc: "Strava webhook verify token: a secret of your choice, given when the push subscription is created and checked in Strava's hub.challenge handshake."},
				{Name: envMaxAthletes, Default: "1", Doc: "How many Strava athletes the deployment may connect at once (Strava's terms allow one per application unless Strava approved more); 0 for no cap."},
				{Name: envSubscriptionID, Doc: "The id of the Strava push subscription (wearstream strava prints it); when set, events of any other subscription are refused."},
			},
			Identify:    identify,
			Deregister:  Deauthorize,
			MaxAccounts: maxAthletes,
		}
	})
}

// maxAthletes reads STRAVA_MAX_ATHLETES (1 when unset or invalid).
func maxAthletes(s ingest.Settings) int {
	n, err := strconv.Atoi(strings.TrimSpace(s.Extra[envMaxAthletes]))
	if err != nil || n < 0 {
		return 1
	}
	return n
}

// identify reads the athlete from the token response.
func identify(_ context.Context, _ *ingest.Session, tok *oauth2.Token) (ingest.Account, error) {
	athlete, _ := tok.Extra("athlete").(map[string]any)
	if athlete == nil {
		return ingest.Account{}, fmt.Errorf("cannot read the strava athlete: the token response has none")
	}
	var id string
	switch v := athlete["id"].(type) {
	case float64:
		id = strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		id = strings.TrimSpace(v)
	}
	if id == "" {
		return ingest.Account{}, fmt.Errorf("cannot read the strava athlete: it has no id")
	}
	name, _ := athlete["username"].(string)
	acct := ingest.Account{UserID: id, Username: name}
	if scope, _ := tok.Extra("scope").(string); scope != "" {
		acct.Scopes = strings.Split(scope, ",")
	}
	return acct, nil
}

// Deauthorize revokes the application's access to the athlete
// (POST /oauth/deauthorize on the API's host).
func Deauthorize(ctx context.Context, s *ingest.Session) error {
	base, err := url.Parse(s.Settings.APIURL)
	if err != nil {
		return fmt.Errorf("cannot deauthorize at strava: %w", err)
	}
	base.Path, base.RawQuery = "/oauth/deauthorize", ""
	_, err = s.Do(ctx, http.MethodPost, base.String(), nil, nil, "")
	if err != nil {
		return fmt.Errorf("cannot deauthorize at strava: %w", err)
	}
	return nil
}
