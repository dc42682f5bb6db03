package gateway

// The OAuth connect flow. GET /api/v1/oauth/{provider}/authorize (API key)
// answers the provider's authorisation URL and a state that carries the
// flow, signed and expiring (ingest.StateSigner), with the PKCE verifier
// encrypted in it for providers that need PKCE. The provider sends the user
// back to GET /api/v1/oauth/{provider}/callback, which checks the state,
// exchanges the code, reads the provider's account of the user (and
// registers the user where the provider requires it), stores the tokens
// encrypted in wearables.state.connections, produces connection.created,
// queues the history backfill and redirects to the redirect_uri.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/ingest/jobs"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/schemas"
)

// providerHTTP sends the gateway's own requests to providers: token
// exchanges, account lookups and deregistrations.
var providerHTTP = &http.Client{Timeout: 30 * time.Second}

// oauthProvider returns the path's provider when users can connect it.
func (g *Gateway) oauthProvider(c *fiber.Ctx) (ingest.Provider, ingest.Settings, error) {
	name := c.Params("provider")
	p, ok := ingest.Lookup(name)
	if !ok {
		return p, ingest.Settings{}, notFound("provider " + name + " not found")
	}
	if p.OAuth == nil {
		return p, ingest.Settings{}, badRequest("invalid_provider", "provider: "+name+" has no cloud account to connect")
	}
	s := jobs.Settings(g.env, p)
	if !p.OAuth.Configured(s) {
		return p, s, newError(http.StatusServiceUnavailable, "provider_not_configured", "provider: "+name+" is not configured on this deployment (set "+p.OAuth.Env+"_CLIENT_ID and "+p.OAuth.Env+"_CLIENT_SECRET)")
	}
	return p, s, nil
}

func (g *Gateway) stateSigner() (*ingest.StateSigner, error) {
	key, err := secrets.ParseKey(g.env.Config.SecretKey)
	if err != nil {
		return nil, unavailable("OAuth is not available: the secret key is not configured")
	}
	return ingest.NewStateSigner(key)
}

// authorize answers GET /oauth/{provider}/authorize?user_id=&redirect_uri=.
func (g *Gateway) authorize(c *fiber.Ctx) error {
	p, s, err := g.oauthProvider(c)
	if err != nil {
		return err
	}
	if who(c).SDK {
		return newError(http.StatusForbidden, "forbidden", "SDK access tokens cannot start a connection; use an API key")
	}
	userID := c.Query("user_id")
	if userID == "" {
		return badRequest("missing_user_id", "user_id: required")
	}
	u, ok := g.env.Tables.Users.Get(userID)
	if !ok || u.Tenant != who(c).Tenant {
		return notFound("user " + userID + " not found")
	}
	if !jobs.Enabled(g.env, u.Tenant, p) {
		return badRequest("provider_disabled", "provider: "+p.Name+" is disabled for this tenant; enable it with PUT /api/v1/oauth/providers/"+p.Name)
	}
	redirect := c.Query("redirect_uri")
	if len(redirect) > maxURLLen {
		return badRequest("invalid_redirect_uri", "redirect_uri: longer than 2048 characters")
	}
	if redirect != "" {
		r, err := url.Parse(redirect)
		if err != nil || (r.Scheme != "https" && r.Scheme != "http") || r.Host == "" {
			return badRequest("invalid_redirect_uri", "redirect_uri: want an absolute http(s) URL")
		}
	}
	signer, err := g.stateSigner()
	if err != nil {
		return err
	}
	st := ingest.State{Tenant: u.Tenant, UserID: u.ID, Provider: p.Name, RedirectURI: redirect, Expires: g.now().Add(ingest.StateTTL)}
	var opts []oauth2.AuthCodeOption
	if p.OAuth.PKCE {
		st.Verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(st.Verifier))
	}
	state := signer.Sign(st)
	authURL := p.OAuth.Config(s, jobs.CallbackURL(g.env, p.Name)).AuthCodeURL(state, opts...)
	return c.JSON(fiber.Map{"authorization_url": authURL, "state": state})
}

