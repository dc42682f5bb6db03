// Package tokens makes and checks the credentials of the mobile SDK flow:
// signed access tokens (HS256 JWTs scoped to one user and to the SDK
// routes), opaque refresh tokens, application credentials and invitation
// codes.
//
// Every key is derived from the deployment's secret key
// (WEARSTREAM_SECRET_KEY) with HMAC-SHA256 under a distinct label, so the
// encryption key itself never signs anything and rotating it invalidates
// every token at once.
//
// Access tokens are stateless: a gateway checks the signature and the
// expiry and needs nothing else. Refresh tokens and invitation codes are
// stored only as keyed hashes; a refresh token's successor is derived from
// it (Successor), so that every gateway that rotates the same token at the
// same moment hands out the same new refresh token.
package tokens

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ScopeSDK is the scope of SDK access tokens.
const ScopeSDK = "sdk"

// The prefixes of the opaque credentials, as Open Wearables writes them.
const (
	RefreshPrefix   = "rt-"
	AppIDPrefix     = "app_"
	AppSecretPrefix = "secret_"
)

// CodeAlphabet is the alphabet of invitation codes: no 0/O, 1/I.
const CodeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// CodeLength is the length of an invitation code.
const CodeLength = 8

// The errors of Verify. Callers answer all of them with 401; the message
// tells the client whether refreshing can help.
var (
	ErrMalformed = errors.New("malformed token")
	ErrSignature = errors.New("invalid token signature")
	ErrExpired   = errors.New("token expired")
	ErrScope     = errors.New("token has the wrong scope")
)

// Claims are the claims of an SDK access token.
type Claims struct {
	// Subject is the user the token acts for.
	Subject string `json:"sub"`
	// Tenant owns the user.
	Tenant string `json:"tenant"`
	// AppID is the application that asked for the token, or "key:<id>"
	// when an API key did, or "invitation" for a redeemed code.
	AppID     string `json:"app_id"`
	Scope     string `json:"scope"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
}

// Keys holds the keys derived from the secret key.
type Keys struct {
	sign    []byte
	rotate  []byte
	hashing []byte
}

// header is the fixed JOSE header; Verify accepts nothing else, so no
// "alg": "none" or algorithm confusion can get through.
var header = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

// NewKeys derives the token keys from the deployment's secret key.
func NewKeys(secretKey []byte) (*Keys, error) {
	if len(secretKey) < 32 {
		return nil, fmt.Errorf("cannot derive token keys: the secret key has %d bytes, want 32", len(secretKey))
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secretKey)
		m.Write([]byte("wearstream/" + label))
		return m.Sum(nil)
	}
	return &Keys{sign: derive("sdk-access-token/v1"), rotate: derive("refresh-rotation/v1"), hashing: derive("credential-hash/v1")}, nil
}

// Sign returns the compact JWT of c (HS256).
func (k *Keys) Sign(c Claims) string {
	payload, err := json.Marshal(c)
	if err != nil {
		panic(fmt.Sprintf("tokens: cannot encode claims: %v", err)) // plain strings and ints never fail
	}
	signed := header + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signed + "." + base64.RawURLEncoding.EncodeToString(k.mac(k.sign, signed))
}

// Verify checks an access token's signature (in constant time), scope and
// expiry at now, and returns its claims.
func (k *Keys) Verify(token string, now time.Time) (Claims, error) {
	first := strings.IndexByte(token, '.')
	last := strings.LastIndexByte(token, '.')
	if first < 0 || last == first || len(token) > 4096 {
		return Claims{}, ErrMalformed
	}
	if token[:first] != header {
		return Claims{}, ErrMalformed
	}
	sig, err := base64.RawURLEncoding.DecodeString(token[last+1:])
	if err != nil {
		return Claims{}, ErrMalformed
	}
	if !hmac.Equal(sig, k.mac(k.sign, token[:last])) {
		return Claims{}, ErrSignature
	}
	payload, err := base64.RawURLEncoding.DecodeString(token[first+1 : last])
	if err != nil {
		return Claims{}, ErrMalformed
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || c.Subject == "" || c.Tenant == "" {
		return Claims{}, ErrMalformed
	}
	if c.Scope != ScopeSDK {
		return Claims{}, ErrScope
	}
	if now.Unix() >= c.ExpiresAt {
		return Claims{}, ErrExpired
	}
	return c, nil
}

// LooksLikeJWT reports whether s has the shape of a compact JWT, to tell
// SDK tokens from API keys in an Authorization header.
func LooksLikeJWT(s string) bool {
	return strings.HasPrefix(s, "eyJ") && strings.Count(s, ".") == 2
}

// Successor is the refresh token that replaces old when it is rotated. It
// is a keyed function of old, so concurrent rotations of one token, in any
// number of gateways, agree on it.
func (k *Keys) Successor(old string) string {
	return RefreshPrefix + hex.EncodeToString(k.mac(k.rotate, old))
}

// Hash is the keyed hash under which a refresh token or an invitation code
// is stored. Keyed, so that a copy of the state topics does not let anyone
// search the small space of 8-character codes offline.
func (k *Keys) Hash(credential string) string {
	return hex.EncodeToString(k.mac(k.hashing, credential))
}

// Equal compares two hashes in constant time.
func Equal(a, b string) bool {
	return hmac.Equal([]byte(a), []byte(b))
}

func (k *Keys) mac(key []byte, s string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// NewRefreshToken returns a new random refresh token: "rt-" and 64 hex.
func NewRefreshToken() string { return RefreshPrefix + randomHex(32) }

// NewAppID returns a new application id: "app_" and 32 hex.
func NewAppID() string { return AppIDPrefix + randomHex(16) }

// NewAppSecret returns a new application secret: "secret_" and 64 hex.
func NewAppSecret() string { return AppSecretPrefix + randomHex(32) }

// NewCode returns a new invitation code of CodeLength characters from
// CodeAlphabet (40 bits).
func NewCode() string {
	b := make([]byte, CodeLength)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("tokens: no randomness: %v", err))
	}
	for i := range b {
		b[i] = CodeAlphabet[int(b[i])%len(CodeAlphabet)] // 256 is a multiple of 32: uniform
	}
	return string(b)
}

// NormalizeCode upper-cases a code as typed and drops spaces and dashes;
// ok is false when the result cannot be a code.
func NormalizeCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-':
		case r < 128 && strings.IndexByte(CodeAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
		if b.Len() > CodeLength {
			return "", false
		}
	}
	return b.String(), b.Len() == CodeLength
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("tokens: no randomness: %v", err))
	}
	return hex.EncodeToString(b)
}
