package gateway

// The SDK token flow (Open Wearables' §4.1, with its known failure fixed):
//
//   - POST /api/v1/users/{user_id}/token, with {app_id, app_secret} or an
//     API key, mints an access token (HS256 JWT: sub = user, tenant,
//     app_id, scope = sdk, exp) and an opaque refresh token ("rt-…").
//   - POST /api/v1/token/refresh rotates the pair. The successor of a
//     refresh token is derived from it (tokens.Keys.Successor) and the new
//     access token from the rotation time, so for a grace window
//     (WEARSTREAM_SDK_REFRESH_GRACE) the replaced token answers with exactly
//     the same new pair: concurrent refreshes from one app all succeed with
//     one pair instead of logging the user out (Open Wearables issue
//     #1379). Rotations of one token in this process are serialised; two
//     gateways rotating it at the same instant hand out the same refresh
//     token and two valid access tokens.
//   - POST /api/v1/token/revoke forgets a refresh token and its whole
//     rotation family: the tokens it replaced, which still answer inside
//     their grace window, and the ones that replaced it.
//   - POST /api/v1/users/{user_id}/invitation-code makes a single-use
//     8-character code (older codes of the user are revoked), which an app
//     redeems at POST /api/v1/invitation-code/redeem for a pair.
//
// Refresh tokens and codes are stored under a keyed hash only; access
// tokens are not stored at all.

import (
	"github.com/google/uuid"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/secrets"
	"github.com/wearstream/wearstream/internal/tokens"
	"github.com/wearstream/wearstream/schemas"
)

// appIDInvitation is the app_id of tokens minted by redeeming a code.
const appIDInvitation = "invitation"

// WithClock sets the gateway's clock (tests move it to expire tokens).
func WithClock(now func() time.Time) Option {
	return func(g *Gateway) { g.now = now }
}

// sdkKeys derives the token keys from the configured secret key; nil when
// it is unusable (app.Open refuses that, so only hand-made envs see it).
func sdkKeys(env *app.Env) *tokens.Keys {
	key, err := secrets.ParseKey(env.Config.SecretKey)
	if err != nil {
		return nil
	}
	k, err := tokens.NewKeys(key)
	if err != nil {
		return nil
	}
	return k
}

// keyLocks serialises work on one key (a refresh token or code hash)
// with a fixed set of mutexes.
type keyLocks [64]sync.Mutex

func newKeyLocks() *keyLocks { return new(keyLocks) }

func (l *keyLocks) lock(key string) func() {
	h := fnv.New32a()
	h.Write([]byte(key))
	m := &l[h.Sum32()%uint32(len(l))]
	m.Lock()
	return m.Unlock
}

// tokenResponse is Open Wearables' token answer.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	UserID       string `json:"user_id,omitempty"`
}

func (g *Gateway) requireKeys() error {
	if g.keys == nil {
		return unavailable("SDK tokens are not available: the secret key is not configured")
	}
	return nil
}

// accessToken signs the access token of a user issued at iat.
func (g *Gateway) accessToken(tenant, userID, appID string, iat time.Time) (string, time.Time) {
	exp := iat.Add(g.env.Config.SDKAccessTokenTTL)
	return g.keys.Sign(tokens.Claims{
		Subject: userID, Tenant: tenant, AppID: appID, Scope: tokens.ScopeSDK,
		IssuedAt: iat.Unix(), ExpiresAt: exp.Unix(),
	}), exp
}

func (g *Gateway) pair(access string, exp time.Time, refresh string) tokenResponse {
	in := int64(exp.Sub(g.now()).Seconds())
	if in < 0 {
		in = 0
	}
	return tokenResponse{AccessToken: access, TokenType: "bearer", RefreshToken: refresh, ExpiresIn: in}
}

// issuePair mints a new access token and a new random refresh token.
func (g *Gateway) issuePair(c *fiber.Ctx, tenant, userID, appID string) (tokenResponse, error) {
	now := g.now().UTC().Truncate(time.Millisecond)
	refresh := tokens.NewRefreshToken()
	rec := schemas.RefreshToken{
		Hash: g.keys.Hash(refresh), Tenant: tenant, UserID: userID, AppID: appID,
		CreatedAt: now, ExpiresAt: now.Add(g.env.Config.SDKRefreshTokenTTL),
	}
	if err := g.env.Tables.RefreshTokens.Put(c.UserContext(), rec.Hash, rec); err != nil {
		return tokenResponse{}, unavailable("cannot store the refresh token; retry later")
	}
	access, exp := g.accessToken(tenant, userID, appID, now)
	return g.pair(access, exp, refresh), nil
}

