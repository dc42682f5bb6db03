package oura

// Oura's OAuth 2.0 (providers.md §2): authorisation code, client
// credentials in the form body, no PKCE. Access tokens live about a day;
// refresh tokens are treated as single-use, and the framework keeps the
// new one from every refresh. The user's id, which webhooks name, is the
// id of GET /v2/usercollection/personal_info.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
)

// envVerificationToken holds the verification token of webhook
// subscriptions; webhooks are subscribed to when it is set.
const envVerificationToken = "OURA_WEBHOOK_VERIFICATION_TOKEN"

// Scopes are the scopes Oura is asked for. The user may untick any; the
// data of a missing one is simply not there.
var Scopes = []string{"personal", "daily", "heartrate", "workout", "session", "spo2"}

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Capabilities = ingest.Capabilities{RestPull: true, WebhookPing: true, WebhookRegistrationAPI: true}
		p.RateLimit = ingest.RateLimit{Requests: 5000, Per: 5 * time.Minute}
		p.OAuth = &ingest.OAuth{
			Env:       "OURA",
			AuthURL:   "https://cloud.ouraring.com/oauth/authorize",
			TokenURL:  "https://api.ouraring.com/oauth/token",
			APIURL:    "https://api.ouraring.com",
			AuthStyle: oauth2.AuthStyleInParams,
			Scopes:    Scopes,
			Extra: []ingest.Setting{{
				Name: envVerificationToken,
				Doc: "A random string of your choice: when set (with WEARSTREAM_PUBLIC_URL), ingest workers subscribe to " +
					"Oura's webhooks through its API, answer its verification handshake with it, and renew the subscriptions before they expire.",
			}},
			Identify: identify,
		}
	})
}

// identify reads the user's Oura id.
func identify(ctx context.Context, s *ingest.Session, _ *oauth2.Token) (ingest.Account, error) {
	res, err := s.Get(ctx, "/v2/usercollection/personal_info", nil)
	if err != nil {
		return ingest.Account{}, fmt.Errorf("cannot read the oura personal info: %w", err)
	}
	var info struct {
		ID    ingest.Text `json:"id"`
		Email ingest.Text `json:"email"`
	}
	if err := json.Unmarshal(res.Body, &info); err != nil {
		return ingest.Account{}, fmt.Errorf("cannot decode the oura personal info: %w", err)
	}
	if strings.TrimSpace(string(info.ID)) == "" {
		return ingest.Account{}, fmt.Errorf("cannot read the oura user id: personal_info has no id")
	}
	return ingest.Account{UserID: string(info.ID), Username: string(info.Email)}, nil
}
