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
//   - POST /api/v1/token/revoke forgets a refresh token.
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

func (g *Gateway) publicTokenRoutes(v1 fiber.Router) {
	v1.Post("/users/:user_id/token", g.issueToken)
	v1.Post("/token/refresh", g.refreshToken)
	v1.Post("/token/revoke", g.revokeToken)
	v1.Post("/invitation-code/redeem", g.redeemInvitationCode)
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
			return err
		}
		tenant, appID = p.Tenant, p.appID()
	} else {
		var req issueRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.AppID == "" || req.AppSecret == "" {
			return newError(http.StatusUnauthorized, "unauthorized", "authentication required: send app_id and app_secret in the body, or an API key in the X-API-Key header")
		}
		a, ok := g.env.Tables.Applications.Get(req.AppID)
		// The hash is compared in constant time; an unknown app costs the same hash.
		if got := secrets.Hash(req.AppSecret); !ok || !secrets.Equal(got, a.SecretHash) {
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
	var req refreshRequest
	if err := decodeJSON(c, &req); err != nil {
		return "", err
	}
	req.RefreshToken = strings.TrimSpace(req.RefreshToken)
	if req.RefreshToken == "" {
		return "", badRequest("invalid_field", "refresh_token: required")
	}
	return req.RefreshToken, nil
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
	rec, ok := g.env.Tables.RefreshTokens.Get(hash)
	if !ok {
		return notFound("refresh_token: unknown or already revoked")
	}
	ctx := c.UserContext()
	// A token revoked inside its grace window takes its successor along,
	// so that logging out right after a refresh really logs out.
	if rec.ReplacedBy != "" {
		if err := g.env.Tables.RefreshTokens.Delete(ctx, rec.ReplacedBy); err != nil {
			return unavailable("cannot revoke the refresh token; retry later")
		}
	}
	if err := g.env.Tables.RefreshTokens.Delete(ctx, hash); err != nil {
		return unavailable("cannot revoke the refresh token; retry later")
	}
	return c.SendStatus(http.StatusNoContent)
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
	var req redeemRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	invalid := badRequest("invalid_code", "code: invalid, expired or already used")
	code, ok := tokens.NormalizeCode(req.Code)
	if !ok {
		if strings.TrimSpace(req.Code) == "" {
			return badRequest("invalid_field", "code: required")
		}
		return invalid
	}
	hash := g.keys.Hash(code)
	defer g.locks.lock(hash)()
	table := g.env.Tables.InvitationCodes
	ic, ok := table.Get(hash)
	if !ok || !tokens.Equal(ic.Hash, hash) || ic.RedeemedBy != "" {
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
