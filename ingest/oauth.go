package ingest

// A provider with cloud accounts declares its OAuth 2.0 settings: where to
// authorise and exchange codes (overridable by environment, so tests point
// them at local servers), how the client authenticates at the token
// endpoint, whether PKCE is required, and what to do once a token is held
// (read the provider's id of the user, register the user) and when the user
// disconnects. Credentials come from <ENV>_CLIENT_ID, <ENV>_CLIENT_SECRET
// and the provider's other variables.

import (
	"context"
	"strings"

	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/internal/config"
)

// OAuth is a provider's OAuth 2.0 settings and account hooks.
type OAuth struct {
	// Env prefixes the provider's variables: GARMIN for GARMIN_CLIENT_ID.
	Env string
	// AuthURL, TokenURL and APIURL are the defaults of <Env>_AUTH_URL,
	// <Env>_TOKEN_URL and <Env>_API_URL.
	AuthURL, TokenURL, APIURL string
	// AuthStyle says whether the client credentials go in the Basic
	// header or in the form body of token requests.
	AuthStyle oauth2.AuthStyle
	// PKCE sends an S256 code challenge and the verifier.
	PKCE bool
	// Scopes are requested at authorisation.
	Scopes []string
	// WebhookSecret, when set, documents <Env>_WEBHOOK_SECRET.
	WebhookSecret string
	// Extra are further variables of the provider; Required ones must be
	// set for the provider to count as configured.
	Extra []Setting
	// Header adds the provider's own headers to every API request (a
	// subscription key, say).
	Header func(s Settings, h map[string]string)
	// Identify runs once a code was exchanged: it reads the provider's
	// account of the user (the id its webhooks name) and performs any
	// registration the provider requires.
	Identify func(ctx context.Context, s *Session, tok *oauth2.Token) (Account, error)
	// Deregister ends the user's registration at the provider when the
	// user disconnects; nil when the provider has no such call.
	Deregister func(ctx context.Context, s *Session) error
	// MaxAccounts, when set, is how many provider accounts the deployment
	// may hold connected at once (Strava's terms); 0 means no cap. An
	// authorisation beyond it fails with error account_limit.
	MaxAccounts func(s Settings) int
}

// Setting is one variable of a provider beyond the OAuth credentials.
type Setting struct {
	Name     string
	Default  string
	Doc      string
	Required bool
}

// Account is the provider's view of a connected user.
type Account struct {
	// UserID is the id the provider's webhooks and API name the user by.
	UserID string
	// Username is the provider's user name, when it has one.
	Username string
	// Scopes are the granted scopes or permissions, when known.
	Scopes []string
}

// Settings are a provider's credentials and endpoints as configured.
type Settings struct {
	ClientID      string
	ClientSecret  string
	WebhookSecret string
	AuthURL       string
	TokenURL      string
	APIURL        string
	// Extra holds the values of OAuth.Extra by name.
	Extra map[string]string
}

// Settings reads the provider's variables through getenv.
func (o *OAuth) Settings(getenv func(string) string) Settings {
	get := func(name, def string) string {
		if getenv != nil {
			if v := strings.TrimSpace(getenv(name)); v != "" {
				return v
			}
		}
		return def
	}
	s := Settings{
		ClientID:      get(o.Env+"_CLIENT_ID", ""),
		ClientSecret:  get(o.Env+"_CLIENT_SECRET", ""),
		WebhookSecret: get(o.Env+"_WEBHOOK_SECRET", ""),
		AuthURL:       get(o.Env+"_AUTH_URL", o.AuthURL),
		TokenURL:      get(o.Env+"_TOKEN_URL", o.TokenURL),
		APIURL:        strings.TrimRight(get(o.Env+"_API_URL", o.APIURL), "/"),
		Extra:         map[string]string{},
	}
	for _, e := range o.Extra {
		s.Extra[e.Name] = get(e.Name, e.Default)
	}
	return s
}

// Configured reports whether the credentials the provider needs are set.
func (o *OAuth) Configured(s Settings) bool {
	if s.ClientID == "" || s.ClientSecret == "" {
		return false
	}
	for _, e := range o.Extra {
		if e.Required && s.Extra[e.Name] == "" {
			return false
		}
	}
	return true
}

// Config is the oauth2 configuration of the provider with redirectURL.
func (o *OAuth) Config(s Settings, redirectURL string) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     s.ClientID,
		ClientSecret: s.ClientSecret,
		Endpoint:     oauth2.Endpoint{AuthURL: s.AuthURL, TokenURL: s.TokenURL, AuthStyle: o.AuthStyle},
		RedirectURL:  redirectURL,
		Scopes:       o.Scopes,
	}
}

// Vars documents the provider's variables, displayName naming it.
func (o *OAuth) Vars(displayName string) []config.Var {
	vars := []config.Var{
		{Name: o.Env + "_CLIENT_ID", Doc: displayName + " OAuth client id; the provider is offered for connection when its id and secret are set."},
		{Name: o.Env + "_CLIENT_SECRET", Doc: displayName + " OAuth client secret."},
	}
	if o.WebhookSecret != "" {
		vars = append(vars, config.Var{Name: o.Env + "_WEBHOOK_SECRET", Doc: o.WebhookSecret})
	}
	vars = append(vars,
		config.Var{Name: o.Env + "_AUTH_URL", Default: o.AuthURL, Doc: displayName + " authorisation URL (changed only for tests)."},
		config.Var{Name: o.Env + "_TOKEN_URL", Default: o.TokenURL, Doc: displayName + " token URL (changed only for tests)."},
		config.Var{Name: o.Env + "_API_URL", Default: o.APIURL, Doc: displayName + " API base URL (changed only for tests)."},
	)
	for _, e := range o.Extra {
		vars = append(vars, config.Var{Name: e.Name, Default: e.Default, Doc: e.Doc})
	}
	return vars
}
