package whoop

// WHOOP's OAuth 2.0 (providers.md §5): authorisation code, client
// credentials in the form body, no PKCE; the offline scope brings a refresh
// token. Access tokens live an hour, and every refresh returns a new
// refresh token, which the framework stores with the new access token
// before using it (the old one is spent). The user is the user_id of
// /v2/user/profile/basic; disconnecting revokes the grant
// (DELETE /v2/user/access).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
)

// Scopes are the scopes WHOOP is asked for.
var Scopes = []string{"read:recovery", "read:cycles", "read:workout", "read:sleep", "read:profile", "read:body_measurement", "offline"}

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Capabilities = ingest.Capabilities{RestPull: true, WebhookPing: true}
		// WHOOP's default app budget is 100 requests a minute and 10,000 a
		// day; each worker holds its share of both.
		p.RateLimit = ingest.RateLimit{Requests: 100, Per: time.Minute, Also: []ingest.RateLimit{{Requests: 10000, Per: 24 * time.Hour}}}
		p.OAuth = &ingest.OAuth{
			Env:        "WHOOP",
			AuthURL:    "https://api.prod.whoop.com/oauth/oauth2/auth",
			TokenURL:   "https://api.prod.whoop.com/oauth/oauth2/token",
			APIURL:     "https://api.prod.whoop.com/developer",
			AuthStyle:  oauth2.AuthStyleInParams,
			Scopes:     Scopes,
			Identify:   identify,
			Deregister: deregister,
		}
	})
}

func identify(ctx context.Context, s *ingest.Session, _ *oauth2.Token) (ingest.Account, error) {
	res, err := s.Get(ctx, "/v2/user/profile/basic", nil)
	if err != nil {
		return ingest.Account{}, fmt.Errorf("cannot read the whoop profile: %w", err)
	}
	var profile struct {
		UserID ingest.Text `json:"user_id"`
		Email  ingest.Text `json:"email"`
	}
	if err := json.Unmarshal(res.Body, &profile); err != nil {
		return ingest.Account{}, fmt.Errorf("cannot decode the whoop profile: %w", err)
	}
	if profile.UserID == "" {
		return ingest.Account{}, fmt.Errorf("cannot read the whoop user id: the profile has no user_id")
	}
	return ingest.Account{UserID: string(profile.UserID), Username: string(profile.Email)}, nil
}

func deregister(ctx context.Context, s *ingest.Session) error {
	if _, err := s.Do(ctx, http.MethodDelete, "/v2/user/access", nil, nil, ""); err != nil {
		return fmt.Errorf("cannot revoke the whoop access: %w", err)
	}
	return nil
}
