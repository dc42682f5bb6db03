// Package jobs is the ingest side of wearstream: users' provider
// connections (tokens encrypted at rest, refreshed before they expire,
// revoked when the provider or the user ends them), the jobs topic that
// spreads fetch work across ingest workers by Kafka partition, the worker
// that runs polls, backfills and webhook-named fetches with the user's
// token and produces what it fetched to the provider's raw topic, and the
// scheduler that polls each connection on an interval.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/oauth2"

	"github.com/wearstream/wearstream/ingest"
	"github.com/wearstream/wearstream/internal/app"
	"github.com/wearstream/wearstream/internal/state"
	"github.com/wearstream/wearstream/schemas"
)

// The reasons a connection ends (connection.revoked's reason).
const (
	ReasonUserDisconnected = "user_disconnected"
	ReasonRefreshFailed    = "refresh_failed"
	ReasonDeregistration   = "deregistration"
)

// ErrRevoked is returned when a connection is not (or no longer) active.
var ErrRevoked = errors.New("the connection is revoked")

// refreshAhead is how long before its expiry a token is refreshed.
const refreshAhead = 5 * time.Minute

// ConnectionID is the id of a user's connection to a provider: the same
// across reconnections, so that webhook receivers see one connection.
func ConnectionID(tenant, userID, provider string) string {
	return schemas.NameID(tenant, userID, provider, "connection")
}

// Settings are provider p's credentials as configured in env. Without
// <ENV>_WEBHOOK_SECRET, the webhook secret is the one the provider issued
// when wearstream registered its webhook (Polar's), if any.
func Settings(env *app.Env, p ingest.Provider) ingest.Settings {
	if p.OAuth == nil {
		return ingest.Settings{}
	}
	s := p.OAuth.Settings(env.Config.Getenv)
	if s.WebhookSecret == "" && p.Subscriptions != nil {
		s.WebhookSecret = registeredSecret(env, p.Name)
	}
	return s
}

// CallbackURL is provider's OAuth redirect URI.
func CallbackURL(env *app.Env, provider string) string {
	return env.Config.PublicURL + "/api/v1/oauth/" + provider + "/callback"
}

// SealToken stores tok in c, encrypted with c.ID as associated data. A
// token without a refresh token keeps c's current one.
func SealToken(env *app.Env, c *schemas.Connection, tok *oauth2.Token) {
	c.AccessTokenEnc = env.Box.Seal([]byte(tok.AccessToken), []byte(c.ID+"/access"))
	if tok.RefreshToken != "" {
		c.RefreshTokenEnc = env.Box.Seal([]byte(tok.RefreshToken), []byte(c.ID+"/refresh"))
	}
	c.TokenType = tok.TokenType
	c.ExpiresAt = time.Time{}
	if !tok.Expiry.IsZero() {
		c.ExpiresAt = tok.Expiry.UTC().Truncate(time.Millisecond)
	}
}

// OpenToken decrypts c's tokens.
func OpenToken(env *app.Env, c schemas.Connection) (*oauth2.Token, error) {
	if len(c.AccessTokenEnc) == 0 {
		return nil, ErrRevoked
	}
	access, err := env.Box.Open(c.AccessTokenEnc, []byte(c.ID+"/access"))
	if err != nil {
		return nil, fmt.Errorf("cannot decrypt the access token of connection %s: %w", c.ID, err)
	}
	tok := &oauth2.Token{AccessToken: string(access), TokenType: c.TokenType}
	if len(c.RefreshTokenEnc) > 0 {
		refresh, err := env.Box.Open(c.RefreshTokenEnc, []byte(c.ID+"/refresh"))
		if err != nil {
			return nil, fmt.Errorf("cannot decrypt the refresh token of connection %s: %w", c.ID, err)
		}
		tok.RefreshToken = string(refresh)
	}
	if c.ExpiresAt.Unix() > 0 {
		tok.Expiry = c.ExpiresAt
	}
	return tok, nil
}

