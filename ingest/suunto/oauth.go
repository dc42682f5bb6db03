package suunto

// Suunto's OAuth 2.0 (providers.md §4): authorisation code, client
// credentials in the Basic header, no PKCE, no scope. Every API call also
// needs the application's API Zone subscription key in
// Ocp-Apim-Subscription-Key. The access token is a JWT whose "user" claim
// is the Suunto username that webhooks name; it is read without checking
// the signature, only to learn whom the token belongs to.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
)

// envSubscriptionKey holds the API Zone subscription key.
const envSubscriptionKey = "SUUNTO_SUBSCRIPTION_KEY"

func init() {
	ingest.Extend(provider, func(p *ingest.Provider) {
		p.Capabilities = ingest.Capabilities{RestPull: true, WebhookStream: true}
		// Suunto publishes no limit; this stays well under its API tiers.
		p.RateLimit = ingest.RateLimit{Requests: 600, Per: time.Minute}
		p.OAuth = &ingest.OAuth{
			Env:           "SUUNTO",
			AuthURL:       "https://cloudapi-oauth.suunto.com/oauth/authorize",
			TokenURL:      "https://cloudapi-oauth.suunto.com/oauth/token",
			APIURL:        "https://cloudapi.suunto.com",
			AuthStyle:     oauth2.AuthStyleInHeader,
			WebhookSecret: "The notification secret set in the Suunto API Zone profile; checks X-HMAC-SHA256-Signature.",
			Extra: []ingest.Setting{{
				Name: envSubscriptionKey, Required: true,
				Doc: "Suunto API Zone subscription key, sent as Ocp-Apim-Subscription-Key with every Suunto API call.",
			}},
			Header: func(s ingest.Settings, h map[string]string) {
				h["Ocp-Apim-Subscription-Key"] = s.Extra[envSubscriptionKey]
			},
			Identify: identify,
		}
	})
}

// identify reads the username and user id from the access token's claims.
func identify(_ context.Context, _ *ingest.Session, tok *oauth2.Token) (ingest.Account, error) {
	claims, err := TokenClaims(tok.AccessToken)
	if err != nil {
		return ingest.Account{}, err
	}
	if claims.User == "" {
		return ingest.Account{}, fmt.Errorf("cannot read the suunto username: the access token has no user claim")
	}
	return ingest.Account{UserID: claims.User, Username: claims.User}, nil
}

// Claims are the parts of Suunto's access token that name the user.
type Claims struct {
	Subject string `json:"sub"`
	User    string `json:"user"`
}

// TokenClaims decodes the claims of a JWT without checking its signature.
func TokenClaims(token string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Claims{}, fmt.Errorf("cannot read the suunto access token: not a JWT")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, fmt.Errorf("cannot read the suunto access token: %w", err)
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return Claims{}, fmt.Errorf("cannot read the suunto access token claims: %w", err)
	}
	return c, nil
}