type issueRequest struct {
	AppID     string `json:"app_id"`
	AppSecret string `json:"app_secret"`
}

// issueToken mints a pair for a user, authenticated by the tenant's
// application credentials in the body or by an API key.
func (g *Gateway) issueToken(c *fiber.Ctx) error {
	if err := g.requireKeys(); err != nil {
		return err
	}
	var tenant, appID string
	if apiKey(c) != "" {
		p, err := g.apiKeyPrincipal(c)
		if err != nil {
			g.failedGuess(c, guessAPIKey, guessAPIKey.String(), "invalid API key")
			return err
		}
		if ParseRole(p.Role) < RoleMember {
			return newError(http.StatusForbidden, "insufficient_role", "this API key has role "+p.Role+"; minting SDK tokens needs role member or higher")
		}
		tenant, appID = p.Tenant, p.appID()
	} else {
		req, err := parseIssue(c.Body())
		if err != nil {
			return err
		}
		if req.AppID == "" || req.AppSecret == "" {
			return newError(http.StatusUnauthorized, "unauthorized", "authentication required: send app_id and app_secret in the body, or an API key in the X-API-Key header")
		}
		a, ok := g.env.Tables.Applications.Get(req.AppID)
		// The hash is compared in constant time; an unknown app costs the same hash.
		if got := secrets.Hash(req.AppSecret); !ok || !secrets.Equal(got, a.SecretHash) {
			g.failedGuess(c, guessAPIKey, guessAPIKey.String(), "invalid application credentials")
			return newError(http.StatusUnauthorized, "unauthorized", "app_id or app_secret: invalid application credentials")
		}
		if _, ok := g.env.Tables.Tenants.Get(a.Tenant); !ok {
			return newError(http.StatusUnauthorized, "unauthorized", "the application's tenant no longer exists")
		}
		tenant, appID = a.Tenant, a.ID
	}
	c.Locals(localPrincipal, principal{Tenant: tenant})
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	out, err := g.issuePair(c, tenant, u.ID, appID)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

func (g *Gateway) refreshTokenOf(c *fiber.Ctx) (string, error) {
	return parseRefresh(c.Body())
}

// maxTokenLen bounds a refresh token, an app id or an app secret as sent.
const maxTokenLen = 256

// parseRefresh reads the body of /token/refresh and /token/revoke.
func parseRefresh(body []byte) (string, error) {
	var req refreshRequest
	if err := decodeBody(body, &req); err != nil {
		return "", err
	}
	req.RefreshToken = strings.TrimSpace(req.RefreshToken)
	if req.RefreshToken == "" {
		return "", badRequest("invalid_field", "refresh_token: required")
	}
	if len(req.RefreshToken) > maxTokenLen {
		return "", badRequest("invalid_field", "refresh_token: longer than any refresh token")
	}
	return req.RefreshToken, nil
}

// parseIssue reads the application credentials of /users/{user_id}/token.
func parseIssue(body []byte) (issueRequest, error) {
	var req issueRequest
	if err := decodeBody(body, &req); err != nil {
		return req, err
	}
	if len(req.AppID) > maxTokenLen || len(req.AppSecret) > maxTokenLen {
		return req, badRequest("invalid_field", "app_id or app_secret: longer than any credential")
	}
	return req, nil
}

// parseRedeem reads the body of /invitation-code/redeem: the code as
// typed, and whether it can be a code at all.
func parseRedeem(body []byte) (raw, code string, ok bool, err error) {
	var req redeemRequest
	if err := decodeBody(body, &req); err != nil {
		return "", "", false, err
	}
	code, ok = tokens.NormalizeCode(req.Code)
	return req.Code, code, ok, nil
}

func invalidRefresh(why string) error {
	return newError(http.StatusUnauthorized, "invalid_token", "refresh_token: "+why)
}

// refreshToken rotates a refresh token; see the top of this file for the
// grace window.
func (g *Gateway) refreshToken(c *fiber.Ctx) error {
	if err := g.requireKeys(); err != nil {
		return err
	}
	old, err := g.refreshTokenOf(c)
	if err != nil {
		return err
	}
	hash := g.keys.Hash(old)
	defer g.locks.lock(hash)()

	table := g.env.Tables.RefreshTokens
	rec, ok := table.Get(hash)
	if !ok {
		g.failedGuess(c, guessRefresh, guessRefresh.String(), "unknown or revoked refresh token")
		return invalidRefresh("invalid or revoked")
	}
	now := g.now().UTC().Truncate(time.Millisecond)
	if !rec.ExpiresAt.IsZero() && !now.Before(rec.ExpiresAt) {
		return invalidRefresh("expired: ask for new tokens")
	}
	if u, ok := g.env.Tables.Users.Get(rec.UserID); !ok || u.Tenant != rec.Tenant {
		return invalidRefresh("its user no longer exists")
	}
	if strings.HasPrefix(rec.AppID, tokens.AppIDPrefix) {
		if _, ok := g.env.Tables.Applications.Get(rec.AppID); !ok {
			return invalidRefresh("its application was deleted")
		}
	}
	next := g.keys.Successor(old)
	if rec.ReplacedBy != "" {
		// Already rotated: within the grace window the same new pair,
		// after it a refusal.
		if !now.Before(rec.ReplacedAt.Add(g.env.Config.SDKRefreshGrace)) {
			return invalidRefresh("already used: it was replaced by a newer token")
		}
		// A revoked successor ends the grace: revocation ends the family.
		if _, ok := table.Get(rec.ReplacedBy); !ok {
			return invalidRefresh("invalid or revoked")
		}
		access, exp := g.accessToken(rec.Tenant, rec.UserID, rec.AppID, rec.ReplacedAt)
		return c.JSON(g.pair(access, exp, next))
	}

	ctx := c.UserContext()
	nextRec := schemas.RefreshToken{
		Hash: g.keys.Hash(next), Tenant: rec.Tenant, UserID: rec.UserID, AppID: rec.AppID,
		CreatedAt: now, ExpiresAt: now.Add(g.env.Config.SDKRefreshTokenTTL), Replaces: hash,
	}
	// The successor is stored first: if the second write fails, the old
	// token is still unrotated and a retry derives the same successor.
	if err := table.Put(ctx, nextRec.Hash, nextRec); err != nil {
		return unavailable("cannot store the refresh token; retry later")
	}
	rec.ReplacedBy, rec.ReplacedAt = nextRec.Hash, now
	if err := table.Put(ctx, hash, rec); err != nil {
		return unavailable("cannot store the refresh token; retry later")
	}
	// The token this one replaced is past its grace window by now unless
	// the app refreshes very fast; forget it then, so a chain of rotations
	// keeps two records, not one per rotation.
	if rec.Replaces != "" && now.After(rec.CreatedAt.Add(g.env.Config.SDKRefreshGrace)) {
		if err := table.Delete(ctx, rec.Replaces); err != nil {
			g.env.Logger.Warn("cannot delete a replaced refresh token", "err", err)
		}
	}
	access, exp := g.accessToken(rec.Tenant, rec.UserID, rec.AppID, now)
	return c.JSON(g.pair(access, exp, next))
}

// revokeToken forgets a refresh token: 204, or 404 when it is unknown.
func (g *Gateway) revokeToken(c *fiber.Ctx) error {
	if err := g.requireKeys(); err != nil {
		return err
	}
	tok, err := g.refreshTokenOf(c)
	if err != nil {
		return err
	}
	hash := g.keys.Hash(tok)
	defer g.locks.lock(hash)()
	if _, ok := g.env.Tables.RefreshTokens.Get(hash); !ok {
		g.failedGuess(c, guessRefresh, guessRefresh.String(), "revoke of an unknown refresh token")
		return notFound("refresh_token: unknown or already revoked")
	}
	// The whole rotation family goes: the tokens this one replaced (still
	// answering inside their grace window) and the ones that replaced it,
	// so that logging out right after a refresh really logs out.
	ctx := c.UserContext()
	for _, h := range g.refreshFamily(hash) {
		if err := g.env.Tables.RefreshTokens.Delete(ctx, h); err != nil {
			return unavailable("cannot revoke the refresh token; retry later")
		}
	}
	return c.SendStatus(http.StatusNoContent)
}

// refreshFamily returns the hashes of every stored refresh token linked to
// hash by rotations, in either direction, hash included.
func (g *Gateway) refreshFamily(hash string) []string {
	table := g.env.Tables.RefreshTokens
	seen := map[string]bool{hash: true}
	family := []string{hash}
	for i := 0; i < len(family); i++ {
		rec, ok := table.Get(family[i])
		if !ok {
			continue
		}
		for _, h := range []string{rec.Replaces, rec.ReplacedBy} {
			if h != "" && !seen[h] {
				seen[h] = true
				family = append(family, h)
			}
		}
	}
	return family
}

type invitationResponse struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// createInvitationCode makes a single-use pairing code for a user and
// revokes the user's older codes.
func (g *Gateway) createInvitationCode(c *fiber.Ctx) error {
	if err := g.requireKeys(); err != nil {
		return err
	}
	u, err := g.userOf(c, "user_id")
	if err != nil {
		return err
	}
	table := g.env.Tables.InvitationCodes
	var older []string
	table.Range(func(key string, ic schemas.InvitationCode) bool {
		if ic.UserID == u.ID && ic.Tenant == u.Tenant {
			older = append(older, key)
		}
		return true
	})
	ctx := c.UserContext()
	for _, key := range older {
		if err := table.Delete(ctx, key); err != nil {
			return unavailable("cannot revoke the user's older invitation codes; retry later")
		}
	}
	now := g.now().UTC().Truncate(time.Millisecond)
	code := tokens.NewCode()
	ic := schemas.InvitationCode{
		Hash: g.keys.Hash(code), ID: secrets.NewID("inv_"), Tenant: u.Tenant, UserID: u.ID,
		CreatedBy: who(c).KeyID, CreatedAt: now, ExpiresAt: now.Add(g.env.Config.InvitationCodeTTL),
	}
	if err := table.Put(ctx, ic.Hash, ic); err != nil {
		return unavailable("cannot store the invitation code; retry later")
	}
	return c.Status(http.StatusCreated).JSON(invitationResponse{ID: ic.ID, Code: code, UserID: u.ID, ExpiresAt: ic.ExpiresAt, CreatedAt: ic.CreatedAt})
}

type redeemRequest struct {
	Code string `json:"code"`
}

// redeemInvitationCode exchanges a code, once, for a token pair.
func (g *Gateway) redeemInvitationCode(c *fiber.Ctx) error {
	if err := g.requireKeys(); err != nil {
		return err
	}
	raw, code, ok, err := parseRedeem(c.Body())
	if err != nil {
		return err
	}
	invalid := badRequest("invalid_code", "code: invalid, expired or already used")
	if !ok {
		if strings.TrimSpace(raw) == "" {
			return badRequest("invalid_field", "code: required")
		}
		g.failedGuess(c, guessInvitation, guessInvitation.String(), "malformed invitation code")
		return invalid
	}
	hash := g.keys.Hash(code)
	defer g.locks.lock(hash)()
	table := g.env.Tables.InvitationCodes
	ic, ok := table.Get(hash)
	if !ok || !tokens.Equal(ic.Hash, hash) || ic.RedeemedBy != "" {
		g.failedGuess(c, guessInvitation, guessInvitation.String(), "unknown or used invitation code")
		return invalid
	}
	now := g.now()
	if !now.Before(ic.ExpiresAt) {
		return invalid
	}
	if u, ok := g.env.Tables.Users.Get(ic.UserID); !ok || u.Tenant != ic.Tenant {
		return invalid
	}
	// Used up before the tokens exist: a failure afterwards costs the user
	// a new code, never a second redemption. The claim goes through the
	// log: when gateways redeem the same code at once, every process
	// keeps the first claim (schemas.FirstRedemption), so exactly one wins.
	claim := ic
	claim.RedeemedBy = uuid.NewString()
	if err := table.Put(c.UserContext(), hash, claim); err != nil {
		return unavailable("cannot redeem the invitation code; retry later")
	}
	if won, _ := table.Get(hash); won.RedeemedBy != claim.RedeemedBy {
		return invalid
	}
	out, err := g.issuePair(c, ic.Tenant, ic.UserID, appIDInvitation)
	if err != nil {
		return err
	}
	out.UserID = ic.UserID
	return c.JSON(out)
}