// Lifecycle produces a connection or sync event to the lifecycle topic.
func Lifecycle(ctx context.Context, env *app.Env, ev schemas.Lifecycle) error {
	if ev.ID == "" {
		ev.ID = schemas.NameID(ev.Tenant, ev.UserID, ev.Type, ev.ConnectionID, ev.RunID, ev.OccurredAt.UTC().Format(time.RFC3339Nano))
	}
	value, err := env.Serde.Encode(ev)
	if err != nil {
		return err
	}
	rec := &kgo.Record{Topic: env.Topics.Lifecycle(), Key: []byte(ev.UserID), Value: value}
	if err := env.Producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("cannot produce %s: %w", ev.Type, err)
	}
	return nil
}

// Enqueue produces a job to the jobs topic, keyed by its user.
func Enqueue(ctx context.Context, env *app.Env, j schemas.IngestJob) error {
	if j.ID == "" {
		j.ID = uuid.NewString()
	}
	if j.CreatedAt.IsZero() {
		j.CreatedAt = time.Now().UTC().Truncate(time.Millisecond)
	}
	if j.Permissions == nil {
		j.Permissions = []string{}
	}
	value, err := env.Serde.Encode(j)
	if err != nil {
		return err
	}
	rec := &kgo.Record{Topic: env.Topics.IngestJobs(), Key: []byte(j.UserID), Value: value}
	if err := env.Producer.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("cannot enqueue %s job: %w", j.Kind, err)
	}
	return nil
}

// Connect saves a newly authorised connection and announces it with
// connection.created; it returns the saved connection.
func Connect(ctx context.Context, env *app.Env, tenant, userID, provider string, tok *oauth2.Token, acct ingest.Account, now time.Time) (schemas.Connection, error) {
	now = now.UTC().Truncate(time.Millisecond)
	key := schemas.ConnectionKey(tenant, userID, provider)
	c, ok := env.Tables.Connections.Get(key)
	if !ok {
		c = schemas.Connection{ID: ConnectionID(tenant, userID, provider), Tenant: tenant, UserID: userID, Provider: provider, CreatedAt: now}
	}
	c.RefreshTokenEnc = nil
	SealToken(env, &c, tok)
	c.ProviderUserID, c.ProviderUsername = acct.UserID, acct.Username
	c.Scopes = acct.Scopes
	if c.Scopes == nil {
		c.Scopes = []string{}
	}
	c.Status, c.Reason = schemas.ConnectionActive, ""
	c.UpdatedAt, c.RefreshedAt = now, now
	if c.LastSyncedAt.Unix() <= 0 {
		c.LastSyncedAt = now
	}
	if err := env.Tables.Connections.Put(ctx, key, c); err != nil {
		return c, err
	}
	return c, Lifecycle(ctx, env, schemas.Lifecycle{
		Tenant: tenant, UserID: userID, Type: schemas.EventConnectionCreated, Provider: provider,
		OccurredAt: now, ConnectionID: c.ID, Status: schemas.ConnectionActive,
	})
}

// Revoke ends a connection: connection.revoked is produced, then its tokens
// are dropped and its status is revoked with reason. Revoking a revoked
// connection does nothing.
func Revoke(ctx context.Context, env *app.Env, key, reason string, now time.Time) (schemas.Connection, error) {
	c, ok := env.Tables.Connections.Get(key)
	if !ok {
		return c, fmt.Errorf("cannot revoke connection %s: %w", key, ErrRevoked)
	}
	if c.Status != schemas.ConnectionActive {
		return c, nil
	}
	now = now.UTC().Truncate(time.Millisecond)
	// The event goes first, with an id from the connection's state before
	// the change: a revoke that fails after it runs again with the same id.
	err := Lifecycle(ctx, env, schemas.Lifecycle{
		ID:     schemas.NameID(c.Tenant, c.UserID, schemas.EventConnectionRevoked, c.ID, c.UpdatedAt.UTC().Format(time.RFC3339Nano)),
		Tenant: c.Tenant, UserID: c.UserID, Type: schemas.EventConnectionRevoked, Provider: c.Provider,
		OccurredAt: now, ConnectionID: c.ID, Reason: reason, Status: schemas.ConnectionRevoked,
	})
	if err != nil {
		return c, err
	}
	c.Status, c.Reason = schemas.ConnectionRevoked, reason
	c.AccessTokenEnc, c.RefreshTokenEnc, c.ExpiresAt = nil, nil, time.Time{}
	c.UpdatedAt = now
	return c, env.Tables.Connections.Put(ctx, key, c)
}

