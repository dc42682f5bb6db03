package googlehealth

// The Google Health API's OAuth 2.0 (providers.md §8): Google's
// authorisation code flow with access_type=offline and prompt=consent (the
// only way to be given a refresh token), credentials in the form body, no
// PKCE. The user is identified by healthUserId (GET /v4/users/me/identity),
// the id notifications carry. Access tokens last about an hour and are
// refreshed before use; Google keeps the refresh token (a refresh answers
// none, and the stored one is kept).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
)

// Scopes are what wearstream asks of a Google user (read-only).
var Scopes = []string{
	"openid", "email",
	"https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly",
	"https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly",
	"https://www.googleapis.com/auth/googlehealth.sleep.readonly",
}

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Capabilities = ingest.Capabilities{RestPull: true, WebhookPing: true, WebhookRegistrationAPI: true}
		p.OAuth = &ingest.OAuth{
			Env:           "GOOGLE_HEALTH",
			AuthURL:       "https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent&include_granted_scopes=true",
			TokenURL:      "https://oauth2.googleapis.com/token",
			APIURL:        "https://health.googleapis.com",
			AuthStyle:     oauth2.AuthStyleInParams,
			Scopes:        Scopes,
			WebhookSecret: "The endpointAuthorization secret of the project's Google Health subscriber; notifications must carry it in Authorization.",
			Extra: []ingest.Setting{{
				Name: envPublicKey,
				Doc:  "Google's public key for the ECDSA P-256 X-HEALTHAPI-SIGNATURE of notifications: PEM, a path to a PEM file, or Google's Tink JSON keyset. When set, a notification without a valid signature is refused; when empty, only the Authorization secret is checked.",
			}},
			Identify: identify,
		}
	})
}

// identify reads the user's healthUserId.
func identify(ctx context.Context, s *ingest.Session, _ *oauth2.Token) (ingest.Account, error) {
	res, err := s.Get(ctx, "/v4/users/me/identity", nil)
	if err != nil {
		return ingest.Account{}, fmt.Errorf("cannot read the google health identity: %w", err)
	}
	var id struct {
		HealthUserID string `json:"healthUserId"`
	}
	if err := json.Unmarshal(res.Body, &id); err != nil {
		return ingest.Account{}, fmt.Errorf("cannot decode the google health identity: %w", err)
	}
	if id.HealthUserID = strings.TrimSpace(id.HealthUserID); id.HealthUserID == "" {
		return ingest.Account{}, errors.New("cannot read the google health identity: no healthUserId")
	}
	return ingest.Account{UserID: id.HealthUserID}, nil
}