// oauthCallback answers GET /oauth/{provider}/callback?code=&state=&error=.
func (g *Gateway) oauthCallback(c *fiber.Ctx) error {
	p, s, err := g.oauthProvider(c)
	if err != nil {
		return err
	}
	signer, err := g.stateSigner()
	if err != nil {
		return err
	}
	st, err := signer.Verify(c.Query("state"), g.now())
	if err != nil || st.Provider != p.Name {
		return badRequest("invalid_state", "state: the authorisation expired or was not started here; start again at /api/v1/oauth/"+p.Name+"/authorize")
	}
	if err := g.claimState(c, c.Query("state"), st.Expires); err != nil {
		return err
	}
	fail := func(code, message string) error {
		if st.RedirectURI == "" {
			return badRequest(code, message)
		}
		return c.Redirect(withQuery(st.RedirectURI, url.Values{"status": {"error"}, "provider": {p.Name}, "error": {code}, "message": {message}}), http.StatusSeeOther)
	}
	if e := c.Query("error"); e != "" {
		return fail("authorization_denied", "the provider answered "+e+": "+c.Query("error_description"))
	}
	code := c.Query("code")
	if code == "" {
		return fail("missing_code", "code: required")
	}
	u, ok := g.env.Tables.Users.Get(st.UserID)
	if !ok || u.Tenant != st.Tenant {
		return fail("user_not_found", "the user was deleted during the authorisation")
	}
	if !jobs.Enabled(g.env, u.Tenant, p) {
		return fail("provider_disabled", "the provider was disabled during the authorisation")
	}
	ctx, cancel := context.WithTimeout(context.WithValue(c.UserContext(), oauth2.HTTPClient, providerHTTP), 60*time.Second)
	defer cancel()
	var opts []oauth2.AuthCodeOption
	if st.Verifier != "" {
		opts = append(opts, oauth2.VerifierOption(st.Verifier))
	}
	tok, err := p.OAuth.Config(s, jobs.CallbackURL(g.env, p.Name)).Exchange(ctx, code, opts...)
	if err != nil {
		g.env.Logger.Warn("oauth code exchange failed", "provider", p.Name, "err", err)
		return fail("exchange_failed", "the provider did not accept the authorisation code")
	}
	acct := ingest.Account{}
	if p.OAuth.Identify != nil {
		sess := &ingest.Session{Provider: p.Name, Settings: s, AccessToken: tok.AccessToken, UserID: u.ID, HTTP: providerHTTP, Header: p.OAuth.Header}
		if acct, err = p.OAuth.Identify(ctx, sess, tok); err != nil {
			g.env.Logger.Warn("provider account lookup failed", "provider", p.Name, "err", err)
			return fail("account_lookup_failed", "the provider did not answer who the user is")
		}
	}
	if p.OAuth.MaxAccounts != nil {
		if limit := p.OAuth.MaxAccounts(s); limit > 0 && g.otherAccounts(p.Name, acct.UserID) >= limit {
			if p.OAuth.Deregister != nil {
				sess := &ingest.Session{Provider: p.Name, Settings: s, AccessToken: tok.AccessToken, UserID: u.ID, ProviderUserID: acct.UserID, HTTP: providerHTTP, Header: p.OAuth.Header}
				if err := p.OAuth.Deregister(ctx, sess); err != nil {
					g.env.Logger.Warn("refused account not deauthorised", "provider", p.Name, "err", err)
				}
			}
			return fail("account_limit", fmt.Sprintf("this deployment connects at most %d %s account(s); disconnect one before connecting another", limit, p.DisplayName))
		}
	}
	// The connection is not done until its backfill is queued: a success
	// without it would never fetch the user's history (the scheduler polls
	// from the connection's cursor only). Authorising again is safe.
	unavailableNow := func(message string) error {
		if st.RedirectURI == "" {
			return unavailable(message)
		}
		return fail("unavailable", message)
	}
	conn, err := jobs.Connect(ctx, g.env, u.Tenant, u.ID, p.Name, tok, acct, g.now())
	if err != nil {
		g.env.Logger.Warn("connection not saved", "provider", p.Name, "err", err)
		return unavailableNow("the event store is unavailable; the connection was not recorded, authorise again later")
	}
	run, err := jobs.StartBackfill(ctx, g.env, p, conn, g.now())
	if err != nil {
		g.env.Logger.Warn("backfill not queued", "provider", p.Name, "user_id", u.ID, "err", err)
		return unavailableNow("the event store is unavailable; the history of the account could not be queued, authorise again later")
	}
	if st.RedirectURI == "" {
		return c.JSON(fiber.Map{"status": "success", "provider": p.Name, "user_id": u.ID, "connection_id": conn.ID, "backfill_run_id": run})
	}
	return c.Redirect(withQuery(st.RedirectURI, url.Values{"status": {"success"}, "provider": {p.Name}, "user_id": {u.ID}}), http.StatusSeeOther)
}

// claimState uses up an OAuth state: the first callback that claims it
// goes on, every later one (on any gateway) is refused. Claims of expired
// states are forgotten as callbacks come.
func (g *Gateway) claimState(c *fiber.Ctx, state string, expires time.Time) error {
	table := g.env.Tables.OAuthStates
	hash := secrets.Hash("oauth-state:" + state)
	used := badRequest("invalid_state", "state: already used; start again at /api/v1/oauth/"+c.Params("provider")+"/authorize")
	if prev, ok := table.Get(hash); ok && prev.ClaimedBy != "" {
		return used
	}
	claim := schemas.OAuthState{Hash: hash, ClaimedBy: uuid.NewString(), ExpiresAt: expires}
	ctx := c.UserContext()
	if err := table.Put(ctx, hash, claim); err != nil {
		return unavailable("cannot record the authorisation; retry later")
	}
	if won, _ := table.Get(hash); won.ClaimedBy != claim.ClaimedBy {
		return used
	}
	var expired []string
	now := g.now()
	table.Range(func(key string, s schemas.OAuthState) bool {
		if now.After(s.ExpiresAt.Add(time.Minute)) {
			expired = append(expired, key)
		}
		return len(expired) < 100
	})
	for _, key := range expired {
		if err := table.Delete(ctx, key); err != nil {
			g.env.Logger.Warn("cannot forget an expired oauth state", "err", err)
			break
		}
	}
	return nil
}

// withQuery adds q to the query of target.
func withQuery(target string, q url.Values) string {
	u, err := url.Parse(target)
	if err != nil {
		return target
	}
	merged := u.Query()
	for k, v := range q {
		merged[k] = v
	}
	u.RawQuery = merged.Encode()
	return u.String()
}

// otherAccounts counts the provider accounts other than providerUserID
// that active connections of provider hold.
func (g *Gateway) otherAccounts(provider, providerUserID string) int {
	seen := map[string]bool{}
	g.env.Tables.Connections.Range(func(_ string, c schemas.Connection) bool {
		if c.Provider == provider && c.Status == schemas.ConnectionActive && c.ProviderUserID != providerUserID {
			seen[c.ProviderUserID] = true
		}
		return true
	})
	return len(seen)
}