// Session opens provider p's API for connection c, refreshing the token
// first when it expires within five minutes. A refresh the provider refuses
// (400 or 401) revokes the connection with reason refresh_failed and
// returns ErrRevoked.
func Session(ctx context.Context, env *app.Env, client *http.Client, limiter *ingest.Limiter, p ingest.Provider, c schemas.Connection) (*ingest.Session, error) {
	if p.OAuth == nil {
		return nil, fmt.Errorf("provider %s has no OAuth settings", p.Name)
	}
	if c.Status != schemas.ConnectionActive {
		return nil, ErrRevoked
	}
	tok, err := OpenToken(env, c)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken != "" && !tok.Expiry.IsZero() && time.Until(tok.Expiry) < refreshAhead {
		if tok, err = Refresh(ctx, env, client, p, c); err != nil {
			return nil, err
		}
	}
	return &ingest.Session{
		Provider: p.Name, Settings: Settings(env, p), AccessToken: tok.AccessToken,
		UserID: c.UserID, ProviderUserID: c.ProviderUserID,
		HTTP: client, Limiter: limiter, Header: p.OAuth.Header,
	}, nil
}

// Refresh exchanges c's refresh token for a new token and saves it.
func Refresh(ctx context.Context, env *app.Env, client *http.Client, p ingest.Provider, c schemas.Connection) (*oauth2.Token, error) {
	tok, err := OpenToken(env, c)
	if err != nil {
		return nil, err
	}
	if tok.RefreshToken == "" {
		return tok, nil
	}
	expired := *tok
	expired.Expiry = time.Unix(1, 0) // make the token source refresh now
	if client != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, client)
	}
	fresh, err := p.OAuth.Config(Settings(env, p), "").TokenSource(ctx, &expired).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && (re.Response.StatusCode == http.StatusBadRequest || re.Response.StatusCode == http.StatusUnauthorized) {
			key := schemas.ConnectionKey(c.Tenant, c.UserID, c.Provider)
			if _, rerr := Revoke(ctx, env, key, ReasonRefreshFailed, time.Now()); rerr != nil {
				return nil, fmt.Errorf("cannot revoke connection after a failed refresh: %w", rerr)
			}
			return nil, fmt.Errorf("%w: %s refused the refresh token: %v", ErrRevoked, p.Name, err)
		}
		return nil, fmt.Errorf("cannot refresh the %s token: %w", p.Name, err)
	}
	// Re-read the connection: the user may have disconnected meanwhile.
	key := schemas.ConnectionKey(c.Tenant, c.UserID, c.Provider)
	cur, ok := env.Tables.Connections.Get(key)
	if !ok || cur.Status != schemas.ConnectionActive || cur.ID != c.ID {
		return nil, ErrRevoked
	}
	SealToken(env, &cur, fresh)
	now := time.Now().UTC().Truncate(time.Millisecond)
	cur.RefreshedAt, cur.UpdatedAt = now, now
	if err := storeRotated(ctx, env, key, cur); err != nil {
		return nil, err
	}
	return fresh, nil
}

// rotatedWriteTimeout bounds the retries of storing a refreshed token.
const rotatedWriteTimeout = 2 * time.Minute

// storeRotated stores a connection whose tokens were just refreshed. Where
// the provider rotates refresh tokens (WHOOP, Fitbit, Strava, Oura), the
// old one is already spent and the new one exists only in this process, so
// the write is retried with backoff, on a context of its own that the
// caller's cancellation (a shutdown, a job timeout) does not end.
func storeRotated(ctx context.Context, env *app.Env, key string, c schemas.Connection) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rotatedWriteTimeout)
	defer cancel()
	wait := 100 * time.Millisecond
	for {
		err := env.Tables.Connections.Put(wctx, key, c)
		if err == nil {
			return nil
		}
		if errors.Is(err, state.ErrClosed) || wctx.Err() != nil {
			env.Logger.Error("a refreshed token could not be stored; the user must connect again", "connection", c.ID, "provider", c.Provider, "err", err)
			return fmt.Errorf("cannot store the refreshed %s token: %w", c.Provider, err)
		}
		env.Logger.Warn("cannot store a refreshed token yet; retrying", "connection", c.ID, "provider", c.Provider, "err", err)
		select {
		case <-wctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}
