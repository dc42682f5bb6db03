package garmin

// Garmin's OAuth 2.0 (providers.md §1): authorisation code with PKCE (S256),
// client id and secret in the form body, no scope (the app's data domains
// are set in Garmin's portal). After the exchange the user's Garmin id,
// which every push item carries, and permissions are read from the partner
// gateway; disconnecting deletes the user's registration there.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
)

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Capabilities = ingest.Capabilities{WebhookStream: true, WebhookCallback: true, MaxHistoricalDays: 30}
		p.RateLimit = ingest.RateLimit{Requests: 100, Per: time.Minute}
		p.OAuth = &ingest.OAuth{
			Env:        "GARMIN",
			AuthURL:    "https://connect.garmin.com/oauth2Confirm",
			TokenURL:   "https://diauth.garmin.com/di-oauth2-service/oauth/token",
			APIURL:     "https://apis.garmin.com",
			AuthStyle:  oauth2.AuthStyleInParams,
			PKCE:       true,
			Identify:   identify,
			Deregister: deregister,
		}
	})
}

// The partner gateway's user routes.
const (
	pathUserID       = "/partner-gateway/rest/user/id"
	pathPermissions  = "/partner-gateway/rest/user/permissions"
	pathRegistration = "/partner-gateway/rest/user/registration"
)

// identify reads the Garmin user id and the granted permissions.
func identify(ctx context.Context, s *ingest.Session, _ *oauth2.Token) (ingest.Account, error) {
	res, err := s.Get(ctx, pathUserID, nil)
	if err != nil {
		return ingest.Account{}, fmt.Errorf("cannot read garmin user id: %w", err)
	}
	var id struct {
		UserID string `json:"userId"`
	}
	if err := json.Unmarshal(res.Body, &id); err != nil || strings.TrimSpace(id.UserID) == "" {
		return ingest.Account{}, fmt.Errorf("cannot read garmin user id: unexpected answer %.200q", res.Body)
	}
	acct := ingest.Account{UserID: strings.TrimSpace(id.UserID)}
	// Permissions are informative: a failure to read them does not stop
	// the connection.
	if res, err := s.Get(ctx, pathPermissions, nil); err == nil {
		var p struct {
			Permissions []string `json:"permissions"`
		}
		if json.Unmarshal(res.Body, &p) == nil {
			acct.Scopes = p.Permissions
		}
	}
	return acct, nil
}

// deregister deletes the user's registration; one already gone is fine.
func deregister(ctx context.Context, s *ingest.Session) error {
	_, err := s.Do(ctx, http.MethodDelete, pathRegistration, nil, nil, "")
	var se *ingest.StatusError
	if errors.As(err, &se) && se.Status == http.StatusNotFound {
		return nil
	}
	return err
}
